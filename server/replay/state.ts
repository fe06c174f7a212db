/**
 * The picture at a past moment, from InfluxDB alone:
 * - devices: the last stored status of each device before `at`, looked for
 *   within a bounded window (24 h); one older than the stale window is stale,
 *   as the live registry would have marked it;
 * - alerts, incidents, units: the `events` measurement folded up to `at` (each
 *   event carries the full state after the change), over the same 30 days the
 *   server's own start-up rebuild reads.
 * Static site data (names, positions, wards) comes from the registry's devices.
 */
import type { InfluxDB } from 'influx';
import { normalizeIncident, type Alert, type Camera, type Incident, type Kpis, type Link, type Snapshot, type Station, type Unit } from '../../contract/index.js';
import { RP_RAW } from '../influx/schema.js';

export const DEVICE_WINDOW_MS = 24 * 3_600_000;
export const EVENTS_WINDOW_MS = 30 * 86_400_000;

export interface DeviceBase {
  cameras: Camera[];
  stations: Station[];
  links: Link[];
  units: Unit[];
}

/** A past picture: the live Snapshot's shape, so the client renders it with the same code. */
export interface ReplaySnapshot extends Snapshot {
  at: number;
  staleMs: number;
}

interface Row {
  time: { getTime(): number };
  [field: string]: unknown;
}

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const pick = <T extends string>(v: unknown, allowed: readonly T[]): T | null => (allowed.includes(v as T) ? (v as T) : null);

async function lastBefore(influx: InfluxDB, measurement: string, tag: string, at: number): Promise<Map<string, Row>> {
  const rows = (await influx.query(
    `SELECT * FROM "${RP_RAW}"."${measurement}" WHERE time > ${Math.trunc(at - DEVICE_WINDOW_MS)}ms AND time <= ${Math.trunc(at)}ms GROUP BY "${tag}" ORDER BY time DESC LIMIT 1`,
  )) as unknown as Row[];
  return new Map(rows.map((r) => [String(r[tag]), r]));
}

export function cameraAt(base: Camera, r: Row | undefined, at: number, staleMs: number): Camera {
  const blank: Camera = { ...base, state: 'unknown', fps: null, bitrateKbps: null, lastSeen: null, stale: false };
  const state = pick(r?.state, ['online', 'degraded', 'offline'] as const);
  if (!r || !state) return blank;
  const lastSeen = r.time.getTime();
  return { ...blank, state, fps: num(r.fps), bitrateKbps: num(r.bitrate_kbps), lastSeen, stale: lastSeen < at - staleMs };
}

export function stationAt(base: Station, r: Row | undefined, at: number, staleMs: number): Station {
  const blank: Station = { ...base, state: 'unknown', power: null, batteryPct: null, backhaul: null, loadPct: null, lastSeen: null, stale: false };
  const state = pick(r?.state, ['up', 'degraded', 'down'] as const);
  if (!r || !state) return blank;
  const lastSeen = r.time.getTime();
  return {
    ...blank,
    state,
    power: pick(r.power, ['mains', 'battery'] as const),
    batteryPct: num(r.battery_pct),
    backhaul: pick(r.backhaul, ['up', 'down'] as const),
    loadPct: num(r.load_pct),
    lastSeen,
    stale: lastSeen < at - staleMs,
  };
}

export function linkAt(base: Link, r: Row | undefined, at: number, staleMs: number): Link {
  const blank: Link = { ...base, state: 'unknown', latencyMs: null, lossPct: null, lastSeen: null, stale: false };
  const state = pick(r?.state, ['up', 'degraded', 'down'] as const);
  if (!r || !state) return blank;
  const lastSeen = r.time.getTime();
  return { ...blank, state, latencyMs: num(r.latency_ms), lossPct: num(r.loss_pct), lastSeen, stale: lastSeen < at - staleMs };
}

/** Last state per id of one entity's events in (at − 30 d, at], oldest first. */
async function foldEvents<T>(influx: InfluxDB, entity: 'alert' | 'incident' | 'unit', at: number): Promise<Map<string, T>> {
  const rows = await influx.query<{ id: string; state: string | null }>(
    `SELECT "id", "state" FROM "${RP_RAW}"."events" WHERE "entity" = '${entity}' AND time > ${Math.trunc(at - EVENTS_WINDOW_MS)}ms AND time <= ${Math.trunc(at)}ms ORDER BY time ASC`,
  );
  const m = new Map<string, T>();
  for (const r of rows) if (typeof r.state === 'string') m.set(String(r.id), JSON.parse(r.state) as T);
  return m;
}

async function kpisAt(influx: InfluxDB, at: number): Promise<Kpis> {
  const rows = (await influx.query(
    `SELECT * FROM "${RP_RAW}"."kpis" WHERE time > ${Math.trunc(at - 10 * 60_000)}ms AND time <= ${Math.trunc(at)}ms ORDER BY time DESC LIMIT 1`,
  )) as unknown as Row[];
  const r = rows[0];
  const n = (k: string) => (r ? num(r[k]) : null);
  return {
    openIncidents: { critical: n('open_critical') ?? 0, major: n('open_major') ?? 0, minor: n('open_minor') ?? 0, info: n('open_info') ?? 0 },
    activeAlerts: n('active_alerts') ?? 0,
    cameraAvailabilityPct: n('camera_availability_pct'),
    stationAvailabilityPct: n('station_availability_pct'),
    mttaS: n('mtta_s'),
    mttrS: n('mttr_s'),
    coveragePct: n('coverage_pct'),
  };
}

export async function replayState(influx: InfluxDB, base: DeviceBase, at: number, staleMs: number): Promise<ReplaySnapshot> {
  const [cams, stations, links, alerts, incidents, units, kpis] = await Promise.all([
    lastBefore(influx, 'camera_status', 'camera', at),
    lastBefore(influx, 'station_status', 'station', at),
    lastBefore(influx, 'link_status', 'link', at),
    foldEvents<Alert>(influx, 'alert', at),
    foldEvents<Incident>(influx, 'incident', at),
    foldEvents<Unit>(influx, 'unit', at),
    kpisAt(influx, at),
  ]);
  return {
    epoch: `replay-${at}`,
    seq: 0,
    serverTime: at,
    at,
    staleMs,
    cameras: base.cameras.map((c) => cameraAt(c, cams.get(c.id), at, staleMs)),
    stations: base.stations.map((s) => stationAt(s, stations.get(s.id), at, staleMs)),
    links: base.links.map((l) => linkAt(l, links.get(l.id), at, staleMs)),
    alerts: [...alerts.values()].filter((a) => a.state !== 'cleared'),
    incidents: [...incidents.values()].map(normalizeIncident).filter((i) => i.status !== 'closed'),
    // A unit with no event before `at` was as the city pack defines it.
    units: base.units.map((u) => units.get(u.id) ?? { ...u, status: 'available', incidentId: null, updatedAt: 0, version: 1 }),
    kpis,
    feeds: [],
  };
}
