/**
 * Each rule driven from MQTT to an alert received by a Socket.IO console, on
 * a real Mosquitto and influxd, with short thresholds from a rules file:
 * raise, dedupe, clear, correlation into one incident, escalation, coverage
 * loss per ward, acknowledgement from a console, and a restart that keeps it all.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import type { Alert, Result } from '../../contract/index.js';
import { topics } from '../../contract/index.js';
import { parseCap } from '../../server/ingest/cap/parse.js';
import { startTestInfluxd, type TestInfluxd } from '../harness/influxd.js';
import { startMosquitto, type TestMosquitto } from '../harness/mosquitto.js';
import { connectConsole, startTestApp, type TestApp, type TestConsole } from '../harness/app.js';
import { waitFor } from '../harness/wait.js';
import { dataOf } from '../fixtures/domain.js';

let influxd: TestInfluxd;
let broker: TestMosquitto;
let app: TestApp;
let officer: TestConsole;
let dev: MqttClient;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-alerts-'));
const rulesFile = path.join(dir, 'rules.json');
fs.writeFileSync(
  rulesFile,
  JSON.stringify({
    cameraOffline: { afterS: 1, severity: 'major', degradedAfterS: 600, degradedSeverity: 'minor' },
    violationBurst: { count: 3, windowS: 60, severity: 'minor', by: 'camera', kinds: ['red_light', 'speeding'] },
    escalation: { ackDeadlineS: { critical: 120, major: 600, minor: 1800, info: 2 } },
  }),
);
const env = {
  RULES_FILE: rulesFile,
  INFLUX_DATABASE: `ioc_alerts_${process.pid}`,
  MQTT_CLIENT_ID: `ioc-alerts-${process.pid}`,
  SPOOL_DIR: path.join(dir, 'spool'),
};
const seqs = new Map<string, number>();
const nextSeq = (id: string) => {
  const n = (seqs.get(id) ?? 0) + 1;
  seqs.set(id, n);
  return n;
};
const send = (topic: string, id: string, body: Record<string, unknown>) => dev.publishAsync(topic, JSON.stringify({ seq: nextSeq(id), ts: Date.now(), ...body }), { qos: 1 });
const pushed = (key: string) =>
  officer.deltas
    .flatMap((d) => d.changes)
    .filter((c): c is { kind: 'alert'; alert: Alert } => c.kind === 'alert' && c.alert.dedupeKey.startsWith(key))
    .map((c) => c.alert);
const latest = (key: string) => pushed(key).at(-1);

beforeAll(async () => {
  influxd = await startTestInfluxd();
  broker = await startMosquitto();
  app = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env });
  officer = await connectConsole(app.url, await app.token('duty_officer'));
  dev = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
});
afterAll(async () => {
  await dev?.endAsync();
  officer?.close();
  await app?.stop();
  await broker?.stop();
  await influxd?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('alert rules over MQTT to a console', () => {
  it('camera offline for longer than N s raises an alert; back online clears it', async () => {
    await send(topics.cameraStatus('tt-cam-2'), 'tt-cam-2', { state: 'online' });
    await send(topics.cameraStatus('tt-cam-2'), 'tt-cam-2', { state: 'offline' });
    const raised = await waitFor(() => latest('camera_offline:tt-cam-2'), { message: 'no camera_offline alert pushed' });
    expect(raised).toMatchObject({ state: 'active', severity: 'major', source: { kind: 'camera', id: 'tt-cam-2' }, wardId: 'tt-b', position: [106.015, 10.005] });
    await send(topics.cameraStatus('tt-cam-2'), 'tt-cam-2', { state: 'online' });
    await waitFor(() => latest('camera_offline:tt-cam-2')?.state === 'cleared', { message: 'not cleared when back online' });
    expect(latest('camera_offline:tt-cam-2')!.clearedBy).toBe('system');
  });

  it('repeats of the same accident update one alert instead of flooding the queue', async () => {
    for (let i = 0; i < 3; i++) await send(topics.cameraDetection('tt-cam-3'), 'tt-cam-3', { kind: 'fire_smoke', confidence: 0.9, lat: 10.005, lon: 106.025 });
    await waitFor(() => latest('detection:tt-cam-3:fire_smoke')?.count === 3);
    expect(new Set(pushed('detection:tt-cam-3:fire_smoke').map((a) => a.id)).size).toBe(1);
    expect(latest('detection:tt-cam-3:fire_smoke')).toMatchObject({ severity: 'critical', rule: 'detection_fire_smoke' });
  });

  it('a burst of violations on one camera is one alert', async () => {
    for (let i = 0; i < 3; i++) await send(topics.cameraDetection('tt-cam-4'), 'tt-cam-4', { kind: 'red_light', confidence: 0.95, lat: 10.008, lon: 106.015, plate: `85A-00${i}.11` });
    const a = await waitFor(() => latest('violation_burst:camera:tt-cam-4'));
    expect(a).toMatchObject({ state: 'active', severity: 'minor', data: { count: 3 } });
  });

  it('an accident detection and a 115 call 100 m apart become one incident with both alerts and the nearby camera', async () => {
    await send(topics.cameraDetection('tt-cam-1'), 'tt-cam-1', { kind: 'accident', confidence: 0.93, lat: 10.005, lon: 106.005 });
    const detection = await waitFor(() => latest('detection:tt-cam-1:accident'));
    await send(topics.incidentReport('hotline-115'), 'hotline-115', {
      channel: 'hotline_115',
      type: 'medical',
      severity: 'major',
      lat: 10.0059,
      lon: 106.0052,
      description: 'Va chạm xe máy, 1 người bị thương',
      externalRef: 'CALL-115-77',
    });
    const call = await waitFor(() => latest('incident:hotline-115:CALL-115-77')?.incidentId ?? null, { message: 'call alert not linked' });
    const incidents = app.operations.incidents.open().filter((i) => i.alertIds.includes(detection.id));
    expect(incidents).toHaveLength(1);
    const inc = incidents[0]!;
    expect(call).toBe(inc.id);
    expect(inc.alertIds).toEqual(expect.arrayContaining([detection.id, latest('incident:hotline-115:CALL-115-77')!.id]));
    expect(inc).toMatchObject({ type: 'traffic_accident', severity: 'critical', cameraIds: expect.arrayContaining(['tt-cam-1']) });
    expect(inc.timeline.map((e) => e.action)).toEqual(expect.arrayContaining(['created', 'report', 'link_alert']));
  });

  it('an alert not acknowledged in time escalates and is pushed again', async () => {
    await send(topics.incidentReport('citizen-app'), 'citizen-app', { channel: 'citizen_app', type: 'infrastructure', severity: 'info', address: 'Cột điện nghiêng, đường Ngang', description: 'cột điện nghiêng', externalRef: 'APP-9' });
    const first = await waitFor(() => latest('incident:citizen-app:APP-9'));
    expect(first).toMatchObject({ severity: 'info', escalated: false });
    const esc = await waitFor(() => (latest('incident:citizen-app:APP-9')?.escalated ? latest('incident:citizen-app:APP-9') : null), { timeoutMs: 10_000 });
    expect(esc).toMatchObject({ severity: 'minor', escalated: true });
  });

  it('a station down computes coverage loss for the ward it served, and only that ward', async () => {
    for (const id of ['tt-bs-a1', 'tt-bs-b1', 'tt-bs-b2', 'tt-bs-b3', 'tt-bs-c1', 'tt-bs-c2']) {
      await send(topics.stationStatus(id), id, { state: 'up', power: 'mains', backhaul: 'up' });
    }
    await send(topics.stationStatus('tt-bs-a1'), 'tt-bs-a1', { state: 'down', power: 'battery', batteryPct: 0, backhaul: 'up' });
    const loss = await waitFor(() => latest('coverage_loss:tt-a'), { message: 'no coverage loss for ward A' });
    expect(loss).toMatchObject({ rule: 'coverage_loss', wardId: 'tt-a', source: { kind: 'ward', id: 'tt-a' } });
    expect(dataOf(loss, 'coverage_loss').uncoveredPct).toBeGreaterThan(60);
    expect(pushed('coverage_loss:tt-b')).toEqual([]);
    expect(pushed('coverage_loss:tt-c')).toEqual([]);
    expect(latest('station_down:tt-bs-a1')).toMatchObject({ state: 'active' });
    expect(app.operations.kpis().coveragePct).toBeLessThan(100);

    await send(topics.stationStatus('tt-bs-a1'), 'tt-bs-a1', { state: 'up', power: 'mains', backhaul: 'up' });
    await waitFor(() => latest('coverage_loss:tt-a')?.state === 'cleared' && latest('station_down:tt-bs-a1')?.state === 'cleared');
  });

  it('an officer acknowledges from the console; a stale version is refused', async () => {
    const a = app.operations.alerts.open().find((x) => x.dedupeKey.startsWith('violation_burst:camera:tt-cam-4'))!;
    const ack = (body: unknown) =>
      new Promise<Result<Alert>>((r) => (officer.socket.emit as unknown as (e: string, b: unknown, cb: (x: Result<Alert>) => void) => void)('alert:acknowledge', body, r));
    expect(await ack({ id: a.id, version: a.version })).toMatchObject({ ok: true, data: { state: 'acknowledged', acknowledgedBy: 'duty-officer' } });
    expect(await ack({ id: a.id, version: a.version })).toMatchObject({ ok: false, error: { code: 'conflict' } });
  });

  it('exports any alert as valid CAP 1.2 XML; a cleared one as a Cancel of the original', async () => {
    const active = app.operations.alerts.open().find((a) => a.rule === 'detection_fire_smoke')!;
    const res = await fetch(`${app.url}/api/alerts/${active.id}/cap`, { headers: await app.headers() });
    expect(res.headers.get('content-type')).toMatch(/application\/cap\+xml/);
    const parsed = parseCap(await res.text());
    // Every CAP message is unique: an Update carries its own identifier and references the original.
    const update = active.version > 1;
    expect(parsed).toMatchObject({ ok: true, alert: { identifier: update ? `${active.id}-v${active.version}` : active.id, msgType: update ? 'Update' : 'Alert', status: 'Actual' } });
    if (!parsed.ok) throw new Error(parsed.detail);
    expect(parsed.alert.infos[0]).toMatchObject({ severity: 'Extreme', categories: ['Fire'], headline: active.title });
    expect(parsed.alert.infos[0]!.areas[0]!.circles[0]!.center).toEqual(active.position);

    const cleared = app.operations.alerts.all().find((a) => a.state === 'cleared')!;
    const c = parseCap(await (await fetch(`${app.url}/api/alerts/${cleared.id}/cap`, { headers: await app.headers() })).text());
    expect(c).toMatchObject({ ok: true, alert: { msgType: 'Cancel', references: [{ identifier: cleared.id }] } });
    expect((await fetch(`${app.url}/api/alerts/al-nope/cap`, { headers: await app.headers() })).status).toBe(404);
  });

  it('stores the KPIs in InfluxDB, soon after they change', async () => {
    // The first point (at start) had no alerts; a point showing the open alerts follows within ~10 s.
    const k = await waitFor(
      async () => {
        await app.writer.flush();
        const [row] = await app.influx.query<Record<string, number>>(`SELECT last(active_alerts) AS active FROM kpis WHERE time > now() - 1h`);
        // Stored within ~10 s of a change: wait for the store to catch up with the live figure.
        const active = row?.active ?? 0;
        return active > 0 && active === app.operations.kpis().activeAlerts ? { active } : null;
      },
      { timeoutMs: 30_000, message: 'the stored KPIs never caught up with the live ones' },
    );
    expect(k.active).toBeGreaterThan(0);
  });

  it('a restart mid-scenario leaves every open alert and incident as it was', async () => {
    await app.writer.flush();
    const alertsBefore = app.operations.alerts.open().sort((x, y) => x.id.localeCompare(y.id));
    const incidentsBefore = app.operations.incidents.open().sort((x, y) => x.id.localeCompare(y.id));
    expect(alertsBefore.length).toBeGreaterThan(3);
    officer.close();
    await app.stop();
    app = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env });
    officer = await connectConsole(app.url, await app.token('duty_officer'));
    // The escalation clock keeps running across the restart; compare what it does not touch.
    const strip = (a: Alert) => ({ ...a, severity: undefined, escalated: undefined, version: undefined });
    expect(app.operations.alerts.open().sort((x, y) => x.id.localeCompare(y.id)).map(strip)).toEqual(alertsBefore.map(strip));
    expect(app.operations.incidents.open().sort((x, y) => x.id.localeCompare(y.id))).toEqual(incidentsBefore);
    expect(officer.snapshots[0]!.alerts.length).toBe(alertsBefore.length);
  });
});
