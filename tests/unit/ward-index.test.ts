/**
 * The ward of a position through the flatbush index (contract/geo.ts) gives the
 * same answer as testing every ward in pack order: on a 500-ward city with
 * wiggly shared edges (the benchmark's), on overlapping wards (the first in pack
 * order wins), on a MultiPolygon ward, and outside every ward.
 */
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import { describe, expect, it } from 'vitest';
import { generateWardsPack } from '../../bench/lib/wards-pack.js';
import type { CityPack, WardFeature } from '../../contract/citypack.js';
import { loadCityPack } from '../../contract/citypack-load.js';
import type { LngLat } from '../../contract/domain.js';
import { wardIdAt } from '../../contract/geo.js';

const linear = (pack: CityPack, p: LngLat) => pack.wards.features.find((w) => booleanPointInPolygon(p, w.geometry))?.properties.id ?? null;

const square = (id: string, w: number, s: number, e: number, n: number): WardFeature => ({
  type: 'Feature',
  properties: { id, name: id, nameEn: id, kind: 'ward', population: 1 },
  geometry: { type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] },
});

describe('the ward of a position, through the index', () => {
  it('agrees with the linear scan on 500 wiggly wards, 3,000 positions', async () => {
    const pack = await loadCityPack(generateWardsPack({ wards: 500, vertices: 100_000, stations: 0, cameras: 0 }));
    const [w, s, e, n] = pack.meta.bbox;
    let inside = 0;
    for (let i = 0; i < 3000; i++) {
      const p: LngLat = [w + ((i * 0.618034) % 1) * (e - w), s + ((i * 0.754878) % 1) * (n - s)];
      const want = linear(pack, p);
      if (want) inside++;
      expect(wardIdAt(pack, p), `[${p.join(', ')}]`).toBe(want);
    }
    expect(inside).toBeGreaterThan(2000);
  });

  it('keeps pack order for overlapping wards, reads MultiPolygons, and answers null outside', () => {
    const multi: WardFeature = {
      type: 'Feature',
      properties: { id: 'islands', name: 'Đảo', nameEn: 'Islands', kind: 'commune', population: 1 },
      geometry: { type: 'MultiPolygon', coordinates: [square('x', 0, 0, 1, 1).geometry.coordinates as number[][][], square('y', 5, 5, 6, 6).geometry.coordinates as number[][][]] },
    };
    const pack = { wards: { type: 'FeatureCollection', features: [square('big', 0, 0, 4, 4), square('inner', 1, 1, 2, 2), multi] } } as CityPack;
    expect(wardIdAt(pack, [1.5, 1.5])).toBe('big');
    expect(wardIdAt(pack, [5.5, 5.5])).toBe('islands');
    expect(wardIdAt(pack, [4.5, 4.5])).toBeNull();
    expect(wardIdAt(pack, [0.5, 3.5])).toBe('big');
  });
});
