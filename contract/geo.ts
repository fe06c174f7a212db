/**
 * Distance and ward look-up on the city scale: one copy for the server, the client and the
 * simulators, so that a distance the console shows, the one the rules correlate by and the one
 * a scenario expects are the same number.
 */
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import { distance } from '@turf/distance';
import type { CityPack, WardFeature } from './citypack.js';
import type { LngLat } from './domain.js';

/** Great-circle distance in metres (haversine on turf's mean Earth radius, 6,371,008.8 m): plenty for a city. */
export function distanceM(a: LngLat, b: LngLat): number {
  return distance(a, b, { units: 'meters' });
}

/** The ward of the city pack containing a position, if any (the first, in pack order). */
export function wardAt(pack: CityPack, p: LngLat): WardFeature | undefined {
  return pack.wards.features.find((w) => booleanPointInPolygon(p, w.geometry));
}

/** Its id, or null: what alerts, incidents and stored points are tagged with. */
export function wardIdAt(pack: CityPack, p: LngLat): string | null {
  return wardAt(pack, p)?.properties.id ?? null;
}
