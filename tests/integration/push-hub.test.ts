/**
 * The push hub on its own (a real Socket.IO server and clients, no broker): the
 * cadence of device changes follows the screens open, the alerts raised in one
 * turn of the event loop (a storm) go out together, ahead of any telemetry, and a
 * console coming back gets what it missed in order.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { Alert, Camera, ClientToServerEvents, Delta, ServerToClientEvents } from '../../contract/index.js';
import { EMPTY_KPIS, makeAlert, makeCamera } from '../fixtures/domain.js';
import { EventBus } from '../../server/bus.js';
import { createLogger } from '../../server/log.js';
import { createMetrics } from '../../server/metrics.js';
import { DEFAULT_CADENCE, flushInterval, PushHub } from '../../server/push/hub.js';
import { waitFor } from '../harness/wait.js';
import { readChanges } from '../harness/live.js';


const camera = (id: string, fps: number): Camera => makeCamera(id, { fps, lastSeen: 1_000 + fps });

const alert = (id: string, cameraId: string): Alert =>
  makeAlert(id, { dedupeKey: `camera_offline:${cameraId}`, title: `Camera ${cameraId} mất kết nối`, source: { kind: 'camera', id: cameraId }, firstSeen: 1_000, lastSeen: 1_000 });

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startHub(cadence: Partial<typeof DEFAULT_CADENCE> = {}) {
  const log = createLogger('silent');
  const bus = new EventBus(log);
  const server = http.createServer();
  const hub = new PushHub({ bus, log, metrics: createMetrics(), cadence, snapshot: () => ({ cameras: [camera('c1', 1), camera('c2', 1), camera('c3', 1)], stations: [], links: [], alerts: [], incidents: [], units: [], kpis: EMPTY_KPIS, feeds: [] }) });
  hub.start(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  cleanups.push(async () => {
    await hub.stop();
    await new Promise((r) => server.close(r));
  });
  /** A console; with `resume`, one coming back that says where it left off (no snapshot then). */
  const connect = async (resume?: { epoch: string; lastSeq: number }) => {
    const c: Client = ioClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, ...(resume ? { auth: resume } : {}) });
    const deltas: { at: number; delta: Delta }[] = [];
    let snapshotSeq = -1;
    let epoch = '';
    c.on('state:snapshot', (snap) => {
      snapshotSeq = snap.seq;
      epoch = snap.epoch;
    });
    c.on('state:delta', (delta) => deltas.push({ at: Date.now(), delta }));
    if (resume) await new Promise<void>((r) => c.once('connect', () => r()));
    else await new Promise((r) => c.once('state:snapshot', r));
    cleanups.push(() => void c.close());
    return { c, deltas, snapshotSeq: () => snapshotSeq, epoch: () => epoch };
  };
  return { bus, hub, connect };
}

describe('flushInterval', () => {
  it('sends as often as minMs to a few screens and slows down to maxMs as screens are added', () => {
    expect(flushInterval(0, DEFAULT_CADENCE)).toBe(15);
    expect(flushInterval(100, DEFAULT_CADENCE)).toBe(15);
    expect(flushInterval(500, DEFAULT_CADENCE)).toBe(50);
    expect(flushInterval(1000, DEFAULT_CADENCE)).toBe(100);
    expect(flushInterval(50_000, DEFAULT_CADENCE)).toBe(100);
    // Screens × sends a second stays within the budget from the point the minimum no longer holds.
    for (const screens of [200, 400, 700, 1000]) expect((screens * 1000) / flushInterval(screens, DEFAULT_CADENCE)).toBeLessThanOrEqual(DEFAULT_CADENCE.sendsPerSecond);
  });
});

describe('PushHub', () => {
  it('a console coming back while device changes wait for the tick gets every delta it missed, in order', async () => {
    // A long tick: the camera changes below are still waiting when the console comes back.
    const { bus, connect } = await startHub({ minMs: 5000, maxMs: 5000 });
    const first = await connect();
    bus.emit('state.change', { kind: 'alert', alert: alert('a-1', 'c1') });
    await waitFor(() => first.deltas.length === 1);
    const lastSeq = first.deltas[0]!.delta.seq;
    first.c.close();
    // Missed while away: an alert (sent at once), then telemetry waiting for the tick.
    bus.emit('state.change', { kind: 'alert', alert: alert('a-2', 'c2') });
    await new Promise((r) => setImmediate(r));
    bus.emit('state.change', { kind: 'camera', camera: camera('c3', 7) });
    const back = await connect({ epoch: first.epoch(), lastSeq });
    await waitFor(() => back.deltas.length >= 2, { message: 'the console did not get what it missed' });
    await new Promise((r) => setTimeout(r, 100));
    expect(back.snapshotSeq()).toBe(-1);
    // lastSeq + 1, + 2: the missed alert, then the telemetry sent when it connected; no gap, no repeat.
    expect(back.deltas.map((d) => d.delta.seq)).toEqual([lastSeq + 1, lastSeq + 2]);
  });

  it('alerts raised in one turn of the event loop go out in one delta, before the device tick', async () => {
    // A long tick, so that only the urgent path can deliver within the test.
    const { bus, connect } = await startHub({ minMs: 5000, maxMs: 5000 });
    const { deltas } = await connect();
    bus.emit('state.change', { kind: 'camera', camera: camera('c3', 7) });
    for (const id of ['c1', 'c2']) {
      bus.emit('state.change', { kind: 'camera', camera: camera(id, 9) });
      bus.emit('state.change', { kind: 'alert', alert: alert(`a-${id}`, id) });
    }
    await waitFor(() => deltas.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    // One delta: both alerts, with the cameras they are about; c3's telemetry still waits for the tick.
    expect(deltas).toHaveLength(1);
    const changes = readChanges(deltas[0]!.delta.changes);
    expect(changes.filter((c) => c.kind === 'alert').map((c) => (c.kind === 'alert' ? c.alert.id : ''))).toEqual(['a-c1', 'a-c2']);
    expect(changes.filter((c) => c.kind === 'cameraLive').map((c) => (c.kind === 'cameraLive' ? c.camera.id : '')).sort()).toEqual(['c1', 'c2']);
    expect(changes.some((c) => c.kind === 'cameraLive' && c.camera.id === 'c3')).toBe(false);
  });

  it('an alert raised and then updated in the same turn travels twice, in order, in that one delta', async () => {
    const { bus, connect } = await startHub({ minMs: 5000, maxMs: 5000 });
    const { deltas } = await connect();
    bus.emit('state.change', { kind: 'alert', alert: alert('a-1', 'c1') });
    bus.emit('state.change', { kind: 'alert', alert: { ...alert('a-1', 'c1'), count: 2, version: 2 } });
    await waitFor(() => deltas.length >= 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(deltas).toHaveLength(1);
    expect(deltas[0]!.delta.changes.map((c) => (c.kind === 'alert' ? c.alert.version : 0))).toEqual([1, 2]);
  });

  it('an alert raised in a later turn goes in a delta of its own', async () => {
    const { bus, connect } = await startHub({ minMs: 5000, maxMs: 5000 });
    const { deltas } = await connect();
    bus.emit('state.change', { kind: 'alert', alert: alert('a-1', 'c1') });
    await new Promise((r) => setImmediate(r));
    bus.emit('state.change', { kind: 'alert', alert: alert('a-2', 'c2') });
    await waitFor(() => deltas.length >= 2);
    expect(deltas.map((d) => d.delta.changes.map((c) => (c.kind === 'alert' ? c.alert.id : c.kind)))).toEqual([['a-1'], ['a-2']]);
    expect(deltas[1]!.delta.seq).toBe(deltas[0]!.delta.seq + 1);
  });

  it('device changes go out on the short cadence with a few screens open', async () => {
    const { bus, connect } = await startHub({ minMs: 15, maxMs: 100 });
    const { deltas } = await connect();
    // 40 changes of one camera in bursts of 4, 10 ms apart: coalesced (latest per device), sent every 15 ms or so.
    const t0 = Date.now();
    for (let i = 0; i < 10; i++) {
      for (let j = 1; j <= 4; j++) bus.emit('state.change', { kind: 'camera', camera: camera('c1', i * 4 + j) });
      await new Promise((r) => setTimeout(r, 10));
    }
    await waitFor(() => deltas.some((d) => readChanges(d.delta.changes).some((c) => c.kind === 'cameraLive' && c.camera.fps === 40)));
    const elapsed = Date.now() - t0;
    const sends = deltas.length;
    // Only the latest of each burst travels; and there are more sends than a 100 ms tick would have made.
    expect(deltas.flatMap((d) => readChanges(d.delta.changes)).every((c) => c.kind === 'cameraLive' && c.camera.fps! % 4 === 0)).toBe(true);
    expect(sends).toBeLessThanOrEqual(10);
    expect(sends).toBeGreaterThan(Math.ceil(elapsed / 100) + 1);
  });
});
