/**
 * A small map drawn as SVG from the city pack (roads and ward borders around
 * the incident): no tiles, no WebGL, light on a phone's battery and readable in
 * the sun. Shows the incident and where the unit (or the phone) is.
 */
import { useMemo } from 'react';
import type { CityPack } from '../../../../contract/citypack.js';
import type { LngLat } from '../../../../contract/domain.js';

const SPAN_M = 900;

function lines(geom: { type: string; coordinates: unknown }): number[][][] {
  if (geom.type === 'LineString') return [geom.coordinates as number[][]];
  if (geom.type === 'MultiLineString' || geom.type === 'Polygon') return geom.coordinates as number[][][];
  if (geom.type === 'MultiPolygon') return (geom.coordinates as number[][][][]).flat();
  return [];
}

export function MiniMap({ pack, at, me }: { pack: CityPack; at: LngLat; me: LngLat | null }) {
  const { roads, wards } = useMemo(() => {
    const kx = 111_320 * Math.cos((at[1] * Math.PI) / 180);
    const ky = 110_540;
    const proj = (p: number[]) => [((p[0]! - at[0]) * kx) / SPAN_M * 50 + 50, 50 - ((p[1]! - at[1]) * ky) / SPAN_M * 50];
    const near = (l: number[][]) => l.some((p) => Math.abs((p[0]! - at[0]) * kx) < SPAN_M * 1.5 && Math.abs((p[1]! - at[1]) * ky) < SPAN_M * 1.5);
    const path = (l: number[][]) => l.map((p, i) => `${i ? 'L' : 'M'}${proj(p).map((v) => v.toFixed(1)).join(',')}`).join('');
    const roads = pack.roads.features.flatMap((f) => lines(f.geometry as never).filter(near).map(path));
    const wards = pack.wards.features.flatMap((f) => lines(f.geometry as never).filter(near).map(path));
    return { roads, wards, proj };
  }, [pack, at]);
  const kx = 111_320 * Math.cos((at[1] * Math.PI) / 180);
  const meXY = me ? [((me[0] - at[0]) * kx) / SPAN_M * 50 + 50, 50 - ((me[1] - at[1]) * 110_540) / SPAN_M * 50] : null;
  const clamp = (v: number) => Math.max(4, Math.min(96, v));
  return (
    <svg className="rmap" viewBox="0 0 100 100" preserveAspectRatio="xMidYMid slice" aria-hidden="true">
      <rect width="100" height="100" className="rmap__bg" />
      {wards.map((d, i) => (
        <path key={`w${i}`} d={d} className="rmap__ward" />
      ))}
      {roads.map((d, i) => (
        <path key={`r${i}`} d={d} className="rmap__road" />
      ))}
      {meXY && <circle cx={clamp(meXY[0]!)} cy={clamp(meXY[1]!)} r="3.2" className="rmap__me" />}
      <circle cx="50" cy="50" r="7" className="rmap__ring" />
      <circle cx="50" cy="50" r="3.6" className="rmap__inc" />
    </svg>
  );
}
