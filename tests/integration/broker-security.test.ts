/**
 * The embedded broker against hostile clients (issue #19, point 5), on the real server:
 * nobody takes over the server's session (or another device's) with its client id; a
 * 10 MB CONNECT is refused from its fixed header, before authentication, without the
 * server's memory growing; a later packet over the size limit cuts the device; a
 * connection without CONNECT is closed at the deadline; one address gets a bounded
 * number of connections. tests/unit/broker-guard.test.ts covers
 * the pure parts (varint, scanner, client id rule).
 */
import net from 'node:net';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../contract/index.js';
import { databaseWithDevices } from '../harness/accounts.js';
import { startTestApp, type TestApp } from '../harness/app.js';
import { startTestInfluxd, type TestInfluxd } from '../harness/influxd.js';
import { waitFor } from '../harness/wait.js';

const DEADLINE_MS = 1500;
const CAP = 4;
const MAX_CONNECT = 256 * 1024;

let influxd: TestInfluxd;
let app: TestApp;
let port: number;
const secrets: Record<string, string> = {};

beforeAll(async () => {
  influxd = await startTestInfluxd();
  // Registered before the server starts (npm run users -- device-add), so loaded at its start.
  const db = await databaseWithDevices(['bs-cam-1', 'bs-cam-1-a', 'bs-cam-2'].map((id) => ({ id, kind: 'camera' as const })));
  Object.assign(secrets, db.secrets);
  app = await startTestApp({
    mqttUrl: '',
    influxUrl: influxd.url,
    env: {
      MQTT_EMBEDDED_PORT: '0',
      MQTT_EMBEDDED_HOST: '127.0.0.1',
      // MQTT_MAX_CONNECT_BYTES keeps its default (256 KiB).
      MQTT_CONNECT_TIMEOUT_MS: String(DEADLINE_MS),
      MQTT_MAX_CONN_PER_ADDRESS: String(CAP),
      DATABASE_URL: db.url,
    },
  });
  port = Number(new URL(app.mqttUrl).port);
  await waitFor(async () => (await app.healthReport()).broker.connected, { message: 'the server did not connect to its own broker' });
});
afterAll(async () => {
  await app?.stop();
  await influxd?.stop();
});

const status = (seq: number, state: string) => JSON.stringify({ seq, ts: Date.now(), state });
const device = (id: string, clientId: string, extra: mqtt.IClientOptions = {}) =>
  mqtt.connectAsync(app.mqttUrl, { username: id, password: secrets[id], clientId, reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, ...extra });

async function metric(line: string): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  const esc = line.replace(/[{}"\\.=]/g, (c) => `\\${c}`);
  const m = new RegExp(`^${esc} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}
const refused = (reason: string) => metric(`ioc_broker_refused_total{reason="${reason}"}`);
const guarded = (reason: string) => metric(`ioc_broker_connections_refused_total{reason="${reason}"}`);
const openPublic = () => metric('ioc_broker_connections{listener="public"}');

/** A raw TCP socket to the public listener; resolves once connected. */
function raw(): Promise<net.Socket & { closedAt: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1') as net.Socket & { closedAt: Promise<number> };
    s.closedAt = new Promise((r) => s.once('close', () => r(performance.now())));
    s.on('error', () => undefined); // EPIPE / ECONNRESET once the server closes it: expected
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

describe('client ids: one owner each', () => {
  it('refuses a device taking the server\'s client id; the server stays connected and fed', async () => {
    const serverId = app.config.MQTT_CLIENT_ID!;
    const before = await refused('client_id');
    await expect(device('bs-cam-1', serverId, { clean: false })).rejects.toThrow(/identifier rejected/i);
    await expect(device('bs-cam-1', serverId, { clean: true })).rejects.toThrow(/identifier rejected/i);
    expect(await refused('client_id')).toBe(before + 2);
    // QoS 0 is not queued for an offline session: it reaches the server only if the server's
    // own connection was never cut by the attempts above.
    const cam = await device('bs-cam-2', 'bs-cam-2');
    await cam.publishAsync(topics.cameraStatus('bs-cam-2'), status(1, 'degraded'), { qos: 0 });
    await waitFor(() => app.registry.cameras.get('bs-cam-2')?.state === 'degraded', { message: 'the server no longer receives after the takeover attempt' });
    expect((await app.healthReport()).broker.connected).toBe(true);
    await cam.endAsync();
  });

  it('refuses a client id that is not the device id or `<deviceId>-…`, accepts those that are', async () => {
    const before = await refused('client_id');
    const wrong = ['bs-cam-2', 'bs-cam-10', 'bs-cam', 'mqttjs_1a2b3c', 'sim-abc-bs-cam-1', 'bs-cam-1-a', 'bs-cam-1-a-x'];
    for (const clientId of wrong) await expect(device('bs-cam-1', clientId), clientId).rejects.toThrow(/identifier rejected/i);
    // An empty id (the broker would make one up) is no id of the device either.
    await expect(device('bs-cam-1', '', { clean: true })).rejects.toThrow(/identifier rejected/i);
    expect(await refused('client_id')).toBe(before + wrong.length + 1);
    expect(await refused('bad_credentials')).toBe(0);

    for (const [id, clientId] of [['bs-cam-1', 'bs-cam-1'], ['bs-cam-1', 'bs-cam-1-boot-7'], ['bs-cam-1-a', 'bs-cam-1-a'], ['bs-cam-1-a', 'bs-cam-1-a-2']] as const) {
      const c = await device(id, clientId);
      await c.publishAsync(topics.cameraStatus(id), status(2, 'online'), { qos: 1 });
      await c.endAsync();
    }
    expect(await refused('client_id')).toBe(before + wrong.length + 1);
  });
});

describe('socket limits before aedes', () => {
  it('refuses a 10 MB CONNECT from its header, before authentication, with flat memory', async () => {
    const TOTAL = 10 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    const send = async () => {
      const s = await raw();
      // CONNECT, remaining length 10,485,760 (0x80 0x80 0x80 0x05), then the "body".
      let sent = 0;
      let closed = false;
      void s.closedAt.then(() => (closed = true));
      s.write(Buffer.from([0x10, 0x80, 0x80, 0x80, 0x05]));
      while (sent < TOTAL && !closed && !s.destroyed) {
        await new Promise<void>((r) => s.write(chunk, () => r()));
        sent += chunk.length;
      }
      await s.closedAt;
      return { sent, written: s.bytesWritten, closed };
    };
    await send(); // warm-up: lazily loaded code and buffers are not counted below
    const before = { refused: await guarded('connect_too_large'), bytes: await metric('ioc_broker_refused_read_bytes_sum'), count: await metric('ioc_broker_refused_read_bytes_count') };
    const creds = await refused('bad_credentials');
    const mem0 = process.memoryUsage();
    const r = await send();
    const mem1 = process.memoryUsage();

    expect(r.closed).toBe(true);
    expect(r.sent).toBeLessThan(TOTAL);
    expect(await guarded('connect_too_large')).toBe(before.refused + 1);
    expect(await metric('ioc_broker_refused_read_bytes_count')).toBe(before.count + 1);
    const readByServer = (await metric('ioc_broker_refused_read_bytes_sum')) - before.bytes;
    expect(readByServer).toBeGreaterThanOrEqual(5);
    expect(readByServer).toBeLessThanOrEqual(MAX_CONNECT);
    // Never reached authentication.
    expect(await refused('bad_credentials')).toBe(creds);
    const growth = { rss: mem1.rss - mem0.rss, arrayBuffers: mem1.arrayBuffers - mem0.arrayBuffers };
    expect(growth.arrayBuffers).toBeLessThan(2 * 1024 * 1024);
    expect(growth.rss).toBeLessThan(4 * 1024 * 1024);
    console.info(`10 MB CONNECT: server read ${readByServer} B before refusing; client got ${r.written} B into the socket before it was closed; RSS ${(growth.rss / 1024).toFixed(0)} kB, arrayBuffers ${(growth.arrayBuffers / 1024).toFixed(0)} kB`);
  });

  it('cuts a device whose later packet announces more than MQTT_MAX_PACKET_BYTES; takes one under it', async () => {
    const max = app.config.MQTT_MAX_PACKET_BYTES;
    const before = await guarded('packet_too_large');
    const cam = await device('bs-cam-2', 'bs-cam-2-big');
    // Under the limit (and over MAX_PAYLOAD_BYTES): the broker passes it, the ingest refuses it.
    await cam.publishAsync(topics.cameraStatus('bs-cam-2'), Buffer.alloc(app.config.MAX_PAYLOAD_BYTES + 10, 0x20), { qos: 1 });
    expect(cam.connected).toBe(true);
    const closed = new Promise<void>((r) => cam.once('close', () => r()));
    cam.publish(topics.cameraStatus('bs-cam-2'), Buffer.alloc(max + 1, 0x20), { qos: 1 });
    await closed;
    expect(await guarded('packet_too_large')).toBe(before + 1);
    await cam.endAsync(true);
  });

  it('refuses a first packet that is not a CONNECT', async () => {
    const before = await guarded('not_connect');
    const s = await raw();
    s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await s.closedAt;
    expect(await guarded('not_connect')).toBe(before + 1);
  });

  it('closes a connection that sends no CONNECT, or not all of it, at the deadline', async () => {
    const before = await guarded('connect_timeout');
    const silent = await raw();
    const partial = await raw();
    const t0 = performance.now();
    // A CONNECT announcing 100 bytes, of which 10 come (a slowloris).
    partial.write(Buffer.concat([Buffer.from([0x10, 100]), Buffer.alloc(10)]));
    const [a, b] = await Promise.all([silent.closedAt, partial.closedAt]);
    for (const at of [a, b]) {
      expect(at - t0).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
      expect(at - t0).toBeLessThan(DEADLINE_MS + 3000);
    }
    expect(await guarded('connect_timeout')).toBe(before + 2);
    // A device that connects properly is not cut at the deadline.
    const cam = await device('bs-cam-2', 'bs-cam-2-deadline');
    await new Promise((r) => setTimeout(r, DEADLINE_MS + 300));
    expect(cam.connected).toBe(true);
    await cam.endAsync();
  });

  it(`caps connections from one address at ${CAP}: one more is closed at once`, async () => {
    await waitFor(async () => (await openPublic()) === 0, { message: 'connections of earlier tests still open' });
    const before = await guarded('too_many_connections');
    const held = [await device('bs-cam-1', 'bs-cam-1-c0'), await device('bs-cam-1', 'bs-cam-1-c1'), await device('bs-cam-2', 'bs-cam-2-c2')];
    const idle = await raw();
    expect(await openPublic()).toBe(CAP);
    const t0 = performance.now();
    const extra = await raw();
    const closedAfter = (await extra.closedAt) - t0;
    expect(closedAfter).toBeLessThan(DEADLINE_MS / 2);
    expect(await guarded('too_many_connections')).toBe(before + 1);
    // A device with good credentials gets no further, and those connected stay connected.
    const outcome = await new Promise<string>((resolve) => {
      const c = mqtt.connect(app.mqttUrl, { username: 'bs-cam-2', password: secrets['bs-cam-2'], clientId: 'bs-cam-2-c4', reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4 });
      c.on('connect', () => resolve('connected'));
      c.on('close', () => resolve('closed'));
      c.on('error', () => resolve('closed'));
    });
    expect(outcome).toBe('closed');
    expect(await guarded('too_many_connections')).toBe(before + 2);
    expect(held.every((c) => c.connected)).toBe(true);
    // One leaves: room for one more.
    idle.destroy();
    await waitFor(async () => (await openPublic()) === CAP - 1);
    const next = await device('bs-cam-2', 'bs-cam-2-c4');
    expect(next.connected).toBe(true);
    await Promise.all([...held, next].map((c) => c.endAsync()));
  });
});
