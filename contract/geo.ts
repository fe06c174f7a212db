/**
 * Distance and ward look-up on the city scale: one copy for the server, the client and the
 * simulators, so that a distance the console shows, the one the rules correlate by and the one
 * a scenario expects are the same number.
 */
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import { distance } from '@turf/distance';
import Flatbush from 'flatbush';
import type { CityPack, WardFeature } from './citypack.js';
import type { LngLat } from './domain.js';

/** Great-circle distance in metres (haversine on turf's mean Earth radius, 6,371,008.8 m): plenty for a city. */
export function distanceM(a: LngLat, b: LngLat): number {
  return distance(a, b, { units: 'meters' });
}

/** Bounding box of every ward, in a static R-tree (flatbush), built once per pack. */
const wardIndexes = new WeakMap<CityPack['wards'], Flatbush>();

function wardIndex(wards: CityPack['wards']): Flatbush {
  let index = wardIndexes.get(wards);
  if (index) return index;
  index = new Flatbush(Math.max(1, wards.features.length));
  for (const w of wards.features) {
    const rings = w.geometry.type === 'Polygon' ? w.geometry.coordinates : w.geometry.coordinates.flat();
    let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const ring of rings)
      for (const q of ring) {
        if (q[0]! < minX) minX = q[0]!;
        if (q[0]! > maxX) maxX = q[0]!;
        if (q[1]! < minY) minY = q[1]!;
        if (q[1]! > maxY) maxY = q[1]!;
      }
    index.add(minX, minY, maxX, maxY);
  }
  if (wards.features.length === 0) index.add(0, 0, 0, 0);
  index.finish();
  wardIndexes.set(wards, index);
  return index;
}

/**
 * The ward of the city pack containing a position, if any (the first, in pack order).
 * Real boundaries run to hundreds of wards and 100k vertices, and every stored point
 * is tagged with its ward: the boxes that hold the point are found in the index first,
 * and only their polygons are tested (docs/benchmarks.md, "Real city boundaries").
 */
export function wardAt(pack: CityPack, p: LngLat): WardFeature | undefined {
  const wards = pack.wards.features;
  const hits = wardIndex(pack.wards).search(p[0], p[1], p[0], p[1]);
  if (hits.length > 1) hits.sort((a, b) => a - b);
  for (const i of hits) {
    const w = wards[i];
    if (w && booleanPointInPolygon(p, w.geometry)) return w;
  }
  return undefined;
}

/** Its id, or null: what alerts, incidents and stored points are tagged with. */
export function wardIdAt(pack: CityPack, p: LngLat): string | null {
  return wardAt(pack, p)?.properties.id ?? null;
}
