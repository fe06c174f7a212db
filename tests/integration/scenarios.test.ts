/**
 * Every simulator scenario, end to end and sped up: the real simulators publish on a
 * real Mosquitto, the real server (in-process) ingests, evaluates its alert rules and
 * correlates incidents, and each scenario's effect is checked against the
 * machine-readable expectation the simulator derives from the same seed.
 *
 * The rule engine runs on the wall clock while the simulation is compressed `speed`
 * times, so the rules file below shortens every wall-clock threshold to fit: an
 * offline camera alerts after 1 s, a queue must last 3 s, a violation burst is 6 in 20 s.
 * coverageLoss keeps its defaults, which the expectation is computed with.
 *
 * One influxd and one Mosquitto serve the whole file; every run gets a fresh server
 * (fresh database and MQTT session) and starts from a broker without retained statuses.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, AlertOf, AlertRule, CityPack, DetectionData, Incident } from '../../contract/index.js';
import { SUBSCRIPTIONS, parseTopic, topics } from '../../contract/topics.js';
import { DEFAULT_CITY_PACK, TEST_CITY_PACK, loadCityPack } from '../../contract/citypack-load.js';
import { describeScenario, generateEvents, startSimulation, type ScenarioExpectation, type Simulation } from '../../simulators/index.js';
import { distanceM } from '../../contract/geo.js';
import { startTestApp, type TestApp } from '../harness/app.js';
import { startTestInfluxd, type TestInfluxd } from '../harness/influxd.js';
import { startMosquitto, type TestMosquitto } from '../harness/mosquitto.js';
import { waitFor } from '../harness/wait.js';

const logger = pino({ level: 'silent' });
const SEED = 7;
const MIN = 60_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-scenarios-'));
const rulesFile = path.join(dir, 'rules.json');
const BURST = { count: 6, windowS: 20 };
fs.writeFileSync(
  rulesFile,
  JSON.stringify({
    cameraOffline: { afterS: 1 },
    violationBurst: { ...BURST, by: 'camera' },
    congestion: { queueM: 300, forS: 3 },
    // Nothing may change severity behind the assertions' back during a run.
    escalation: { ackDeadlineS: { critical: null, major: null, minor: null, info: null } },
  }),
);

let influxd: TestInfluxd;
let broker: TestMosquitto;
let town: CityPack;
let prtc: CityPack;

beforeAll(async () => {
  [influxd, broker, town, prtc] = await Promise.all([startTestInfluxd(), startMosquitto(), loadCityPack(TEST_CITY_PACK), loadCityPack(DEFAULT_CITY_PACK)]);
});
afterAll(async () => {
  await broker?.stop();
  await influxd?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** What the simulator published, as the broker delivered it (a second subscriber, like the server). */
interface Published {
  kind: string;
  id: string;
  payload: Record<string, any>;
}

interface Run {
  app: TestApp;
  sim: Simulation;
  pack: CityPack;
  exp: ScenarioExpectation;
  speed: number;
  published: Published[];
  /** Payload ts of the latest message delivered: how far the simulation has got, in wall time. */
  lastTs: number;
  /** Sim-time offset of a wall-clock instant. */
  simAt(wall: number): number;
  alerts(): Alert[];
  alerts<R extends AlertRule>(rule: R): AlertOf<R>[];
  incidents(): Incident[];
  /** Wait until the broker has delivered a message from at least sim offset `ms`. */
  reach(ms: number): Promise<void>;
  stop(): Promise<void>;
}

/** Zero-length retained publishes remove the statuses a previous run (or its shutdown) left on the broker. */
async function clearRetained(): Promise<void> {
  const c = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0 });
  for (const pack of [town, prtc]) {
    const t = [
      ...pack.sites.cameras.map((x) => topics.cameraStatus(x.id)),
      ...pack.sites.stations.map((x) => topics.stationStatus(x.id)),
      ...pack.sites.links.map((x) => topics.linkStatus(x.id)),
    ];
    await Promise.all(t.map((topic) => c.publishAsync(topic, '', { qos: 1, retain: true })));
  }
  await c.endAsync();
}

async function run(pack: CityPack, scenario: string, speed: number, seed = SEED): Promise<Run> {
  await clearRetained();
  const app = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env: { CITY_PACK: pack === town ? TEST_CITY_PACK : DEFAULT_CITY_PACK, RULES_FILE: rulesFile } });
  const monitor: MqttClient = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0 });
  const published: Published[] = [];
  let lastTs = 0;
  monitor.on('message', (topic, buf) => {
    if (buf.length === 0) return;
    const t = parseTopic(topic) as { kind: string; id: string } | null;
    // Evidence images are JPEGs, not JSON: counted by the server, not by this monitor.
    if (!t || t.kind === 'cameraSnapshot') return;
    const payload = JSON.parse(buf.toString()) as Record<string, any>;
    published.push({ kind: t.kind, id: t.id, payload });
    if (typeof payload.ts === 'number' && payload.seq > 0) lastTs = Math.max(lastTs, payload.ts);
  });
  await monitor.subscribeAsync([...SUBSCRIPTIONS.cameras, ...SUBSCRIPTIONS.telecom, ...SUBSCRIPTIONS.incidents], { qos: 1 });
  let sim: Simulation;
  try {
    // Evidence frames cost an ffmpeg start each: only for the scenario whose test reads them.
    sim = await startSimulation({ mqttUrl: broker.url, pack, scenario, seed, speed, logger, ...(scenario === 'traffic-accident' ? { ffmpeg: 'ffmpeg' } : {}) });
  } catch (err) {
    await monitor.endAsync();
    await app.stop();
    throw err;
  }
  const r: Run = {
    app,
    sim,
    pack,
    exp: sim.expectation,
    speed,
    published,
    get lastTs() {
      return lastTs;
    },
    simAt: (wall) => (wall - sim.startTs) * speed,
    alerts: ((rule?: AlertRule) => app.operations.alerts.all().filter((a) => !rule || a.rule === rule)) as Run['alerts'],
    incidents: () => app.operations.incidents.recent(),
    async reach(ms) {
      const wallMs = ms / speed;
      await waitFor(() => lastTs >= sim.startTs + wallMs, { timeoutMs: wallMs + 30_000, intervalMs: 50, message: `${scenario}: simulation did not reach sim offset ${ms} ms` });
    },
    async stop() {
      await sim.stop();
      await monitor.endAsync();
      await app.stop();
    },
  };
  return r;
}

const ids = (as: Alert[]) => [...new Set(as.map((a) => a.source.id))].sort();
const sorted = (xs: readonly string[]) => [...xs].sort();
/** Detection alerts carry the episode start in their key: `detection:<camera>:<kind>`. */
const detectionAlerts = (r: Run, kind: string) => r.alerts().filter((a) => a.rule === `detection_${kind}`);
const reportAlerts = (r: Run, type?: string, channel?: string) =>
  r.alerts('incident_report').filter((a) => (!type || ('type' in a.data && a.data.type === type)) && (!channel || a.data.channel === channel));
const summary = (r: Run) => {
  const byRule: Record<string, number> = {};
  for (const a of r.alerts()) byRule[a.rule] = (byRule[a.rule] ?? 0) + 1;
  const byType: Record<string, number> = {};
  for (const i of r.incidents()) byType[i.type] = (byType[i.type] ?? 0) + 1;
  return { alerts: r.alerts().length, byRule, incidents: r.incidents().length, byType, published: r.sim.stats.published };
};
const report = (name: string, r: Run, t0: number) => console.log(`[scenarios] ${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s`, JSON.stringify(summary(r)));

describe('scenarios end to end (real Mosquitto, real server, sped-up simulators)', () => {
  it('typhoon (Phan Rang, 120×): batteries, stations down, fiber cut, coverage loss exactly per expectation; flood incidents', async () => {
    const t0 = Date.now();
    const r = await run(prtc, 'typhoon', 120);
    try {
      const e = r.exp;
      expect(e.stationsDown.length).toBeGreaterThan(10);
      expect(e.wardsLosingCoverage).toContain('w-my-binh'); // half its stations down: geometry, not "all own stations"
      await r.reach(e.settledByMs);
      // Every expected effect shows up as an alert (waits cover the rule clocks: coverage ≤ 1 s, camera offline 1 s).
      const has = (rule: AlertRule, want: string[]) => want.every((id) => r.alerts(rule).some((a) => a.source.id === id));
      await waitFor(() => has('station_down', e.stationsDown) && has('station_battery', e.stationsOnBattery) && has('backhaul_down', e.stationsLosingBackhaul), {
        timeoutMs: 20_000,
        message: 'station alerts',
      });
      await waitFor(() => has('link_down', e.linksDown) && has('camera_offline', e.camerasOffline), { timeoutMs: 20_000, message: 'link/camera alerts' });
      await waitFor(() => has('coverage_loss', e.wardsLosingCoverage), { timeoutMs: 20_000, message: `coverage_loss for ${e.wardsLosingCoverage.join(',')}` });

      // Exactly the expected sources, nothing more.
      expect(ids(r.alerts('station_down'))).toEqual(sorted(e.stationsDown));
      expect(ids(r.alerts('station_battery'))).toEqual(sorted(e.stationsOnBattery));
      expect(ids(r.alerts('backhaul_down'))).toEqual(sorted(e.stationsLosingBackhaul));
      expect(ids(r.alerts('link_down'))).toEqual(sorted(e.linksDown));
      expect(ids(r.alerts('camera_offline'))).toEqual(sorted(e.camerasOffline));
      const coverage = r.alerts('coverage_loss');
      expect(ids(coverage)).toEqual(sorted(e.wardsLosingCoverage));
      for (const a of coverage) {
        expect(a).toMatchObject({ state: 'active', wardId: a.source.id, source: { kind: 'ward' } });
        expect(Number(a.data.uncoveredPct)).toBeGreaterThanOrEqual(20);
      }
      for (const a of r.alerts('link_down')) expect(a).toMatchObject({ severity: 'critical', data: { kind: 'commune' } });
      for (const a of r.alerts('station_down')) expect(a.state).toBe('active');
      // Battery alerts come before the station dies.
      for (const id of e.stationsDown) {
        const batt = r.alerts('station_battery').find((a) => a.source.id === id)!;
        const down = r.alerts('station_down').find((a) => a.source.id === id)!;
        expect(batt.firstSeen, id).toBeLessThanOrEqual(down.firstSeen);
      }

      // Flood reports: each raised an alert linked to an incident; nearby ones correlate into flood incidents.
      const floodSpec = e.incidents.find((i) => i.type === 'flood')!;
      const floods = reportAlerts(r, 'flood');
      expect(floods.length).toBeGreaterThanOrEqual(floodSpec.minCount);
      await waitFor(() => reportAlerts(r, 'flood').every((a) => a.incidentId !== null), { message: 'flood reports linked to incidents' });
      const floodIncidents = r.incidents().filter((i) => i.type === 'flood');
      expect(floodIncidents.length).toBeGreaterThanOrEqual(1);
      const floodWards = new Set(prtc.sites.stations.filter((s) => e.stationsDown.includes(s.id)).map((s) => s.wardId));
      for (const i of floodIncidents) expect(floodWards.has(i.wardId)).toBe(true);
      expect(r.sim.stats.errors).toBe(0);
      report('typhoon', r, t0);
    } finally {
      await r.stop();
    }
  });

  it('traffic-accident (Phan Rang, 90×): one incident with the detection, the 115 call and the nearby cameras; queues behind it', async () => {
    const t0 = Date.now();
    const r = await run(prtc, 'traffic-accident', 90);
    try {
      const e = r.exp;
      const acc = e.detections.find((d) => d.kind === 'accident')!;
      const camId = acc.cameraIds[0]!;
      const call = e.incidents.find((i) => i.channel === 'hotline_115')!;
      const queued = e.detections.find((d) => d.kind === 'congestion')!.cameraIds;

      const accAlert = await waitFor(() => detectionAlerts(r, 'accident').find((a) => a.source.id === camId), { timeoutMs: 30_000, message: `accident alert on ${camId}` });
      expect(accAlert).toMatchObject({ severity: 'critical', data: { kind: 'accident', cameraId: camId } });
      expect(r.simAt(accAlert.firstSeen)).toBeGreaterThanOrEqual(acc.withinMs[0]);
      // The camera's evidence frame (simulators/snapshot.ts) follows the detection within a second: the alert shows it.
      const evidence = (accAlert.data as DetectionData).evidence;
      expect(evidence).toMatchObject({ snapshotId: expect.stringContaining(camId), box: { w: 0.3, h: 0.35 } });
      const img = await waitFor(async () => {
        const res = await fetch(`${r.app.url}/api/alerts/${accAlert.id}/snapshot.jpg`, { headers: await r.app.headers('duty_officer') });
        return res.status === 200 ? Buffer.from(await res.arrayBuffer()) : null;
      }, { message: 'the accident’s evidence frame' });
      expect([...img.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
      expect(img.length).toBeGreaterThan(5000);
      // The 115 call, within 150 m of the crash.
      const isCall = (a: AlertOf<'incident_report'>) => a.data.channel === 'hotline_115' && a.position !== null && distanceM(a.position, call.near!.position) <= call.near!.withinM;
      const callAlert = await waitFor(() => reportAlerts(r, 'traffic_accident').find((a) => isCall(a) && a.incidentId !== null), { timeoutMs: 30_000, message: '115 call alert linked' });
      await waitFor(() => r.alerts().find((a) => a.id === accAlert.id)?.incidentId, { message: 'accident alert linked' });

      // Queues behind the crash: congestion detections reach the queue threshold for forS on every queued camera.
      await r.reach(e.settledByMs);
      await waitFor(() => queued.every((id) => r.alerts('congestion').some((a) => a.source.id === id)), { timeoutMs: 20_000, message: `congestion on ${queued.join(',')}` });
      for (const a of r.alerts('congestion')) expect(Number(a.data.queueM)).toBeGreaterThanOrEqual(300);
      expect(ids(r.alerts('congestion'))).toEqual(sorted(queued));

      // ONE incident holds the detection, the call, and the citizen's duplicate report of the same crash.
      const linked = r.alerts().find((a) => a.id === accAlert.id)!.incidentId!;
      const mine = r.incidents().filter((i) => i.alertIds.includes(accAlert.id) || i.alertIds.includes(callAlert.id));
      expect(mine).toHaveLength(1);
      const inc = mine[0]!;
      expect(inc.id).toBe(linked);
      expect(r.alerts().find((a) => a.id === callAlert.id)!.incidentId).toBe(inc.id);
      expect(inc).toMatchObject({ type: 'traffic_accident', severity: 'critical', channel: 'system' });
      expect(inc.alertIds).toEqual(expect.arrayContaining([accAlert.id, callAlert.id]));
      const dup = reportAlerts(r, 'traffic_accident', 'citizen_app').filter((a) => a.position && distanceM(a.position, call.near!.position) <= 150);
      expect(dup).toHaveLength(1);
      expect(dup[0]!.incidentId).toBe(inc.id);
      expect(inc.cameraIds.length).toBeGreaterThan(0);
      expect(inc.cameraIds).toContain(camId);
      expect(inc.timeline.map((x) => x.action)).toEqual(expect.arrayContaining(['created', 'report', 'link_alert']));
      // No second traffic-accident incident for the same crash.
      expect(r.incidents().filter((i) => i.type === 'traffic_accident' && i.position && distanceM(i.position, call.near!.position) <= 300)).toHaveLength(1);
      expect(r.sim.stats.errors).toBe(0);
      report('traffic-accident', r, t0);
    } finally {
      await r.stop();
    }
  });

  it('fiber-cut (test town, 90×): critical link_down, then backhaul_down, then station_down and coverage loss for the ward', async () => {
    const t0 = Date.now();
    const r = await run(town, 'fiber-cut', 90);
    try {
      const e = r.exp;
      expect(e.linksDown).toEqual(['tt-fo-a']);
      await r.reach(e.settledByMs);
      const has = (rule: AlertRule, want: string[]) => want.length > 0 && want.every((id) => r.alerts(rule).some((a) => a.source.id === id));
      await waitFor(() => has('link_down', e.linksDown) && has('backhaul_down', e.stationsLosingBackhaul) && has('station_down', e.stationsDown) && has('coverage_loss', e.wardsLosingCoverage), {
        timeoutMs: 20_000,
        message: 'fiber-cut alerts',
      });
      expect(ids(r.alerts('link_down'))).toEqual(sorted(e.linksDown));
      expect(ids(r.alerts('backhaul_down'))).toEqual(sorted(e.stationsLosingBackhaul));
      expect(ids(r.alerts('station_down'))).toEqual(sorted(e.stationsDown));
      expect(ids(r.alerts('coverage_loss'))).toEqual(sorted(e.wardsLosingCoverage));
      expect(r.alerts('station_battery')).toEqual([]);
      const link = r.alerts('link_down')[0]!;
      expect(link).toMatchObject({ severity: 'critical', wardId: 'tt-a', data: { kind: 'commune', to: 'tt-a' } });
      // In the order the fault travels: the link, the stations' backhaul, the stations, the ward's coverage.
      const first = (rule: AlertRule) => Math.min(...r.alerts(rule).map((a) => a.firstSeen));
      const last = (rule: AlertRule) => Math.max(...r.alerts(rule).map((a) => a.firstSeen));
      expect(link.firstSeen).toBeLessThanOrEqual(first('backhaul_down'));
      expect(last('backhaul_down')).toBeLessThanOrEqual(first('station_down'));
      expect(last('station_down')).toBeLessThanOrEqual(first('coverage_loss'));
      // Sim time: the cut at 1 min, the stations down about 3 min later.
      expect(r.simAt(link.firstSeen)).toBeGreaterThanOrEqual(MIN);
      expect(r.simAt(first('station_down')) - r.simAt(link.firstSeen)).toBeGreaterThan(2 * MIN);
      // Residents report no signal: telecom-outage reports in the ward, each linked to an incident.
      const spec = e.incidents.find((i) => i.type === 'telecom_outage')!;
      const outage = reportAlerts(r, 'telecom_outage', 'citizen_app');
      expect(outage.length).toBeGreaterThanOrEqual(spec.minCount);
      for (const a of outage) expect(a.wardId).toBe('tt-a');
      await waitFor(() => reportAlerts(r, 'telecom_outage').every((a) => a.incidentId !== null), { message: 'outage reports linked' });
      expect(r.incidents().filter((i) => i.type === 'telecom_outage').length).toBeGreaterThanOrEqual(1);
      expect(r.sim.stats.errors).toBe(0);
      report('fiber-cut', r, t0);
    } finally {
      await r.stop();
    }
  });

  it('festival (test town, 150×): crowd alerts on every venue camera and a surge of citizen reports', async () => {
    const t0 = Date.now();
    const r = await run(town, 'festival', 150);
    try {
      const e = r.exp;
      const crowd = e.detections.find((d) => d.kind === 'crowd')!;
      const reports = e.incidents.find((i) => i.type === 'crowd')!;
      await r.reach(e.settledByMs);
      const crowdOn = (id: string) => detectionAlerts(r, 'crowd').filter((a) => a.source.id === id);
      await waitFor(() => crowd.cameraIds.every((id) => crowdOn(id).length > 0), { timeoutMs: 20_000, message: 'crowd alerts on every venue camera' });
      // Repeats within the dedupe window count on the camera's alert: the counts add up to the detections.
      // The simulated clock reaching the settled time does not mean its last detections are through the broker: wait for them.
      const counted = () => crowd.cameraIds.reduce((n, id) => n + crowdOn(id).reduce((m, a) => m + a.count, 0), 0);
      await waitFor(() => counted() >= crowd.minCount, { timeoutMs: 15_000, message: `crowd detections counted on the venue cameras' alerts (at least ${crowd.minCount})` });
      for (const a of detectionAlerts(r, 'crowd')) expect(a).toMatchObject({ severity: 'major', rule: 'detection_crowd' });
      // The surge: at least the expected crowd reports near the venue, one alert each, all tied to incidents.
      const near = (a: Alert) => a.position !== null && distanceM(a.position, reports.near!.position) <= reports.near!.withinM;
      await waitFor(() => reportAlerts(r, 'crowd', 'citizen_app').filter(near).length >= reports.minCount, { message: 'crowd reports' });
      const citizen = reportAlerts(r, undefined, 'citizen_app');
      expect(citizen.length).toBeGreaterThanOrEqual(40);
      await waitFor(() => citizen.every((a) => r.alerts().find((x) => x.id === a.id)!.incidentId !== null), { message: 'citizen reports linked' });
      const crowdIncidents = r.incidents().filter((i) => i.type === 'crowd');
      expect(crowdIncidents.length).toBeGreaterThanOrEqual(1);
      // Reports near the venue correlate (300 m, 5 min of wall time = hours of sim time here): fewer incidents than reports.
      const venueIncidents = new Set(reportAlerts(r, undefined, 'citizen_app').filter(near).map((a) => r.alerts().find((x) => x.id === a.id)!.incidentId));
      expect(venueIncidents.size).toBeLessThan(reportAlerts(r, undefined, 'citizen_app').filter(near).length);
      console.log(`[scenarios] festival: ${citizen.length} citizen reports → ${r.incidents().length} incidents (${crowdIncidents.length} crowd; ${venueIncidents.size} hold the reports near the venue)`);
      expect(r.sim.stats.errors).toBe(0);
      report('festival', r, t0);
    } finally {
      await r.stop();
    }
  });

  it(`rush-hour (test town, 120×): a violation burst (${BURST.count} in ${BURST.windowS} s) is raised on a traffic camera`, async () => {
    const t0 = Date.now();
    const r = await run(town, 'rush-hour', 120);
    try {
      const traffic = town.sites.cameras.filter((c) => c.kind === 'traffic').map((c) => c.id);
      const burst = await waitFor(() => r.alerts('violation_burst')[0], { timeoutMs: 30_000, message: 'violation burst alert' });
      expect(burst).toMatchObject({ severity: 'minor', state: 'active', source: { kind: 'camera' }, data: { by: 'camera', windowS: BURST.windowS } });
      expect(traffic).toContain(burst.source.id);
      expect(Number(burst.data.count)).toBeGreaterThanOrEqual(BURST.count);
      expect(burst.dedupeKey).toBe(`violation_burst:camera:${burst.source.id}`);
      // Backed by what was published: at least `count` violations from that camera.
      const violations = r.published.filter((m) => m.kind === 'cameraDetection' && m.id === burst.source.id && ['red_light', 'speeding', 'no_helmet', 'wrong_way', 'illegal_parking'].includes(m.payload.kind));
      expect(violations.length).toBeGreaterThanOrEqual(BURST.count);
      expect(r.sim.stats.errors).toBe(0);
      report('rush-hour', r, t0);
    } finally {
      await r.stop();
    }
  });

  it('normal-day (test town, 120×): a quiet 20 sim minutes raise nothing critical and no device alert', async () => {
    const t0 = Date.now();
    const r = await run(town, 'normal-day', 120);
    try {
      expect(r.exp.stationsDown).toEqual([]);
      await r.reach(20 * MIN);
      // Let everything published so far be processed (and the rule timers tick) before judging.
      await waitFor(() => [...r.app.registry.stations.values()].every((s) => s.state === 'up' || s.state === 'degraded'), { message: 'every station heard from' });
      // No device failed: no telecom, camera or coverage alert.
      for (const rule of ['station_down', 'station_battery', 'backhaul_down', 'link_down', 'camera_offline', 'camera_degraded', 'coverage_loss'] as const) expect(r.alerts(rule), rule).toEqual([]);
      // Nothing critical unless the city itself reported something critical (a fire call, a detected crash or fire):
      // the background is random, and a real 114 fire call is critical by its own severity.
      const criticalInputs =
        r.published.filter((m) => m.kind === 'incidentReport' && m.payload.severity === 'critical').length +
        r.published.filter((m) => m.kind === 'cameraDetection' && ['accident', 'fire_smoke'].includes(m.payload.kind) && m.payload.confidence >= 0.6).length;
      const critical = r.alerts().filter((a) => a.severity === 'critical');
      expect(critical.length).toBeLessThanOrEqual(criticalInputs);
      for (const a of critical) expect(['incident_report', 'detection_accident', 'detection_fire_smoke']).toContain(a.rule);
      expect(r.incidents().filter((i) => i.severity === 'critical').length).toBeLessThanOrEqual(criticalInputs);
      console.log(`[scenarios] normal-day: ${criticalInputs} critical inputs published, ${critical.length} critical alerts`);
      expect(r.sim.stats.errors).toBe(0);
      report('normal-day', r, t0);
    } finally {
      await r.stop();
    }
  });

  it('determinism: the same seed twice on fresh servers gives the same alerts and incidents (typhoon, test town, 120×)', async () => {
    const t0 = Date.now();
    const speed = 120;
    const exp = describeScenario(town, 'typhoon', SEED);
    // A cut-off in sim time with no detection or report within ±1 min of it (the generator is pure and this
    // scenario's daily rhythm is fixed, so the events' offsets do not depend on the start time): every alert
    // raised before it in one run is raised before it in the other, whatever the wall-clock jitter.
    const from = exp.settledByMs + 3 * MIN;
    const events = generateEvents({ pack: town, scenario: 'typhoon', seed: SEED, startTs: 0, speed, durationMs: from + 20 * MIN }).filter(
      (ev) => ev.kind === 'cameraDetection' || ev.kind === 'incidentReport',
    );
    let cutoff = from;
    while (events.some((ev) => Math.abs(ev.at - cutoff) < MIN)) cutoff += 10_000;
    expect(cutoff).toBeLessThan(from + 19 * MIN);

    const fingerprint = async () => {
      const r = await run(town, 'typhoon', speed);
      try {
        await r.reach(cutoff + MIN);
        const before = (t: number) => r.simAt(t) <= cutoff;
        const alerts = r
          .alerts()
          .filter((a) => before(a.firstSeen))
          .map((a) =>
            // Report alerts are keyed by the caller's reference, which embeds the wall time: key them by what was reported.
            a.rule === 'incident_report' && 'type' in a.data ? `incident_report|${a.data.sourceId}|${a.data.type}|${a.wardId}` : `${a.rule}|${a.dedupeKey.replace(/:\d{10,}$/, '')}`,
          )
          .sort();
        const firstSeen = new Map(r.alerts().map((x) => [x.id, x.firstSeen]));
        const incidents = r
          .incidents()
          .filter((i) => before(i.createdAt))
          .map((i) => `${i.type}|${i.wardId}|${i.alertIds.filter((id) => before(firstSeen.get(id) ?? Infinity)).length}`)
          .sort();
        return { alerts, incidents };
      } finally {
        await r.stop();
      }
    };
    const a = await fingerprint();
    const b = await fingerprint();
    expect(b).toEqual(a);
    // And it is the scenario's effect, not two empty lists.
    for (const id of exp.stationsDown) expect(a.alerts).toContain(`station_down|station_down:${id}`);
    for (const w of exp.wardsLosingCoverage) expect(a.alerts).toContain(`coverage_loss|coverage_loss:${w}`);
    expect(a.incidents.some((x) => x.startsWith('flood|'))).toBe(true);
    console.log(`[scenarios] determinism: cut-off ${cutoff / 1000} s sim; ${a.alerts.length} alerts, ${a.incidents.length} incidents each; ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });
});
