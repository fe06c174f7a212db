/** Small, dependency-light geometry for the generator (metres on a city scale). */
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import { stationSiteFacts, type CityPack, type RoadFeature, type WardFeature } from '../contract/citypack.js';
import { distanceM } from '../contract/geo.js';
import type { LngLat, Station } from '../contract/domain.js';
import { coverageByWard, coverageLossSchema } from '../contract/coverage.js';
import type { Rng } from './rng.js';

const rad = (d: number) => (d * Math.PI) / 180;

/** Move `m` metres from `p` on a bearing (degrees from north); flat-earth is fine below a few km. */
export function offset(p: LngLat, bearingDeg: number, m: number): LngLat {
  const dy = m * Math.cos(rad(bearingDeg));
  const dx = m * Math.sin(rad(bearingDeg));
  return round6([p[0] + dx / (111_320 * Math.cos(rad(p[1]))), p[1] + dy / 110_574]);
}

export function jitter(p: LngLat, rng: Rng, maxM: number): LngLat {
  return offset(p, rng.uniform(0, 360), rng.uniform(0, maxM));
}

export function round6(p: LngLat): LngLat {
  return [Math.round(p[0] * 1e6) / 1e6, Math.round(p[1] * 1e6) / 1e6];
}

export function wardContains(ward: WardFeature, p: LngLat): boolean {
  return booleanPointInPolygon(p, ward.geometry);
}

/** Mean of the outer ring's vertices: inside for the convex-ish wards packs use. */
export function wardCentre(ward: WardFeature): LngLat {
  const ring = ward.geometry.type === 'Polygon' ? ward.geometry.coordinates[0]! : ward.geometry.coordinates[0]![0]!;
  const pts = ring.slice(0, -1);
  return round6([pts.reduce((s, q) => s + q[0]!, 0) / pts.length, pts.reduce((s, q) => s + q[1]!, 0) / pts.length]);
}

export function randomPointInWard(ward: WardFeature, rng: Rng): LngLat {
  const ring = ward.geometry.type === 'Polygon' ? ward.geometry.coordinates[0]! : ward.geometry.coordinates[0]![0]!;
  const xs = ring.map((q) => q[0]!);
  const ys = ring.map((q) => q[1]!);
  for (let i = 0; i < 30; i++) {
    const p: LngLat = round6([rng.uniform(Math.min(...xs), Math.max(...xs)), rng.uniform(Math.min(...ys), Math.max(...ys))]);
    if (wardContains(ward, p)) return p;
  }
  return wardCentre(ward);
}

export function roadLengthM(road: RoadFeature): number {
  const c = road.geometry.coordinates as LngLat[];
  let len = 0;
  for (let i = 1; i < c.length; i++) len += distanceM(c[i - 1]!, c[i]!);
  return len;
}

/** The point at fraction `t` (0..1) of the road's length. */
export function pointAlong(road: RoadFeature, t: number): LngLat {
  const c = road.geometry.coordinates as LngLat[];
  let d = Math.max(0, Math.min(1, t)) * roadLengthM(road);
  for (let i = 1; i < c.length; i++) {
    const seg = distanceM(c[i - 1]!, c[i]!);
    if (d <= seg && seg > 0) {
      const f = d / seg;
      return round6([c[i - 1]![0] + f * (c[i]![0] - c[i - 1]![0]), c[i - 1]![1] + f * (c[i]![1] - c[i - 1]![1])]);
    }
    d -= seg;
  }
  return c[c.length - 1]!;
}

/**
 * Wards whose every own station (by the station's wardId) is in `downStationIds`: the
 * ward has no service of its own left. The typhoon cuts fiber only to such wards.
 * Not the coverage-loss expectation: see wardsLosingCoverage.
 */
export function wardsWithoutOwnService(pack: CityPack, downStationIds: Iterable<string>): string[] {
  const down = new Set(downStationIds);
  return pack.wards.features
    .map((w) => w.properties.id)
    .filter((wid) => {
      const own = pack.sites.stations.filter((s) => s.wardId === wid);
      return own.length > 0 && own.every((s) => down.has(s.id));
    });
}

/**
 * Wards for which the console raises coverage_loss when `downStationIds` are down (every
 * other station up), with the default coverageLoss knobs: the product's own geometry
 * (contract/coverage.ts), not a rule of thumb. A ward loses coverage when the share
 * of its area that stations covered and nothing covers now reaches minUncoveredPct, so
 * one of two stations going down can be enough, and a ward whose stations are all down
 * may still be covered from its neighbours. In pack order.
 */
export function wardsLosingCoverage(pack: CityPack, downStationIds: Iterable<string>): string[] {
  const down = new Set(downStationIds);
  const { techs, gridM, minUncoveredPct } = coverageLossSchema.parse(undefined);
  const stations: Station[] = pack.sites.stations.map((s) => ({
    ...stationSiteFacts(s),
    state: down.has(s.id) ? 'down' : 'up',
    power: 'mains',
    batteryPct: null,
    backhaul: 'up',
    loadPct: null,
    lastSeen: 0,
    stale: false,
  }));
  return coverageByWard(pack, stations, techs, { gridM })
    .filter((w) => w.uncoveredPct >= minUncoveredPct)
    .map((w) => w.wardId);
}
