/**
 * What the wall display reads besides the live stream:
 *   GET /api/wall/config   playlist, rotation, build id (the wall reloads itself when it changes)
 *   GET /api/coverage      telecom coverage per ward, and per operator × technology
 *   GET /api/trends        the last N hours from InfluxDB (rollups + a raw tail), bounded
 *   GET /api/wall/today    incidents today by type and severity; response times today
 * Everything that goes into InfluxQL is a constant or a checked number.
 */
import { secureRouter } from './paths.js';
import express from 'express';
import type { InfluxDB } from 'influx';
import { OPERATORS, RADIO_TECHS, VIOLATION_KINDS, type CityPack, type Incident, type Station } from '../../contract/index.js';
import { cityCoveragePct, coverageByWard } from '../../contract/coverage.js';
import { RP_RAW, RP_ROLLUP } from '../influx/schema.js';
import { startOfLocalDay } from '../kpis.js';
import { clientBuildId } from './client-build.js';
import { sendError } from './send.js';

export const WALL_PANELS = ['incidents', 'cameras', 'coverage', 'trends', 'response', 'digital', 'vc'] as const;
export type WallPanel = (typeof WALL_PANELS)[number];

/** WALL_PLAYLIST: comma-separated panel names; unknown names are dropped, none left means all. */
export function parsePlaylist(v: string): WallPanel[] {
  const names = v.split(',').map((s) => s.trim()).filter((s): s is WallPanel => (WALL_PANELS as readonly string[]).includes(s));
  return names.length ? names : [...WALL_PANELS];
}

const TREND_BUCKETS_MIN = [5, 10, 15, 30, 60, 120];

type Row = { time: { getTime(): number }; value: number | null };

/**
 * One series over buckets: the rollup for finished minutes, raw points for the minutes the CQs have not rolled up yet.
 * A bucket without a value is null (a gap the wall draws as a gap, issue #27.6), except a count in a bucket where
 * the server was up (`up`: it stored its KPI point there), which is a true 0.
 */
async function series(influx: InfluxDB, q: { rollup: string; raw: string; where?: string }, from: number, to: number, cut: number, bucketMin: number, agg: 'sum' | 'max' | 'mean', up: Set<number>): Promise<[number, number | null][]> {
  const group = `GROUP BY time(${bucketMin}m) fill(none)`;
  const [a, b] = await Promise.all([
    influx.query<Row>(`${q.rollup} WHERE ${q.where ? `${q.where} AND ` : ''}time >= ${from}ms AND time < ${cut}ms ${group}`),
    cut < to ? influx.query<Row>(`${q.raw} WHERE ${q.where ? `${q.where} AND ` : ''}time >= ${cut}ms AND time <= ${to}ms ${group}`) : Promise.resolve([] as Row[]),
  ]);
  const m = new Map<number, number>();
  for (const r of [...a, ...b]) {
    if (r.value === null) continue;
    const t = r.time.getTime();
    const prev = m.get(t);
    m.set(t, prev === undefined ? r.value : agg === 'sum' ? prev + r.value : agg === 'max' ? Math.max(prev, r.value) : (prev + r.value) / 2);
  }
  const out: [number, number | null][] = [];
  const step = bucketMin * 60_000;
  for (let t = Math.floor(from / step) * step; t <= to; t += step) {
    const v = m.get(t);
    out.push([t, v === undefined ? (agg === 'sum' && up.has(t) ? 0 : null) : Math.round(v * 10) / 10]);
  }
  return out;
}

export async function trends(influx: InfluxDB, hours: number, now: number) {
  const to = now;
  const from = now - hours * 3_600_000;
  const bucketMin = TREND_BUCKETS_MIN.find((b) => (hours * 60) / b <= 100) ?? 120;
  // The CQs roll up a minute after it ends: the last two minutes come from raw.
  const cut = Math.floor(now / 60_000) * 60_000 - 60_000;
  const kinds = VIOLATION_KINDS.map((k) => `'${k}'`);
  const violWhere = `(${kinds.map((k) => `"kind" = ${k}`).join(' OR ')})`;
  // The server stores a KPI point a minute while it runs: a bucket with one is a bucket it was up in.
  const alive = await influx.query<Row>(`SELECT count("active_alerts") AS value FROM "${RP_RAW}"."kpis" WHERE time >= ${from}ms AND time <= ${to}ms GROUP BY time(${bucketMin}m) fill(none)`);
  const up = new Set(alive.filter((r) => (r.value ?? 0) > 0).map((r) => r.time.getTime()));
  const [incidents, violations, congestion, stations, cameras] = await Promise.all([
    series(influx, { rollup: `SELECT sum("count") AS value FROM "${RP_ROLLUP}"."incident_report_1m"`, raw: `SELECT count("seq") AS value FROM "${RP_RAW}"."incident_report"` }, from, to, cut, bucketMin, 'sum', up),
    series(influx, { rollup: `SELECT sum("count") AS value FROM "${RP_ROLLUP}"."detection_1m"`, raw: `SELECT count("confidence") AS value FROM "${RP_RAW}"."detection"`, where: violWhere }, from, to, cut, bucketMin, 'sum', up),
    series(influx, { rollup: `SELECT max("queue_m") AS value FROM "${RP_ROLLUP}"."detection_1m"`, raw: `SELECT max("queue_m") AS value FROM "${RP_RAW}"."detection"`, where: `"kind" = 'congestion'` }, from, to, cut, bucketMin, 'max', up),
    // The KPI points (one a minute, raw RP) already count stale stations as unavailable.
    series(influx, { rollup: `SELECT mean("station_availability_pct") AS value FROM "${RP_RAW}"."kpis"`, raw: `SELECT mean("station_availability_pct") AS value FROM "${RP_RAW}"."kpis"` }, from, to, to, bucketMin, 'mean', up),
    series(influx, { rollup: `SELECT mean("camera_availability_pct") AS value FROM "${RP_RAW}"."kpis"`, raw: `SELECT mean("camera_availability_pct") AS value FROM "${RP_RAW}"."kpis"` }, from, to, to, bucketMin, 'mean', up),
  ]);
  return { from, to, hours, bucketMin, series: { incidents, violations, congestionQueueM: congestion, stationAvailabilityPct: stations, cameraAvailabilityPct: cameras } };
}

export function coverage(pack: CityPack, stations: Station[], now: number) {
  const all = coverageByWard(pack, stations, RADIO_TECHS);
  const city = cityCoveragePct(pack, all);
  const names = new Map(pack.wards.features.map((w) => [w.properties.id, w.properties.name]));
  const operators = OPERATORS.flatMap((operator) =>
    RADIO_TECHS.map((tech) => {
      const mine = stations.filter((s) => s.operator === operator && s.techs.includes(tech));
      if (mine.length === 0) return { operator, tech, stations: 0, stationsUp: 0, populationPct: null, areaPct: null };
      const c = cityCoveragePct(pack, coverageByWard(pack, mine, [tech]));
      const up = mine.filter((s) => s.state !== 'down' && !s.stale).length;
      return { operator, tech, stations: mine.length, stationsUp: up, ...c };
    }),
  );
  return {
    at: now,
    city,
    wards: all.map((w) => ({ wardId: w.wardId, name: names.get(w.wardId) ?? w.wardId, coveredPct: w.coveredPct, baselinePct: w.baselinePct, uncoveredPct: w.uncoveredPct, downStationIds: w.downStationIds })),
    operators,
  };
}

function stats(xs: number[]): { n: number; meanS: number | null; medianS: number | null } {
  if (xs.length === 0) return { n: 0, meanS: null, medianS: null };
  const s = [...xs].sort((a, b) => a - b);
  return { n: xs.length, meanS: Math.round(s.reduce((a, b) => a + b, 0) / s.length / 1000), medianS: Math.round(s[Math.floor(s.length / 2)]! / 1000) };
}

/** Incidents created today (the city's local day) by type and severity, and today's response times. */
export function today(incidents: Incident[], now: number) {
  const since = startOfLocalDay(now);
  const byType: Record<string, Record<string, number>> = {};
  const ack: number[] = [];
  const arrive: number[] = [];
  const resolve: number[] = [];
  let total = 0;
  for (const i of incidents) {
    if (i.createdAt < since) continue;
    total++;
    (byType[i.type] ??= {})[i.severity] = (byType[i.type]?.[i.severity] ?? 0) + 1;
    if (i.acknowledgedAt !== null) ack.push(i.acknowledgedAt - i.createdAt);
    if (i.resolvedAt !== null) resolve.push(i.resolvedAt - i.createdAt);
    // Arrival: the first dispatch to the first on_scene after it.
    const d = i.timeline.find((e) => e.action === 'dispatch');
    const o = d && i.timeline.find((e) => e.action === 'on_scene' && e.at >= d.at);
    if (d && o) arrive.push(o.at - d.at);
  }
  return { since, total, byType, acknowledge: stats(ack), arrive: stats(arrive), resolve: stats(resolve) };
}

export function wallRoutes(deps: {
  influx: InfluxDB;
  pack: CityPack;
  staticDir: string;
  playlist: string;
  rotateS: number;
  /** The wall plays the camera of a critical alert inside its interrupt (VIDEO_ON_WALL). */
  videoOnWall: boolean;
  stations: () => Station[];
  incidents: () => Incident[];
  now: () => number;
}): express.Router {
  const r = secureRouter();
  const playlist = parsePlaylist(deps.playlist);
  r.get('/wall/config', (_req, res) => {
    res.set('Cache-Control', 'no-cache').json({ ok: true, data: { playlist, rotateS: deps.rotateS, videoOnWall: deps.videoOnWall, buildId: clientBuildId(deps.staticDir) } });
  });
  // The geometry is cheap (a few thousand samples × nearby stations) but a room of walls should not redo it per request.
  let cached: { at: number; body: unknown } | null = null;
  r.get('/coverage', (_req, res) => {
    const now = deps.now();
    if (!cached || now - cached.at > 5_000) cached = { at: now, body: { ok: true, data: coverage(deps.pack, deps.stations(), now) } };
    res.json(cached.body);
  });
  r.get('/trends', async (req, res) => {
    const raw = req.query.hours ?? '24';
    const hours = typeof raw === 'string' && /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
    if (!(hours >= 1 && hours <= 168)) return sendError(res, 400, 'bad_request', 'hours: an integer from 1 to 168');
    try {
      res.json({ ok: true, data: await trends(deps.influx, hours, deps.now()) });
    } catch (err) {
      sendError(res, 503, 'unavailable', `InfluxDB: ${(err as Error).message.slice(0, 200)}`);
    }
  });
  r.get('/wall/today', (_req, res) => {
    res.json({ ok: true, data: today(deps.incidents(), deps.now()) });
  });
  return r;
}
