/**
 * Live store -> GeoJSON for the map sources. Pure functions: every feature carries
 * its `id` in properties (browser tests and click handlers read it), plus only the
 * few properties the layer expressions use, to keep worker transfers small.
 */
import type { Feature, FeatureCollection, LineString, MultiPolygon, Point, Polygon } from 'geojson';
import type { WardFeature } from '../../../contract/citypack.js';
import { SEVERITY_RANK, type Severity, type Camera, type Incident, type Link, type LngLat, type Station, type Unit } from '../../../contract/domain.js';
import { type Alert } from '../../../contract/alerts.js';
import { unitCallsign } from '../app/callsign.js';
import type { ById } from '../live/store.js';

const EARTH_RADIUS_M = 6_371_008.8;

/**
 * A circle of `radiusM` metres around `center` as a closed `steps`-gon. Uses the local
 * spherical approximation, well under 1% error at city scale and these latitudes.
 */
export function circlePolygon(center: LngLat, radiusM: number, steps = 32): number[][] {
  const [lon, lat] = center;
  const dLat = (radiusM / EARTH_RADIUS_M) * (180 / Math.PI);
  const dLon = dLat / Math.cos((lat * Math.PI) / 180);
  const ring: number[][] = [];
  for (let i = 0; i < steps; i++) {
    const a = (2 * Math.PI * i) / steps;
    ring.push([lon + dLon * Math.sin(a), lat + dLat * Math.cos(a)]);
  }
  ring.push(ring[0]!.slice());
  return ring;
}

/**
 * How bad a state is, higher is worse: markers stack by it (symbol-sort-key),
 * clusters take the maximum of their members (clusterProperties) and are
 * coloured and stacked by it (./cluster.ts).
 */
export const severityLevel = (s: Severity): number => 3 - SEVERITY_RANK[s];
const CAMERA_LEVEL: Record<Camera['state'], number> = { online: 0, unknown: 1, degraded: 2, offline: 3 };

/** The map's dot of one camera: the only properties the layers and the picking read. */
export function cameraFeature(c: Camera & { position: LngLat }): Feature<Point> {
  return {
    type: 'Feature',
    id: c.id,
    geometry: { type: 'Point', coordinates: c.position },
    properties: { id: c.id, state: c.state, stale: c.stale, level: Math.max(CAMERA_LEVEL[c.state] ?? 1, c.stale ? 1 : 0) },
  };
}

export function stationFeature(s: Station & { position: LngLat }): Feature<Point> {
  return {
    type: 'Feature',
    id: s.id,
    geometry: { type: 'Point', coordinates: s.position },
    properties: { id: s.id, state: s.state, operator: s.operator, stale: s.stale },
  };
}

/**
 * What a device's dot on the map depends on, as a string: equal keys mean the map
 * needs no update for it (telemetry such as load or bitrate changes nothing drawn).
 * Null when it is not drawn (no position).
 */
export function cameraKey(c: Camera | undefined): string | null {
  return c?.position ? `${c.position[0]},${c.position[1]}|${c.state}|${c.stale}` : null;
}

export function stationKey(s: Station | undefined): string | null {
  return s?.position ? `${s.position[0]},${s.position[1]}|${s.state}|${s.stale}|${s.operator}` : null;
}

export function cameraFeatures(cameras: ById<Camera>): FeatureCollection<Point> {
  const features: FeatureCollection<Point>['features'] = [];
  for (const c of Object.values(cameras)) {
    if (c.position) features.push(cameraFeature(c as Camera & { position: LngLat }));
  }
  return { type: 'FeatureCollection', features };
}

export function stationFeatures(stations: ById<Station>): FeatureCollection<Point> {
  const features: FeatureCollection<Point>['features'] = [];
  for (const s of Object.values(stations)) {
    if (s.position) features.push(stationFeature(s as Station & { position: LngLat }));
  }
  return { type: 'FeatureCollection', features };
}

/**
 * Which stations get a coverage circle. In a city of a few hundred stations,
 * every one: the circles show what each covers. Past a few thousand (`outagesOnly`)
 * they overlap into one even wash that says nothing and costs a renderer thousands
 * of overlapping fills per frame, so only the stations that are not up are drawn:
 * the holes (hatched) and the degraded. The ward choropleth still shows the loss.
 */
export function hasCoverage(s: Station | undefined, outagesOnly = false): s is Station & { position: LngLat } {
  return !!s?.position && s.radiusM > 0 && (!outagesOnly || s.state === 'down' || s.state === 'degraded');
}

export function coverageKey(s: Station | undefined, outagesOnly = false): string | null {
  return hasCoverage(s, outagesOnly) ? `${s.position[0]},${s.position[1]}|${s.radiusM}|${s.state}` : null;
}

export function coverageFeature(s: Station & { position: LngLat }): Feature<Polygon> {
  return {
    type: 'Feature',
    id: s.id,
    geometry: { type: 'Polygon', coordinates: [circlePolygon(s.position, s.radiusM)] },
    properties: { id: s.id, state: s.state },
  };
}

export function coverageFeatures(stations: ById<Station>, outagesOnly = false): FeatureCollection<Polygon> {
  const features: FeatureCollection<Polygon>['features'] = [];
  for (const s of Object.values(stations)) {
    if (hasCoverage(s, outagesOnly)) features.push(coverageFeature(s));
  }
  // Down stations last so their hatch is not hidden under a neighbour's fill.
  features.sort((a, b) => Number(a.properties?.state === 'down') - Number(b.properties?.state === 'down'));
  return { type: 'FeatureCollection', features };
}

export function linkFeatures(links: ById<Link>): FeatureCollection<LineString> {
  const features: FeatureCollection<LineString>['features'] = [];
  for (const l of Object.values(links)) {
    if (l.path.length < 2) continue;
    features.push({
      type: 'Feature',
      geometry: { type: 'LineString', coordinates: l.path },
      properties: { id: l.id, state: l.state },
    });
  }
  return { type: 'FeatureCollection', features };
}

/** Where to draw an alert: its own position, else its source device's. */
export function alertPosition(alert: Alert, cameras: ById<Camera>, stations: ById<Station>): LngLat | null {
  if (alert.position) return alert.position;
  if (alert.source.kind === 'camera') return cameras[alert.source.id]?.position ?? null;
  if (alert.source.kind === 'station') return stations[alert.source.id]?.position ?? null;
  return null;
}

/** An alert pulses on the map while it is unacknowledged and younger than this. */
export const NEW_ALERT_MS = 3 * 60_000;

export function alertFeatures(
  alerts: ById<Alert>,
  cameras: ById<Camera>,
  stations: ById<Station>,
  serverNow: number,
): FeatureCollection<Point> {
  const features: FeatureCollection<Point>['features'] = [];
  for (const a of Object.values(alerts)) {
    if (a.state === 'cleared') continue;
    const position = alertPosition(a, cameras, stations);
    if (!position) continue;
    features.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: position },
      properties: {
        id: a.id,
        severity: a.severity,
        rank: SEVERITY_RANK[a.severity],
        state: a.state,
        escalated: a.escalated,
        isNew: a.state === 'active' && serverNow - a.firstSeen < NEW_ALERT_MS,
      },
    });
  }
  return { type: 'FeatureCollection', features };
}

export function incidentFeatures(incidents: ById<Incident>): FeatureCollection<Point> {
  const features: FeatureCollection<Point>['features'] = [];
  for (const i of Object.values(incidents)) {
    if (!i.position || i.status === 'closed') continue;
    features.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: i.position },
      properties: { id: i.id, severity: i.severity, rank: SEVERITY_RANK[i.severity], status: i.status },
    });
  }
  return { type: 'FeatureCollection', features };
}

/** Which kinds of marker the officer has on (the layer toggles). */
export interface MarkerKinds {
  alerts: boolean;
  incidents: boolean;
}

/**
 * What the map draws for incidents and alerts together, one clustered source
 * (issue #27 point 4). An incident is one marker with its alerts: an alert linked
 * to an incident that is drawn is not drawn again beside it; the incident carries
 * how many alerts it holds, and whether any is new or escalated, so its marker
 * pulses and rings as theirs would. An alert whose incident is not drawn (closed,
 * no position, incidents switched off) is drawn on its own.
 */
export function markerFeatures(
  incidents: ById<Incident>,
  alerts: ById<Alert>,
  cameras: ById<Camera>,
  stations: ById<Station>,
  serverNow: number,
  kinds: MarkerKinds = { alerts: true, incidents: true },
): FeatureCollection<Point> {
  const drawn = new Map<string, { alertCount: number; isNew: boolean; escalated: boolean }>();
  if (kinds.incidents) {
    for (const i of Object.values(incidents)) if (i.position && i.status !== 'closed') drawn.set(i.id, { alertCount: 0, isNew: false, escalated: false });
  }
  const features: FeatureCollection<Point>['features'] = [];
  for (const a of Object.values(alerts)) {
    if (a.state === 'cleared') continue;
    const isNew = a.state === 'active' && serverNow - a.firstSeen < NEW_ALERT_MS;
    const holder = a.incidentId ? drawn.get(a.incidentId) : undefined;
    if (holder) {
      holder.alertCount += 1;
      holder.isNew ||= isNew;
      holder.escalated ||= a.escalated;
      continue;
    }
    if (!kinds.alerts) continue;
    const position = alertPosition(a, cameras, stations);
    if (!position) continue;
    features.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: position },
      properties: { id: a.id, kind: 'alert', severity: a.severity, level: severityLevel(a.severity), state: a.state, escalated: a.escalated, isNew },
    });
  }
  for (const [id, m] of drawn) {
    const i = incidents[id]!;
    features.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: i.position! },
      properties: { id, kind: 'incident', severity: i.severity, level: severityLevel(i.severity), status: i.status, ...m },
    });
  }
  return { type: 'FeatureCollection', features };
}

export function unitFeatures(units: ById<Unit>): FeatureCollection<Point> {
  return {
    type: 'FeatureCollection',
    features: Object.values(units).map((u) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: u.position },
      // The callsign labels the marker at every zoom (issue #27.7: the shields looked alike).
      properties: { id: u.id, status: u.status, kind: u.kind, name: u.name, callsign: unitCallsign(u.id) },
    })),
  };
}

/**
 * Ward coverage choropleth: the share of each ward's area that lost coverage.
 * Taken from the open coverage_loss alerts (the server computes it geometrically
 * against the all-up baseline, contract/coverage.ts); a ward with no such
 * alert is under the threshold and drawn as 0. So the client never redoes the
 * geometry, and the map and the queue always agree.
 */
export function wardCoverageFeatures(wards: { features: WardFeature[] }, alerts: ById<Alert>): FeatureCollection<Polygon | MultiPolygon> {
  const loss = wardLoss(alerts);
  return {
    type: 'FeatureCollection',
    features: wards.features.map((w) => ({
      type: 'Feature',
      geometry: w.geometry,
      properties: { id: w.properties.id, uncoveredPct: loss.get(w.properties.id) ?? 0 },
    })),
  };
}

/** uncoveredPct per ward from open coverage_loss alerts. */
export function wardLoss(alerts: ById<Alert>): Map<string, number> {
  const loss = new Map<string, number>();
  for (const a of Object.values(alerts)) {
    if (a.rule !== 'coverage_loss' || a.state === 'cleared') continue;
    const pct = Number(a.data?.uncoveredPct);
    const ward = a.wardId ?? (a.source.kind === 'ward' ? a.source.id : null);
    if (ward && Number.isFinite(pct)) loss.set(ward, Math.max(pct, loss.get(ward) ?? 0));
  }
  return loss;
}
