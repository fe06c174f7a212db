/**
 * Load mode: N msg/s in total across M synthetic devices (load-cam-000123, load-bs-000045)
 * for S seconds, QoS 1, with a bounded in-flight window. Measures what the broker and
 * the ingest behind it sustain; payloads are valid contract messages with per-device seq.
 * Not retained: a load run must not leave thousands of retained statuses behind.
 */
import type pino from 'pino';
import { topics, type JsonMessageKind } from '../contract/topics.js';
import type { LngLat } from '../contract/domain.js';
import { createRng } from './rng.js';
import { connect, PublishWindow, type ConnectOptions } from './transport.js';
import type { MqttClient } from 'mqtt';

export interface LoadOptions {
  mqttUrl: string;
  rate: number;
  devices: number;
  durationS: number;
  window?: number;
  connections?: number;
  username?: string;
  password?: string;
  protocolVersion?: 3 | 4 | 5;
  center?: LngLat;
  seed?: number;
  logger: pino.Logger;
  onProgress?: (p: LoadProgress) => void;
}
export interface LoadProgress {
  elapsedS: number;
  sent: number;
  acked: number;
  errors: number;
  inflight: number;
  /** Acked messages per second over the last progress interval. */
  rate: number;
}
export interface LoadSummary {
  sent: number;
  acked: number;
  errors: number;
  devices: number;
  connections: number;
  window: number;
  durationS: number;
  targetRate: number;
  achievedRate: number;
  ackLatencyMs: { p50: number; p95: number; p99: number; max: number };
}

export const loadDeviceId = (i: number, cameras: number) => (i < cameras ? `load-cam-${String(i).padStart(6, '0')}` : `load-bs-${String(i - cameras).padStart(6, '0')}`);

/** Builds the i-th message: device i % M; cameras alternate detections with a status every 10th message. */
export function createLoadMessages(devices: number, center: LngLat = [108.988, 11.565], seed = 1) {
  const cameras = Math.ceil(devices * 0.7);
  const seqs = new Uint32Array(devices);
  const rng = createRng(seed, 'load');
  const kinds = ['red_light', 'speeding', 'no_helmet', 'congestion', 'illegal_parking'] as const;
  return (i: number, ts: number): { topic: string; payload: Record<string, unknown>; kind: JsonMessageKind } => {
    const d = i % devices;
    const seq = ++seqs[d]!;
    const id = loadDeviceId(d, cameras);
    if (d >= cameras) {
      const load = Math.round(rng.uniform(5, 95));
      return { kind: 'stationStatus', topic: topics.stationStatus(id), payload: { seq, ts, state: 'up', power: 'mains', batteryPct: 100, backhaul: 'up', loadPct: load, rsrpDbm: Math.round(rng.uniform(-110, -70)), sinrDb: Math.round(rng.uniform(0, 25)), activeUsers: load * 8 } };
    }
    if (seq % 10 === 1) return { kind: 'cameraStatus', topic: topics.cameraStatus(id), payload: { seq, ts, state: 'online', fps: 25, bitrateKbps: 4000, uptimeS: seq } };
    const kind = kinds[seq % kinds.length]!;
    const payload: Record<string, unknown> = { seq, ts, kind, confidence: 0.9, lat: center[1] + rng.uniform(-0.03, 0.03), lon: center[0] + rng.uniform(-0.03, 0.03) };
    if (kind === 'speeding') Object.assign(payload, { speedKmh: 80, limitKmh: 50 });
    if (kind === 'congestion') payload.queueLengthM = 150;
    return { kind: 'cameraDetection', topic: topics.cameraDetection(id), payload };
  };
}

const pct = (sorted: number[], p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);

export async function runLoad(o: LoadOptions): Promise<LoadSummary> {
  if (!(o.rate > 0 && o.devices > 0 && o.durationS > 0)) throw new Error('load mode needs --rate, --devices and --duration > 0');
  const window = o.window ?? 256;
  const nConn = Math.max(1, Math.min(o.connections ?? 4, o.devices));
  const co: ConnectOptions = { mqttUrl: o.mqttUrl, username: o.username, password: o.password, protocolVersion: o.protocolVersion, logger: o.logger };
  const tag = Math.random().toString(16).slice(2, 8);
  const clients: MqttClient[] = [];
  try {
    for (let i = 0; i < nConn; i++) clients.push(await connect(`sim-load-${tag}-${i}`, co));
  } catch (err) {
    await Promise.allSettled(clients.map((c) => c.endAsync()));
    throw err;
  }
  const next = createLoadMessages(o.devices, o.center, o.seed);
  const win = new PublishWindow(window);
  const latencies: number[] = [];
  let sent = 0;
  let acked = 0;
  let errors = 0;
  const start = performance.now();
  let lastAcked = 0;
  const progress = setInterval(() => {
    o.onProgress?.({ elapsedS: Math.round((performance.now() - start) / 100) / 10, sent, acked, errors, inflight: win.inflight, rate: acked - lastAcked });
    lastAcked = acked;
  }, 1000);
  try {
    const total = Math.round(o.rate * o.durationS);
    while (sent < total) {
      const due = Math.min(Math.floor((o.rate * (performance.now() - start)) / 1000), total);
      if (sent >= due) {
        await new Promise((r) => setTimeout(r, 2));
        continue;
      }
      while (sent < due) {
        await win.acquire();
        const m = next(sent, Date.now());
        // Same device → same connection, so each device's messages stay in order.
        const client = clients[(sent % o.devices) % nConn]!;
        const t0 = performance.now();
        sent++;
        client
          .publishAsync(m.topic, JSON.stringify(m.payload), { qos: 1 })
          .then(() => {
            acked++;
            latencies.push(performance.now() - t0);
          })
          .catch((err: Error) => {
            if (errors++ < 5) o.logger.warn({ err: err.message }, 'load publish failed');
          })
          .finally(() => win.release());
      }
    }
    await win.drain();
  } finally {
    clearInterval(progress);
    await Promise.allSettled(clients.map((c) => c.endAsync()));
  }
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const r2 = (v: number) => Math.round(v * 100) / 100;
  return {
    sent, acked, errors, devices: o.devices, connections: nConn, window, durationS: r2(elapsed), targetRate: o.rate, achievedRate: r2(acked / elapsed),
    ackLatencyMs: { p50: r2(pct(latencies, 50)), p95: r2(pct(latencies, 95)), p99: r2(pct(latencies, 99)), max: r2(latencies.at(-1) ?? 0) },
  };
}
