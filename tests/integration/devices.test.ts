/**
 * Devices must prove who they are (issue #6). On the embedded broker: a wrong
 * secret is refused at connect, a camera publishing under another camera's id
 * is refused and counted, nobody but the server subscribes; MQTT over TLS
 * and HTTPS by configuration. Mosquitto with our shipped ACL behaves the
 * same (tests/unit/compose.test.ts checks the rest of that ACL).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../contract/index.js';
import { databaseWithDevices, withDevices } from '../harness/accounts.js';
import { EMBEDDED_BROKER, startTestApp, type TestApp } from '../harness/app.js';
import { startTestInfluxd } from '../harness/influxd.js';
import { forFile } from '../harness/stack.js';
import { ROOT } from '../../contract/root.js';
import { startMosquitto } from '../harness/mosquitto.js';
import { findBinary } from '../../scripts/ensure-deps.mjs';
import { requireService } from '../harness/services.js';
import { waitFor } from '../harness/wait.js';

const EMBEDDED = EMBEDDED_BROKER;
const influxd = forFile(startTestInfluxd, (i) => i.stop());

const status = (seq: number, state = 'online') => JSON.stringify({ seq, ts: Date.now(), state });
// A device's client id is its id (or `<id>-…`): the embedded broker refuses any other (broker-security.test.ts).
const connect = (url: string, username?: string, password?: string, extra: mqtt.IClientOptions = {}) =>
  mqtt.connectAsync(url, { ...(username ? { username, password, clientId: username } : {}), reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, ...extra });

async function refused(app: TestApp, reason: string): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  return Number(new RegExp(`^ioc_broker_refused_total\\{reason="${reason}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
}

describe('embedded broker with device auth (default)', () => {
  let app: TestApp;
  const secrets: Record<string, string> = {};

  beforeAll(async () => {
    // Registered before the server starts (npm run users -- device-add), so loaded at its start.
    const db = await databaseWithDevices([
      { id: 'tt-cam-1', kind: 'camera' },
      { id: 'tt-cam-2', kind: 'camera' },
    ]);
    Object.assign(secrets, db.secrets);
    app = await startTestApp({ mqttUrl: '', influxUrl: influxd().url, env: { ...EMBEDDED, DATABASE_URL: db.url } });
    await waitFor(async () => (await app.healthReport()).broker.connected, { message: 'the server did not connect to its own broker' });
  });
  afterAll(async () => app?.stop());

  it('refuses anonymous clients and wrong secrets at connect, and counts them', async () => {
    const before = await refused(app, 'bad_credentials');
    await expect(connect(app.mqttUrl)).rejects.toThrow(/bad user|not authori[sz]ed/i);
    await expect(connect(app.mqttUrl, 'tt-cam-1', 'wrong-secret')).rejects.toThrow(/bad user|not authori[sz]ed/i);
    await expect(connect(app.mqttUrl, 'tt-cam-1', secrets['tt-cam-2'])).rejects.toThrow(/bad user|not authori[sz]ed/i);
    // The server's own identity cannot be guessed either.
    await expect(connect(app.mqttUrl, 'ioc-server', 'guess')).rejects.toThrow(/bad user|not authori[sz]ed/i);
    expect(await refused(app, 'bad_credentials')).toBe(before + 4);
  });

  it('takes a camera\'s own status, refuses and counts it speaking for another camera', async () => {
    const cam = await connect(app.mqttUrl, 'tt-cam-1', secrets['tt-cam-1']);
    await cam.publishAsync(topics.cameraStatus('tt-cam-1'), status(1, 'degraded'), { qos: 1 });
    await waitFor(() => app.registry.cameras.get('tt-cam-1')?.state === 'degraded', { message: 'own status not ingested' });
    const before = await refused(app, 'foreign_topic');
    const closed = new Promise<void>((r) => cam.once('close', () => r()));
    cam.publish(topics.cameraStatus('tt-cam-2'), status(2, 'offline'), { qos: 1 });
    // aedes disconnects a client whose publish it refuses.
    await closed;
    expect(await refused(app, 'foreign_topic')).toBe(before + 1);
    expect(app.registry.cameras.get('tt-cam-2')?.state).not.toBe('offline');
    // Not even another kind under its own id.
    const again = await connect(app.mqttUrl, 'tt-cam-1', secrets['tt-cam-1']);
    const closed2 = new Promise<void>((r) => again.once('close', () => r()));
    again.publish(topics.incidentReport('tt-cam-1'), '{}', { qos: 1 });
    await closed2;
    expect(await refused(app, 'foreign_topic')).toBe(before + 2);
    await again.endAsync(true);
  });

  it('lets no device subscribe to the feeds', async () => {
    const cam = await connect(app.mqttUrl, 'tt-cam-2', secrets['tt-cam-2']);
    const before = await refused(app, 'subscribe');
    // SUBACK 0x80 (failure) for each topic; mqtt.js turns it into an error. The device stays connected.
    await expect(cam.subscribeAsync('ioc/v1/#', { qos: 1 })).rejects.toThrow(/subscribe error/i);
    await expect(cam.subscribeAsync(topics.cameraStatus('tt-cam-2'), { qos: 0 })).rejects.toThrow(/subscribe error/i);
    expect(cam.connected).toBe(true);
    expect(await refused(app, 'subscribe')).toBe(before + 2);
    await cam.endAsync();
  });
});

describe('MQTT over TLS and HTTPS (by configuration)', () => {
  let app: TestApp;
  let dir: string;
  let cert: Buffer;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
    cert = fs.readFileSync(path.join(dir, 'cert.pem'));
    const pem = { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') };
    app = await startTestApp({ mqttUrl: '', influxUrl: influxd().url, env: { ...EMBEDDED, MQTT_TLS_CERT: pem.cert, MQTT_TLS_KEY: pem.key, HTTPS_CERT: pem.cert, HTTPS_KEY: pem.key } }).catch((err: Error) => {
      throw new Error(`app with TLS did not start: ${err.message}`);
    });
  });
  afterAll(async () => {
    await app?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves mqtts to devices while the server uses its loopback listener', async () => {
    expect(app.mqttUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    await waitFor(async () => (await app.healthReport()).broker.connected, { message: 'server not connected to its broker under TLS' });
    // Added while the server runs, as the CLI does: the server hears of it within a second (LISTEN/NOTIFY).
    const secret = await withDevices(app.config.DATABASE_URL!, (reg) => reg.add('tt-cam-3', 'camera'));
    const cam = await waitFor(() => connect(app.mqttUrl, 'tt-cam-3', secret, { ca: cert, rejectUnauthorized: true }), { timeoutMs: 2000, message: 'a device added by another process was not accepted within 2 s' });
    await cam.publishAsync(topics.cameraStatus('tt-cam-3'), status(1, 'degraded'), { qos: 1 });
    await waitFor(() => app.registry.cameras.get('tt-cam-3')?.state === 'degraded', { message: 'status over mqtts not ingested' });
    await cam.endAsync();
    // Plain MQTT on the TLS port goes nowhere.
    const plain = await new Promise<string>((resolve) => {
      const c = mqtt.connect(app.mqttUrl.replace('mqtts:', 'mqtt:'), { username: 'tt-cam-3', password: secret, reconnectPeriod: 0, connectTimeout: 3000, protocolVersion: 4 });
      c.on('connect', () => resolve('connected'));
      c.on('close', () => resolve('closed'));
      c.on('error', () => resolve('closed'));
    });
    expect(plain).toBe('closed');
  });

  it('serves the API over HTTPS with HSTS', async () => {
    expect(app.url).toMatch(/^https:/);
    const res = await new Promise<{ status: number; hsts: string | undefined }>((resolve, reject) =>
      https.get(`${app.url}/api/health`, { ca: cert }, (r) => {
        r.resume();
        resolve({ status: r.statusCode ?? 0, hsts: r.headers['strict-transport-security'] as string | undefined });
      }).on('error', reject),
    );
    expect(res.status).toBe(200);
    expect(res.hsts).toMatch(/max-age=\d+/);
  });
});

describe('npm start: the demo simulators on the embedded broker', () => {
  it('log in as ioc-simulator with SIM_MQTT_PASSWORD: their devices report, nothing is refused; no other password does', async () => {
    const app = await startTestApp({ mqttUrl: '', influxUrl: influxd().url, env: { ...EMBEDDED, SIMULATORS: 'on', SIM_SEED: '7', SIM_SPEED: '20', SIM_MQTT_PASSWORD: 'sim-pw-devices' } });
    try {
      await waitFor(() => [...app.registry.cameras.values()].some((c) => c.lastSeen !== null), { timeoutMs: 20_000, message: 'no camera status from the simulators' });
      expect(await refused(app, 'bad_credentials')).toBe(0);
      expect(await refused(app, 'foreign_topic')).toBe(0);
      // Their client ids (`sim-<tag>-…`) are theirs (server/broker/auth.ts clientIdOwner).
      expect(await refused(app, 'client_id')).toBe(0);
      await expect(connect(app.localMqttUrl, 'ioc-simulator', 'not-the-password', { clientId: 'sim-guess-0' })).rejects.toThrow(/bad user|not authori[sz]ed/i);
      expect(await refused(app, 'bad_credentials')).toBe(1);
    } finally {
      await app.stop();
    }
  });
});

describe('MQTT_DEVICE_AUTH=off (a lab broker)', () => {
  it('lets anyone connect and publish: the documented trade-off', async () => {
    const app = await startTestApp({ mqttUrl: '', influxUrl: influxd().url, env: { ...EMBEDDED, MQTT_DEVICE_AUTH: 'off' } });
    try {
      const anon = await connect(app.mqttUrl);
      await anon.publishAsync(topics.cameraStatus('tt-cam-2'), status(1, 'degraded'), { qos: 1 });
      await waitFor(() => app.registry.cameras.get('tt-cam-2')?.state === 'degraded');
      await anon.endAsync();
    } finally {
      await app.stop();
    }
  });
});

describe('Mosquitto with the shipped ACL behaves the same', () => {
  it('refuses wrong passwords, drops a camera speaking for another, lets no device read the feeds', async () => {
    const passwdBin = requireService('mosquitto', () => findBinary('mosquitto_passwd'));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-dev-mosq-'));
    const passwd = path.join(dir, 'passwd');
    fs.writeFileSync(passwd, '');
    const PW = { 'ioc-server': 'srv-pw', 'tt-cam-1': 'cam1-pw', 'tt-cam-2': 'cam2-pw' };
    for (const [u, p] of Object.entries(PW)) execFileSync(passwdBin, ['-b', passwd, u, p]);
    const broker = await startMosquitto({ passwordFile: passwd, aclFile: path.join(ROOT, 'docker', 'mosquitto', 'acl') });
    const app = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd().url, env: { MQTT_USERNAME: 'ioc-server', MQTT_PASSWORD: PW['ioc-server'] } });
    try {
      await waitFor(async () => (await app.healthReport()).broker.connected);
      await expect(connect(broker.url, 'tt-cam-1', 'wrong')).rejects.toThrow(/bad user|not authori[sz]ed/i);
      const cam1 = await connect(broker.url, 'tt-cam-1', PW['tt-cam-1']);
      const seen: string[] = [];
      cam1.on('message', (t) => seen.push(t));
      await cam1.subscribeAsync('ioc/v1/#', { qos: 1 });
      // Forged first, then its own: once its own arrived, the forged one would have too.
      await cam1.publishAsync(topics.cameraStatus('tt-cam-2'), status(1, 'offline'), { qos: 1 });
      await cam1.publishAsync(topics.cameraStatus('tt-cam-1'), status(2, 'degraded'), { qos: 1 });
      await waitFor(() => app.registry.cameras.get('tt-cam-1')?.state === 'degraded', { message: 'own status not delivered through Mosquitto' });
      expect(app.registry.cameras.get('tt-cam-2')?.state).not.toBe('offline');
      const cam2 = await connect(broker.url, 'tt-cam-2', PW['tt-cam-2']);
      await cam2.publishAsync(topics.cameraStatus('tt-cam-2'), status(3, 'degraded'), { qos: 1 });
      await waitFor(() => app.registry.cameras.get('tt-cam-2')?.state === 'degraded');
      expect(seen).toEqual([]);
      await Promise.all([cam1.endAsync(), cam2.endAsync()]);
    } finally {
      await app.stop();
      await broker.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
