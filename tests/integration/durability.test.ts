/**
 * Nothing lost: a stream of QoS 1 messages through Mosquitto ends up in
 * InfluxDB exactly once (a) while influxd is stopped and restarted in the
 * middle, and (b) while the server itself is restarted in the middle.
 * "Exactly once" is checked per device by sequence number.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { topics } from '../../contract/index.js';
import { startInfluxd, type InfluxdHandle } from '../../server/influx/influxd.js';
import { startMosquitto, type TestMosquitto } from '../harness/mosquitto.js';
import { freePort } from '../harness/ports.js';
import { startTestApp, type TestApp } from '../harness/app.js';
import { waitFor } from '../harness/wait.js';

const DEVICES = 10;
const PER_DEVICE = 300;

/** Publishes PER_DEVICE detections for each device, QoS 1, with a bounded window; calls `midway` halfway. */
async function publishStream(url: string, midway: () => Promise<void>): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId: `stream-${Date.now()}`, protocolVersion: 4 });
  const base = Date.now() - 60_000;
  for (let seq = 1; seq <= PER_DEVICE; seq++) {
    const batch: Promise<unknown>[] = [];
    for (let d = 0; d < DEVICES; d++) {
      const payload = { seq, ts: base + seq * 10, kind: 'red_light', confidence: 0.9, lat: 11.56, lon: 108.98 };
      batch.push(client.publishAsync(topics.cameraDetection(`dur-cam-${d}`), JSON.stringify(payload), { qos: 1 }));
    }
    await Promise.all(batch);
    if (seq === PER_DEVICE / 2) await midway();
  }
  await client.endAsync();
}

async function seqsPerDevice(app: TestApp): Promise<Map<string, number[]>> {
  const rows = await app.influx.query<{ camera: string; seq: number }>(`SELECT seq, camera FROM detection WHERE time > now() - 1h`);
  const m = new Map<string, number[]>();
  for (const r of rows) m.set(r.camera, [...(m.get(r.camera) ?? []), r.seq]);
  return m;
}

function expectExactlyOnce(m: Map<string, number[]>): void {
  expect(m.size).toBe(DEVICES);
  for (const [camera, seqs] of m) {
    const sorted = [...seqs].sort((a, b) => a - b);
    expect(sorted, camera).toEqual(Array.from({ length: PER_DEVICE }, (_, i) => i + 1));
  }
}

let mosquitto: TestMosquitto;
let influxDir: string;
let influxPort: number;
let influxd: InfluxdHandle;
const quiet = pino({ level: 'silent' });

beforeAll(async () => {
  mosquitto = await startMosquitto();
  influxDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-dur-influx-'));
  influxPort = await freePort();
  influxd = await startInfluxd({ dataDir: influxDir, httpPort: influxPort, rpcPort: await freePort(), logger: quiet });
});
afterAll(async () => {
  await influxd?.stop();
  await mosquitto?.stop();
  fs.rmSync(influxDir, { recursive: true, force: true });
});

describe('nothing lost', () => {
  it('keeps every message while InfluxDB is stopped and restarted mid-stream', async () => {
    const app = await startTestApp({ mqttUrl: mosquitto.url, influxUrl: influxd.url });
    try {
      await publishStream(mosquitto.url, async () => {
        await influxd.stop();
      });
      // InfluxDB is down: everything acknowledged must be waiting in the spool.
      await waitFor(() => app.health.stats('cameras').messages === DEVICES * PER_DEVICE, { timeoutMs: 30_000, message: 'not all messages ingested' });
      expect(app.writer.status().queued).toBeGreaterThan(0);
      const health = await app.healthReport();
      expect(health).toMatchObject({ status: 'degraded', influx: { reachable: false, queued: app.writer.status().queued } });
      expect(health.influx.spoolBytes).toBeGreaterThan(0);
      expect(health.warnings.join(' ')).toMatch(/InfluxDB not reachable.*spool/);

      influxd = await startInfluxd({ dataDir: influxDir, httpPort: influxPort, rpcPort: await freePort(), logger: quiet });
      await app.writer.flush(60_000);
      expectExactlyOnce(await seqsPerDevice(app));
      expect(app.health.stats('cameras').seq.gaps).toBe(0);
    } finally {
      await app.stop();
    }
  });

  it('keeps every message while the server is restarted mid-stream', async () => {
    const env = {
      INFLUX_DATABASE: `ioc_restart_${process.pid}`,
      MQTT_CLIENT_ID: `ioc-restart-${process.pid}`,
      SPOOL_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-dur-spool-')),
    };
    let app = await startTestApp({ mqttUrl: mosquitto.url, influxUrl: influxd.url, env });
    try {
      await publishStream(mosquitto.url, async () => {
        await app.stop();
        // The broker holds QoS 1 messages for the persistent session meanwhile.
        app = await startTestApp({ mqttUrl: mosquitto.url, influxUrl: influxd.url, env });
      });
      await waitFor(async () => {
        await app.writer.flush(30_000);
        const m = await seqsPerDevice(app);
        return [...m.values()].reduce((n, s) => n + s.length, 0) === DEVICES * PER_DEVICE;
      }, { timeoutMs: 60_000, message: 'not every message reached InfluxDB' });
      expectExactlyOnce(await seqsPerDevice(app));
    } finally {
      await app.stop();
      fs.rmSync(env.SPOOL_DIR, { recursive: true, force: true });
    }
  });
});
