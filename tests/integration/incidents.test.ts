/**
 * The incident workflow end to end: a hotline report over MQTT becomes an
 * incident pushed to every console; officers act on it over Socket.IO and
 * REST with versions, refused transitions and conflicts; every action is in
 * the audit trail; a restart keeps the incident with its whole history.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import type { DispatchCandidate, Incident, Result } from '../../contract/index.js';
import { topics } from '../../contract/index.js';
import { startTestInfluxd, type TestInfluxd } from '../harness/influxd.js';
import { startMosquitto, type TestMosquitto } from '../harness/mosquitto.js';
import { connectConsole, startTestApp, type TestApp, type TestConsole } from '../harness/app.js';
import { waitFor } from '../harness/wait.js';

let influxd: TestInfluxd;
let broker: TestMosquitto;
let app: TestApp;
let officerA: TestConsole;
let officerB: TestConsole;
const env = {
  INFLUX_DATABASE: `ioc_incidents_${process.pid}`,
  MQTT_CLIENT_ID: `ioc-incidents-${process.pid}`,
  SPOOL_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-inc-spool-')),
};

beforeAll(async () => {
  influxd = await startTestInfluxd();
  broker = await startMosquitto();
  app = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env });
  officerA = await connectConsole(app.url, await app.token('duty_officer'));
  officerB = await connectConsole(app.url, await app.token('duty_officer'));
});
afterAll(async () => {
  officerA?.close();
  officerB?.close();
  await app?.stop();
  await broker?.stop();
  await influxd?.stop();
  fs.rmSync(env.SPOOL_DIR, { recursive: true, force: true });
});

function emit<T>(c: TestConsole, event: string, body: unknown): Promise<Result<T>> {
  return new Promise((resolve) => (c.socket.emit as unknown as (e: string, b: unknown, ack: (r: Result<T>) => void) => void)(event, body, resolve));
}
const latestIncident = (c: TestConsole, id: string) =>
  c.deltas
    .flatMap((d) => d.changes)
    .filter((ch) => ch.kind === 'incident' && ch.incident.id === id)
    .map((ch) => (ch as { incident: Incident }).incident)
    .at(-1);

async function report(ref: string, lon: number, lat: number, extra: Record<string, unknown> = {}) {
  const dev = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
  const body = { seq: 1, ts: Date.now(), channel: 'hotline_115', type: 'medical', severity: 'major', lat, lon, description: 'Người đi xe máy bị ngã, bất tỉnh', externalRef: ref, ...extra };
  await dev.publishAsync(topics.incidentReport('hotline-115'), JSON.stringify(body), { qos: 1 });
  await dev.endAsync();
}

describe('incident workflow', () => {
  let id = '';

  it('a hotline report becomes an incident on every console, with the nearest cameras', async () => {
    await report('CALL-0001', 106.0052, 10.0051);
    const inc = await waitFor(() => officerB.deltas.flatMap((d) => d.changes).find((c) => c.kind === 'incident'), { message: 'no incident pushed' });
    const incident = (inc as { incident: Incident }).incident;
    id = incident.id;
    expect(incident).toMatchObject({ status: 'new', type: 'medical', severity: 'major', channel: 'hotline_115', wardId: 'tt-a', version: 1 });
    expect(incident.cameraIds[0]).toBe('tt-cam-1');
    expect(incident.cameraDistancesM[0]).toBeLessThan(50);
  });

  it('the same call sent again does not make a second incident', async () => {
    await report('CALL-0001', 106.0052, 10.0051, { seq: 2, description: 'gọi lại' });
    await waitFor(() => latestIncident(officerA, id)?.timeline.some((e) => e.action === 'report'));
    expect(app.operations.incidents.open()).toHaveLength(1);
  });

  it('acknowledge over Socket.IO updates the other console; a stale version is a conflict', async () => {
    const v = app.operations.incidents.get(id)!.version;
    const ok = await emit<Incident>(officerA, 'incident:acknowledge', { id, version: v, note: 'đã nhận' });
    expect(ok).toMatchObject({ ok: true, data: { status: 'acknowledged', version: v + 1 } });
    await waitFor(() => latestIncident(officerB, id)?.status === 'acknowledged', { message: 'B never saw the acknowledge' });

    const late = await emit<Incident>(officerB, 'incident:dispatch', { id, version: v, unitId: 'tt-u-amb' });
    expect(late).toMatchObject({ ok: false, error: { code: 'conflict' } });
  });

  it('refuses invalid transitions and malformed commands with clear errors', async () => {
    const v = app.operations.incidents.get(id)!.version;
    expect(await emit(officerA, 'incident:close', { id, version: v })).toMatchObject({ ok: false, error: { code: 'invalid_transition', message: expect.stringMatching(/cannot close .* acknowledged/) } });
    expect(await emit(officerA, 'incident:on_scene', { id, version: v })).toMatchObject({ ok: false, error: { code: 'invalid_transition' } });
    expect(await emit(officerA, 'incident:dispatch', { id, version: v })).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringMatching(/unitId/) } });
    expect(await emit(officerA, 'incident:dispatch', { id, version: v, unitId: 'nope' })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await emit(officerA, 'incident:acknowledge', 'not an object')).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await emit(officerA, 'incident:acknowledge', { id: 'inc-none', version: 1 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('dispatch (two units), release, on scene and resolve over REST move the units too', async () => {
    const post = async (action: string, body: unknown) => {
      const res = await fetch(`${app.url}/api/incidents/${id}/${action}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(await app.headers()) }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Result<Incident> };
    };
    const detail = (await (await fetch(`${app.url}/api/incidents/${id}`, { headers: await app.headers() })).json()) as { data: { candidates: DispatchCandidate[] } };
    // A 115 call about someone unconscious: the ambulance first, with its distance and ETA.
    expect(detail.data.candidates[0]).toMatchObject({ unit: { id: 'tt-u-amb' }, suitable: true, etaS: expect.any(Number), distanceM: expect.any(Number) });

    let v = app.operations.incidents.get(id)!.version;
    const d = await post('dispatch', { version: v, unitId: 'tt-u-amb', note: 'xe 115 số 2' });
    expect(d).toMatchObject({ status: 200, body: { ok: true, data: { status: 'dispatched', units: [{ unitId: 'tt-u-amb', status: 'dispatched' }] } } });
    expect(app.operations.units.get('tt-u-amb')).toMatchObject({ status: 'busy', incidentId: id });
    await waitFor(() => officerB.deltas.flatMap((x) => x.changes).some((c) => c.kind === 'unit' && c.unit.id === 'tt-u-amb' && c.unit.status === 'busy'));

    expect(await post('dispatch', { version: v, unitId: 'tt-u-police' })).toMatchObject({ status: 409, body: { ok: false, error: { code: 'conflict' } } });
    v = app.operations.incidents.get(id)!.version;
    const two = await post('dispatch', { version: v, unitId: 'tt-u-police' });
    expect(two.body).toMatchObject({ ok: true, data: { units: [{ unitId: 'tt-u-amb', status: 'dispatched' }, { unitId: 'tt-u-police', status: 'dispatched' }] } });
    v++;
    expect((await post('release', { version: v, unitId: 'tt-u-police', note: 'không cần nữa' })).body).toMatchObject({ ok: true, data: { status: 'dispatched', units: [{ status: 'dispatched' }, { status: 'released' }] } });
    expect(app.operations.units.get('tt-u-police')).toMatchObject({ status: 'available', incidentId: null });
    expect(app.operations.units.get('tt-u-amb')).toMatchObject({ status: 'busy', incidentId: id });
    v++;
    expect((await post('on-scene', { version: v })).body).toMatchObject({ ok: true, data: { status: 'on_scene' } });
    v++;
    expect((await post('resolve', { version: v, note: 'đã chuyển viện' })).body).toMatchObject({ ok: true, data: { status: 'resolved' } });
    expect(app.operations.units.get('tt-u-amb')).toMatchObject({ status: 'available', incidentId: null });
    expect((await post('teleport', { version: v })).status).toBe(404);
  });

  it('acknowledging an incident’s alert acknowledges the incident: one act for the officer', async () => {
    await report('CALL-0002', 106.0252, 10.0251, { type: 'crime', severity: 'minor', description: 'Trộm xe máy' });
    const inc = await waitFor(() => app.operations.incidents.open().find((i) => i.externalRef?.endsWith('CALL-0002')), { message: 'no incident' });
    const alertId = await waitFor(() => app.operations.incidents.get(inc.id)!.alertIds[0], { message: 'the report raised no alert' });
    const alert = app.operations.alerts.get(alertId)!;
    expect(app.operations.incidents.get(inc.id)!.status).toBe('new');
    const r = await emit(officerA, 'alert:acknowledge', { id: alert.id, version: alert.version });
    expect(r).toMatchObject({ ok: true });
    // The answer came after both were stored: the incident is acknowledged, by the same officer.
    const now = app.operations.incidents.get(inc.id)!;
    expect(now.status).toBe('acknowledged');
    expect(now.timeline.at(-1)).toMatchObject({ action: 'acknowledge', by: 'duty-officer', from: 'new', to: 'acknowledged' });
    await waitFor(() => latestIncident(officerB, inc.id)?.status === 'acknowledged', { message: 'B never saw the incident acknowledged' });
  });

  it('writes every action, and every refusal, to the audit trail', async () => {
    await app.writer.flush();
    const res = (await (await fetch(`${app.url}/api/audit?entity=incident&id=${id}`, { headers: await app.headers('supervisor') })).json()) as { data: { type: string; by: string; result: string }[] };
    const types = res.data.map((e) => `${e.type}:${e.result}`);
    for (const t of ['acknowledge:ok', 'dispatch:ok', 'on_scene:ok', 'resolve:ok', 'dispatch:refused', 'close:refused']) expect(types).toContain(t);
    expect(res.data.every((e) => e.by !== 'system')).toBe(true);
  });

  it('exports incidents as CSV', async () => {
    const res = await fetch(`${app.url}/api/incidents.csv`, { headers: await app.headers() });
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // UTF-8 BOM: Excel reads Vietnamese right
    const text = bytes.subarray(3).toString('utf8');
    expect(text.split('\r\n')[0]).toMatch(/^id,created_at,type,severity,status/);
    expect(text).toContain(`${id},`);
    expect(text).toContain('bất tỉnh');
  });

  it('a restart keeps the incident, its timeline and the units as they were', async () => {
    const before = app.operations.incidents.get(id)!;
    officerA.close();
    officerB.close();
    await app.stop();
    app = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env });
    officerA = await connectConsole(app.url, await app.token('duty_officer'));
    officerB = await connectConsole(app.url, await app.token('duty_officer'));
    const after = app.operations.incidents.get(id);
    expect(after).toEqual(before);
    expect(officerA.snapshots[0]!.incidents.find((i) => i.id === id)).toEqual(before);
    expect(app.operations.units.get('tt-u-amb')!.status).toBe('available');
  });
});
