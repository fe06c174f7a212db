/**
 * Where a position lies in the city pack's wards. The incident desk and the InfluxDB recorder both tag by
 * ward, so the lookup lives with the pack, below both (issue #25: storage does not import the incidents).
 */
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import type { CityPack, LngLat } from '../../contract/index.js';

/** The ward containing a position, if any. */
export function wardAt(pack: CityPack, p: LngLat): string | null {
  for (const w of pack.wards.features) {
    if (booleanPointInPolygon(p, w.geometry)) return w.properties.id;
  }
  return null;
}
