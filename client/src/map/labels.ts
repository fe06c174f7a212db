/**
 * One label point per ward. Labelling the polygons directly makes maplibre place
 * a label per tile the polygon crosses (duplicated names); a point per ward gives
 * exactly one. The point is the centre of the widest horizontal chord through the
 * ward's centroid, which always lies inside the polygon, even a concave one.
 */
import type { FeatureCollection, Point } from 'geojson';
import type { WardFeature } from '../../../contract/citypack.js';

type Ring = number[][];

function ringArea(ring: Ring): number {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) a += ring[j]![0]! * ring[i]![1]! - ring[i]![0]! * ring[j]![1]!;
  return a / 2;
}

function centroid(ring: Ring): [number, number] {
  let x = 0;
  let y = 0;
  const a = ringArea(ring);
  if (a === 0) return [ring[0]![0]!, ring[0]![1]!];
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const f = ring[j]![0]! * ring[i]![1]! - ring[i]![0]! * ring[j]![1]!;
    x += (ring[j]![0]! + ring[i]![0]!) * f;
    y += (ring[j]![1]! + ring[i]![1]!) * f;
  }
  return [x / (6 * a), y / (6 * a)];
}

/** Centre of the widest interior segment of the ring along latitude `y`. */
export function labelPoint(ring: Ring): [number, number] {
  const [cx, cy] = centroid(ring);
  const xs: number[] = [];
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [x1, y1] = ring[j] as [number, number];
    const [x2, y2] = ring[i] as [number, number];
    if (y1 === y2 || cy < Math.min(y1, y2) || cy >= Math.max(y1, y2)) continue;
    xs.push(x1 + ((cy - y1) * (x2 - x1)) / (y2 - y1));
  }
  xs.sort((a, b) => a - b);
  let best: [number, number] = [cx, cy];
  let width = -1;
  for (let k = 0; k + 1 < xs.length; k += 2) {
    const w = xs[k + 1]! - xs[k]!;
    if (w > width) {
      width = w;
      best = [(xs[k]! + xs[k + 1]!) / 2, cy];
    }
  }
  return best;
}

export function wardLabelPoints(wards: { features: WardFeature[] }): FeatureCollection<Point> {
  return {
    type: 'FeatureCollection',
    features: wards.features.map((f) => {
      const rings = f.geometry.type === 'Polygon' ? [f.geometry.coordinates[0]!] : f.geometry.coordinates.map((p) => p[0]!);
      const largest = rings.reduce((a, b) => (Math.abs(ringArea(b)) > Math.abs(ringArea(a)) ? b : a));
      const { id, name, nameEn, kind } = f.properties;
      return {
        type: 'Feature',
        geometry: { type: 'Point', coordinates: labelPoint(largest) },
        properties: { id, name, nameEn, kind },
      };
    }),
  };
}
