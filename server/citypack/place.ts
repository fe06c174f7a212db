/**
 * Where a position is, in words people use: the nearest named road within reach, or the
 * nearest camera site (named after its crossing), and the ward. What the console and the
 * responder's phone show when a report gave no address ("Đường 16 Tháng 4, P. Mỹ Hải").
 */
import { point } from '@turf/helpers';
import pointToLineDistance from '@turf/point-to-line-distance';
import type { CityPack, LngLat } from '../../contract/index.js';
import { distanceM, wardAt } from '../../contract/geo.js';

/** A road or a site this far away or more does not name the place. */
const REACH_M = 250;

export function placeName(pack: CityPack, p: LngLat): string | null {
  const at = point(p);
  let road: { name: string; d: number } | null = null;
  for (const f of pack.roads.features) {
    const d = pointToLineDistance(at, f.geometry, { units: 'meters' });
    if (d <= REACH_M && (!road || d < road.d)) road = { name: f.properties.name, d };
  }
  let site: { name: string; d: number } | null = null;
  if (!road) {
    for (const c of pack.sites.cameras) {
      const d = distanceM(p, c.position);
      if (d <= REACH_M && (!site || d < site.d)) site = { name: c.name, d };
    }
  }
  const ward = wardAt(pack, p)?.properties.name;
  const where = road ? road.name : site ? `gần ${site.name}` : null;
  return [where, ward].filter(Boolean).join(', ') || null;
}
