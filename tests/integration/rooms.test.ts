/**
 * Rooms: a district console (wards it names in the handshake) gets its own
 * snapshot and consecutive deltas about its wards only; the city console
 * gets everything. Telemetry is coalesced; an incident goes out at once.
 */
import { expect, it } from 'vitest';
import mqtt from 'mqtt';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, Delta, LiveTable, ServerToClientEvents, Snapshot } from '../../contract/index.js';
import { LIVE_FIELDS, topics } from '../../contract/index.js';
import { appStackForFile } from '../harness/stack.js';
import { connectConsole, type TestConsole } from '../harness/app.js';
import { waitFor } from '../harness/wait.js';
import { readChanges, type ReadChange } from '../harness/live.js';

const isCam = (c: ReadChange): c is Extract<ReadChange, { kind: 'camera' | 'cameraLive' }> => c.kind === 'camera' || c.kind === 'cameraLive';

const stack = appStackForFile({ broker: 'aedes' });

it('a district console sees only its wards, with its own consecutive seq', async () => {
  const city: TestConsole = await connectConsole(stack().app.url, await stack().app.token('duty_officer'));
  const district: Socket<ServerToClientEvents, ClientToServerEvents> = ioClient(stack().app.url, { transports: ['websocket'], reconnection: false, auth: { wards: ['tt-a'], token: await stack().app.token('duty_officer') } });
  const snaps: Snapshot[] = [];
  const deltas: Delta[] = [];
  district.on('state:snapshot', (s) => snaps.push(s));
  district.on('state:delta', (d) => deltas.push(d));
  await waitFor(() => snaps.length === 1);
  expect(snaps[0]!.cameras.map((c) => c.id)).toEqual(['tt-cam-1']);
  expect(new Set(snaps[0]!.stations.map((s) => s.wardId))).toEqual(new Set(['tt-a']));

  const dev = await mqtt.connectAsync(stack().broker.url, { protocolVersion: 4 });
  const ts = Date.now();
  // 50 status updates of one camera in ward A, 1 in ward C: telemetry is coalesced.
  // Published together (one burst, as a busy camera's backlog arrives), so the coalescing does not depend on timing.
  await Promise.all(Array.from({ length: 50 }, (_, k) => dev.publishAsync(topics.cameraStatus('tt-cam-1'), JSON.stringify({ seq: k + 1, ts: ts + k + 1, state: (k + 1) % 2 ? 'online' : 'degraded', fps: k + 1 }), { qos: 1 })));
  await dev.publishAsync(topics.cameraStatus('tt-cam-3'), JSON.stringify({ seq: 1, ts, state: 'offline' }), { qos: 1 });
  const report = (ref: string, lon: number) =>
    dev.publishAsync(topics.incidentReport('hotline-114'), JSON.stringify({ seq: Number(ref.slice(1)), ts, channel: 'hotline_114', type: 'fire', severity: 'major', lat: 10.005, lon, description: 'cháy', externalRef: ref }), { qos: 1 });
  await report('F1', 106.005); // ward A
  await report('F2', 106.025); // ward C
  await dev.endAsync();

  await waitFor(() => city.deltas.flatMap((d) => readChanges(d.changes)).filter((c) => c.kind === 'incident').length >= 2);
  await waitFor(() => deltas.flatMap((d) => readChanges(d.changes)).some((c) => isCam(c) && c.camera.fps === 50));
  const mine = deltas.flatMap((d) => readChanges(d.changes));
  expect(new Set(mine.filter((c) => c.kind === 'incident').map((c) => (c.kind === 'incident' ? c.incident.externalRef : '')))).toEqual(new Set(['hotline-114:F1']));
  expect(mine.some((c) => isCam(c) && c.camera.id === 'tt-cam-3')).toBe(false);
  // Coalesced: far fewer camera updates than the 50 published.
  expect(mine.filter(isCam).length).toBeLessThan(25);
  // Its own numbering: consecutive from its snapshot.
  deltas.forEach((d, i) => expect(d.seq).toBe(snaps[0]!.seq + i + 1));
  // The city console sees ward C's camera too (on a device tick of its own: wait for it).
  await waitFor(() => city.deltas.flatMap((d) => readChanges(d.changes)).some((c) => isCam(c) && c.camera.id === 'tt-cam-3'), { message: 'the city console never got tt-cam-3' });
  // Sockets are left open on purpose: stopping the server must not wait for consoles to leave.
});

it('an alert goes out at once in a delta of its own, with only the camera it is about: never behind telemetry', async () => {
  const city: TestConsole = await connectConsole(stack().app.url, await stack().app.token('duty_officer'));
  const dev = await mqtt.connectAsync(stack().broker.url, { protocolVersion: 4 });
  const ts = Date.now();
  // Telemetry of other cameras waiting for the device tick, then an accident on tt-cam-4.
  for (let i = 1; i <= 20; i++) {
    await dev.publishAsync(topics.cameraStatus('tt-cam-2'), JSON.stringify({ seq: 1000 + i, ts: ts + i, state: 'online', fps: i }), { qos: 1 });
    await dev.publishAsync(topics.cameraStatus('tt-cam-5'), JSON.stringify({ seq: 1000 + i, ts: ts + i, state: 'online', fps: i }), { qos: 1 });
  }
  await dev.publishAsync(topics.cameraDetection('tt-cam-4'), JSON.stringify({ seq: 5000, ts: ts + 30, kind: 'accident', confidence: 0.95, lat: 10.006, lon: 106.02 }), { qos: 1 });
  await dev.endAsync();
  const withAlert = await waitFor(() => city.deltas.find((d) => d.changes.some((c) => c.kind === 'alert' && c.alert.source.id === 'tt-cam-4')));
  for (const c of readChanges(withAlert.changes)) {
    if (isCam(c)) expect(c.camera.id).toBe('tt-cam-4');
    else expect(['alert', 'incident', 'unit']).toContain(c.kind);
  }
  // The telemetry still arrives, on the next tick.
  await waitFor(() => city.deltas.some((d) => readChanges(d.changes).some((c) => isCam(c) && c.camera.id === 'tt-cam-5' && c.camera.fps === 20)));
});

it('a device first seen comes whole; after that, only its live fields travel', async () => {
  const city: TestConsole = await connectConsole(stack().app.url, await stack().app.token('duty_officer'));
  const dev = await mqtt.connectAsync(stack().broker.url, { protocolVersion: 4 });
  const ts = Date.now();
  await dev.publishAsync(topics.cameraStatus('tt-cam-new'), JSON.stringify({ seq: 1, ts, state: 'online', fps: 10 }), { qos: 1 });
  const first = await waitFor(() => city.deltas.flatMap((d) => readChanges(d.changes)).find((c) => isCam(c) && c.camera.id === 'tt-cam-new'));
  expect(first).toMatchObject({ kind: 'camera', camera: { id: 'tt-cam-new', name: expect.any(String), state: 'online' } });
  await dev.publishAsync(topics.cameraStatus('tt-cam-new'), JSON.stringify({ seq: 2, ts: ts + 1, state: 'degraded', fps: 4 }), { qos: 1 });
  // Only the fields that changed since the previous delta travel: here state, fps and lastSeen.
  const next = await waitFor(() => city.deltas.flatMap((d) => readChanges(d.changes)).find((c) => isCam(c) && c.camera.id === 'tt-cam-new' && c.camera.state === 'degraded'));
  expect(next).toEqual({ kind: 'cameraLive', camera: { id: 'tt-cam-new', state: 'degraded', fps: 4, lastSeen: ts + 1 } });
  // A heartbeat in the same state: its time alone.
  await dev.publishAsync(topics.cameraStatus('tt-cam-new'), JSON.stringify({ seq: 3, ts: ts + 2, state: 'degraded', fps: 4 }), { qos: 1 });
  await dev.endAsync();
  const beat = await waitFor(() => city.deltas.flatMap((d) => readChanges(d.changes)).find((c) => isCam(c) && c.camera.id === 'tt-cam-new' && c.camera.lastSeen === ts + 2));
  expect(beat).toEqual({ kind: 'cameraLive', camera: { id: 'tt-cam-new', lastSeen: ts + 2 } });
  // On the wire: a row of the delta's camera table, the id then (field number, value), the time counted from the table's t.
  const table = city.deltas.flatMap((d) => d.changes).find((c) => c.kind === 'live' && c.rows.some((r) => r[0] === 'tt-cam-new' && r.length === 3));
  expect(table).toMatchObject({ kind: 'live', entity: 'camera', t: expect.any(Number) });
  const t = (table as LiveTable).t;
  expect((table as LiveTable).rows.find((r) => r[0] === 'tt-cam-new')).toEqual(['tt-cam-new', LIVE_FIELDS.camera.indexOf('lastSeen'), ts + 2 - t]);
  // Merged in order, the deltas give the console the device as the server holds it.
  const merged = city.deltas
    .flatMap((d) => readChanges(d.changes))
    .filter((c) => isCam(c) && c.camera.id === 'tt-cam-new')
    .reduce<Record<string, unknown>>((held, c) => ({ ...held, ...(c as { camera: object }).camera }), {});
  expect(merged).toMatchObject({ id: 'tt-cam-new', state: 'degraded', fps: 4, lastSeen: ts + 2, stale: false, name: expect.any(String) });
});
