/**
 * Replay from InfluxDB against a seeded scenario: the fiber-cut on test-town runs
 * sped up through the real Mosquitto and server; the generator is deterministic,
 * so `generateEvents` with the run's start time gives every status the devices
 * published and when. /api/replay/state at a chosen moment must show exactly the
 * device states those events imply, and the alerts that were open then; the
 * events of a window, applied on top of an earlier state, must land on the later
 * one. Also the wall's endpoints (coverage, trends, today, config) on that run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, CityPack } from '../../contract/index.js';
import { coverageByWard } from '../../contract/coverage.js';
import { TEST_CITY_PACK, loadCityPack } from '../../contract/citypack-load.js';
import type { ReplayPage } from '../../server/replay/events.js';
import type { ReplaySnapshot } from '../../server/replay/state.js';
import { generateEvents, startSimulation, type Simulation } from '../../simulators/index.js';
import { startTestApp, type TestApp } from '../harness/app.js';
import { startTestInfluxd, type TestInfluxd } from '../harness/influxd.js';
import { startMosquitto, type TestMosquitto } from '../harness/mosquitto.js';
import { waitFor } from '../harness/wait.js';

const SEED = 11;
const SPEED = 90;
const MIN = 60_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-replay-'));
const rulesFile = path.join(dir, 'rules.json');
fs.writeFileSync(rulesFile, JSON.stringify({ cameraOffline: { afterS: 1 }, escalation: { ackDeadlineS: { critical: null, major: null, minor: null, info: null } } }));

let influxd: TestInfluxd;
let broker: TestMosquitto;
let app: TestApp;
let sim: Simulation;
let town: CityPack;

const get = async <T>(p: string): Promise<T> => {
  const res = await fetch(`${app.url}${p}`, { headers: await app.headers('duty_officer') });
  const body = (await res.json()) as { ok: boolean; data: T; error?: unknown };
  if (!res.ok || !body.ok) throw new Error(`${p}: HTTP ${res.status} ${JSON.stringify(body.error)}`);
  return body.data;
};

/** Every status the simulation published, from the generator: device → [wall ts, state, backhaul] in order. */
function publishedStatuses(untilSimMs: number) {
  const evs = generateEvents({ pack: town, scenario: 'fiber-cut', seed: SEED, startTs: sim.startTs, speed: SPEED, durationMs: untilSimMs });
  const byDevice = new Map<string, { ts: number; state: string; backhaul?: string }[]>();
  for (const e of evs) {
    if (!['cameraStatus', 'stationStatus', 'linkStatus'].includes(e.kind)) continue;
    const p = e.payload as { ts: number; state: string; backhaul?: string };
    const list = byDevice.get(e.deviceId) ?? [];
    list.push({ ts: p.ts, state: p.state, ...(p.backhaul ? { backhaul: p.backhaul } : {}) });
    byDevice.set(e.deviceId, list);
  }
  return byDevice;
}

/** The state each device had at wall time `at` per the generator. */
function expectedAt(byDevice: ReturnType<typeof publishedStatuses>, at: number): Map<string, { state: string; backhaul?: string }> {
  const out = new Map<string, { state: string; backhaul?: string }>();
  for (const [id, list] of byDevice) {
    const last = list.filter((x) => x.ts <= at).at(-1);
    if (last) out.set(id, last);
  }
  return out;
}

/** A moment with no state change of any device within ±margin: timing jitter cannot flip the answer. */
function quietMoment(byDevice: ReturnType<typeof publishedStatuses>, near: number, margin: number): number {
  const changes: number[] = [];
  for (const list of byDevice.values()) for (let i = 1; i < list.length; i++) if (list[i]!.state !== list[i - 1]!.state || list[i]!.backhaul !== list[i - 1]!.backhaul) changes.push(list[i]!.ts);
  let t = Math.round(near);
  while (changes.some((c) => Math.abs(c - t) < margin)) t += 25;
  return t;
}

const openAt = (alerts: Alert[], at: number) =>
  alerts.filter((a) => a.firstSeen <= at && !(a.clearedAt !== null && a.clearedAt <= at)).map((a) => a.id).sort();

beforeAll(async () => {
  [influxd, broker, town] = await Promise.all([startTestInfluxd(), startMosquitto(), loadCityPack(TEST_CITY_PACK)]);
  app = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env: { CITY_PACK: TEST_CITY_PACK, RULES_FILE: rulesFile, DEVICE_STALE_S: '600' } });
  sim = await startSimulation({ mqttUrl: broker.url, pack: town, scenario: 'fiber-cut', seed: SEED, speed: SPEED, logger: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await sim?.stop();
  await app?.stop();
  await broker?.stop();
  await influxd?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('replay of a seeded fiber-cut (test town, 90×)', () => {
  it('rebuilds the picture at two moments exactly as the scenario and the server had it, and the events between them lead from one to the other', async () => {
    const e = sim.expectation;
    expect(e.linksDown).toEqual(['tt-fo-a']);
    const settledWall = sim.startTs + e.settledByMs / SPEED;
    const has = (rule: string, ids: string[]) => ids.every((id) => app.operations.alerts.all().some((a) => a.rule === rule && a.source.id === id));
    await waitFor(() => Date.now() > settledWall + 500 && has('station_down', e.stationsDown) && has('coverage_loss', e.wardsLosingCoverage) && has('link_down', e.linksDown), {
      timeoutMs: 40_000,
      message: 'fiber-cut alerts',
    });
    const byDevice = publishedStatuses(e.settledByMs + MIN);
    // Moment 1: the fiber is cut and the stations lost backhaul, none is down yet (cut at 1 min, down from 4 min).
    const m1 = quietMoment(byDevice, sim.startTs + (3 * MIN) / SPEED, 60);
    // Moment 2: after everything settled.
    const m2 = quietMoment(byDevice, settledWall + 200, 60);
    expect(m2).toBeLessThan(Date.now());
    // Everything the server wrote up to now is in InfluxDB (flush every 100 ms).
    await app.writer.flush(10_000);

    for (const [at, label] of [[m1, 'm1'], [m2, 'm2']] as const) {
      const want = expectedAt(byDevice, at);
      const s = await get<ReplaySnapshot>(`/api/replay/state?at=${at}`);
      expect(s.at).toBe(at);
      const got = new Map<string, { state: string; backhaul?: string | null }>([
        ...s.stations.map((x) => [x.id, { state: x.state, backhaul: x.backhaul }] as const),
        ...s.links.map((x) => [x.id, { state: x.state }] as const),
        ...s.cameras.map((x) => [x.id, { state: x.state }] as const),
      ]);
      expect(got.size).toBe(town.sites.cameras.length + town.sites.stations.length + town.sites.links.length);
      for (const [id, w] of want) {
        expect(got.get(id)?.state, `${label} ${id}`).toBe(w.state);
        if (w.backhaul) expect(got.get(id)?.backhaul, `${label} ${id} backhaul`).toBe(w.backhaul);
      }
      // Alerts: the ones the server had open at that moment, no more, no less.
      expect(s.alerts.map((a) => a.id).sort(), `${label} alerts`).toEqual(openAt(app.operations.alerts.all(), at));
    }

    // What that means for this scenario, said plainly.
    const s1 = await get<ReplaySnapshot>(`/api/replay/state?at=${m1}`);
    const s2 = await get<ReplaySnapshot>(`/api/replay/state?at=${m2}`);
    const st = (s: ReplaySnapshot, id: string) => s.stations.find((x) => x.id === id)!;
    for (const id of e.stationsDown) {
      expect(st(s1, id)).toMatchObject({ state: 'degraded', backhaul: 'down' });
      expect(st(s2, id)).toMatchObject({ state: 'down' });
    }
    expect(s1.links.find((l) => l.id === 'tt-fo-a')?.state).toBe('down');
    expect(s1.alerts.some((a) => a.rule === 'link_down' && a.source.id === 'tt-fo-a')).toBe(true);
    expect(s1.alerts.some((a) => a.rule === 'station_down')).toBe(false);
    expect(s2.alerts.filter((a) => a.rule === 'station_down').map((a) => a.source.id).sort()).toEqual([...e.stationsDown].sort());
    expect(s2.alerts.filter((a) => a.rule === 'coverage_loss').map((a) => a.source.id).sort()).toEqual([...e.wardsLosingCoverage].sort());
    // The outage reports became incidents by m2, none before the stations went down.
    const incAt = (at: number) => app.operations.incidents.recent().filter((i) => i.createdAt <= at).map((i) => i.id).sort();
    expect(s2.incidents.map((i) => i.id).sort()).toEqual(incAt(m2));
    expect(s2.incidents.some((i) => i.type === 'telecom_outage')).toBe(true);
    expect(s1.incidents.map((i) => i.id).sort()).toEqual(incAt(m1));

    // Jumping and playing agree: m1's picture plus the changes in (m1, m2], paged small, is m2's picture.
    const stations = new Map(s1.stations.map((x) => [x.id, x.state]));
    const links = new Map(s1.links.map((x) => [x.id, x.state]));
    const alerts = new Map(s1.alerts.map((a) => [a.id, a]));
    let from: number | null = m1 + 1;
    let pages = 0;
    let last = 0;
    while (from !== null) {
      const page: ReplayPage = await get<ReplayPage>(`/api/replay/events?from=${from}&to=${m2}&limit=50`);
      pages++;
      for (const c of page.changes) {
        expect(c.at).toBeGreaterThanOrEqual(last);
        last = c.at;
        if (c.change.kind === 'station') stations.set(c.change.station.id, c.change.station.state);
        if (c.change.kind === 'link') links.set(c.change.link.id, c.change.link.state);
        if (c.change.kind === 'alert') {
          if (c.change.alert.state === 'cleared') alerts.delete(c.change.alert.id);
          else alerts.set(c.change.alert.id, c.change.alert);
        }
      }
      from = page.next;
    }
    expect(pages).toBeGreaterThan(1);
    expect(Object.fromEntries(stations)).toEqual(Object.fromEntries(s2.stations.map((x) => [x.id, x.state])));
    expect(Object.fromEntries(links)).toEqual(Object.fromEntries(s2.links.map((x) => [x.id, x.state])));
    expect([...alerts.keys()].sort()).toEqual(s2.alerts.map((a) => a.id).sort());
  });

  it('refuses unbounded or malformed replay queries', async () => {
    const now = Date.now();
    const headers = await app.headers('duty_officer');
    const bad = async (p: string) => (await fetch(`${app.url}${p}`, { headers })).status;
    expect(await bad(`/api/replay/state?at=${now - 40 * 86_400_000}`)).toBe(400);
    expect(await bad(`/api/replay/state?at=yesterday`)).toBe(400);
    expect(await bad(`/api/replay/events?from=${now - 3_600_000}`)).toBe(400);
    expect(await bad(`/api/replay/events?from=${now - 30 * 3_600_000}&to=${now}`)).toBe(400);
    expect(await bad(`/api/replay/events?from=${now}&to=${now - 1000}`)).toBe(400);
  });
});

describe('the wall endpoints on that run', () => {
  it('GET /api/coverage: per ward as the coverage model computes it, and per operator × technology', async () => {
    const cov = await get<{
      city: { populationPct: number | null };
      wards: { wardId: string; coveredPct: number; uncoveredPct: number; downStationIds: string[] }[];
      operators: { operator: string; tech: string; stations: number; stationsUp: number; populationPct: number | null }[];
    }>('/api/coverage');
    const want = coverageByWard(app.pack, [...app.registry.stations.values()], ['2G', '3G', '4G', '5G']);
    expect(cov.wards.map((w) => [w.wardId, w.coveredPct])).toEqual(want.map((w) => [w.wardId, w.coveredPct]));
    for (const w of sim.expectation.wardsLosingCoverage) {
      const ward = cov.wards.find((x) => x.wardId === w)!;
      expect(ward.uncoveredPct).toBeGreaterThan(0);
      expect(ward.downStationIds.length).toBeGreaterThan(0);
    }
    expect(cov.operators).toHaveLength(3 * 4);
    const total = cov.operators.reduce((n, o) => n + o.stations, 0);
    const techs = town.sites.stations.reduce((n, s) => n + s.techs.length, 0);
    expect(total).toBe(techs);
    const down = new Set(sim.expectation.stationsDown);
    for (const o of cov.operators) {
      const mine = town.sites.stations.filter((s) => s.operator === o.operator && s.techs.includes(o.tech as never));
      expect(o.stationsUp).toBe(mine.filter((s) => !down.has(s.id)).length);
    }
  });

  it('GET /api/trends: 24 h of buckets; incident counts equal the reports stored, station availability from the KPI points', async () => {
    await app.writer.flush(10_000);
    const t = await get<{ bucketMin: number; series: Record<string, [number, number | null][]> }>('/api/trends?hours=24');
    expect(t.bucketMin).toBe(15);
    for (const k of ['incidents', 'violations', 'congestionQueueM', 'stationAvailabilityPct', 'cameraAvailabilityPct']) {
      expect(t.series[k]!.length).toBeGreaterThanOrEqual(96);
      expect(t.series[k]!.length).toBeLessThanOrEqual(98);
    }
    const stored = await app.influx.query<{ n: number }>(`SELECT count("seq") AS n FROM "raw"."incident_report" WHERE time > now() - 24h`);
    const reports = stored[0]?.n ?? 0;
    expect(reports).toBeGreaterThanOrEqual(3);
    const sum = t.series.incidents!.reduce((n, [, v]) => n + (v ?? 0), 0);
    expect(sum).toBe(reports);
    const avail = t.series.stationAvailabilityPct!.filter(([, v]) => v !== null);
    expect(avail.length).toBeGreaterThan(0);
    for (const [, v] of avail) expect(v!).toBeGreaterThanOrEqual(0);
    expect((await fetch(`${app.url}/api/trends?hours=9999`, { headers: await app.headers() })).status).toBe(400);
  });

  it('GET /api/wall/today and /api/wall/config; the client config carries a build id', async () => {
    const today = await get<{ total: number; byType: Record<string, Record<string, number>>; acknowledge: { n: number } }>('/api/wall/today');
    expect(today.total).toBe(app.operations.incidents.recent().length);
    expect(Object.keys(today.byType)).toContain('telecom_outage');
    const cfg = await get<{ playlist: string[]; rotateS: number; buildId: string }>('/api/wall/config');
    expect(cfg).toMatchObject({ playlist: ['incidents', 'cameras', 'coverage', 'trends', 'response', 'digital', 'vc'], rotateS: 20 });
    const cc = (await (await fetch(`${app.url}/api/client-config`, { headers: await app.headers() })).json()) as { buildId: string };
    expect(cc.buildId).toBe(cfg.buildId);
  });
});
