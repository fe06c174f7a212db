/**
 * Every feed of our own tree against Mosquitto and influxd: a valid message of
 * each kind lands in InfluxDB (queried back) and in the registry; each class
 * of invalid input is rejected with its reason, counted, and the pipeline goes on.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { topics } from '../../contract/index.js';
import { startAppStack, type AppStack } from '../harness/stack.js';
import type { TestApp } from '../harness/app.js';
import { waitFor } from '../harness/wait.js';

let stack: AppStack;
let app: TestApp;
let dev: MqttClient;
const ts = Date.now();

beforeAll(async () => {
  stack = await startAppStack();
  ({ app, dev } = stack);
  return stack.stop;
});

const pub = (topic: string, body: unknown) => dev.publishAsync(topic, typeof body === 'string' ? body : JSON.stringify(body), { qos: 1 });
const rows = async (q: string) => [...(await app.influx.query<Record<string, unknown>>(q))]; // a plain array: the client adds group helpers

describe('each feed, valid', () => {
  it('lands in InfluxDB and the registry', async () => {
    await pub(topics.cameraStatus('tt-cam-4'), { seq: 1, ts, state: 'online', fps: 30, bitrateKbps: 4000, uptimeS: 3600 });
    await pub(topics.cameraDetection('tt-cam-4'), { seq: 2, ts, kind: 'congestion', confidence: 0.8, lat: 10.008, lon: 106.015, queueLengthM: 420, lane: 2 });
    await pub(topics.cameraDetection('tt-cam-4'), { seq: 3, ts: ts + 1, kind: 'speeding', confidence: 0.99, lat: 10.008, lon: 106.015, speedKmh: 97, limitKmh: 60, plate: '85B1-234.56' });
    await pub(topics.incidentReport('patrol-07'), { seq: 1, ts, channel: 'patrol', type: 'crime', severity: 'minor', lat: 10.0069, lon: 106.0163, description: 'Tụ tập gây rối', reporter: 'Tổ tuần tra 07' });
    await pub(topics.stationStatus('tt-bs-c2'), { seq: 1, ts, state: 'degraded', power: 'battery', batteryPct: 41, backhaul: 'up', loadPct: 77, rsrpDbm: -101, sinrDb: 7, activeUsers: 312 });
    await pub(topics.linkStatus('tt-bb-1'), { seq: 1, ts, state: 'up', latencyMs: 3.2, lossPct: 0 });

    await waitFor(() => app.health.stats('cameras').messages === 3 && app.health.stats('telecom').messages === 2 && app.health.stats('incidents').messages === 1);
    expect(app.registry.cameras.get('tt-cam-4')).toMatchObject({ state: 'online', fps: 30, bitrateKbps: 4000 });
    expect(app.registry.stations.get('tt-bs-c2')).toMatchObject({ state: 'degraded', power: 'battery', batteryPct: 41, loadPct: 77 });
    expect(app.registry.links.get('tt-bb-1')).toMatchObject({ state: 'up', latencyMs: 3.2 });

    await app.writer.flush();
    const recent = 'time > now() - 1h';
    expect(await rows(`SELECT * FROM camera_status WHERE ${recent}`)).toEqual([expect.objectContaining({ camera: 'tt-cam-4', state: 'online', uptime_s: 3600, ward: 'tt-b' })]);
    const det = await rows(`SELECT * FROM detection WHERE ${recent} ORDER BY time`);
    expect(det).toEqual([
      expect.objectContaining({ kind: 'congestion', queue_m: 420, lane: 2, road: 'tt-cross' }),
      expect.objectContaining({ kind: 'speeding', speed_kmh: 97, limit_kmh: 60, plate: '85B1-234.56' }),
    ]);
    expect(await rows(`SELECT * FROM incident_report WHERE ${recent}`)).toEqual([
      expect.objectContaining({ source: 'patrol-07', channel: 'patrol', type: 'crime', ward: 'tt-b', description: 'Tụ tập gây rối' }),
    ]);
    expect(await rows(`SELECT * FROM station_status WHERE ${recent}`)).toEqual([
      expect.objectContaining({ station: 'tt-bs-c2', operator: expect.any(String), ward: 'tt-c', battery_pct: 41, active_users: 312, power: 'battery' }),
    ]);
    expect(await rows(`SELECT * FROM link_status WHERE ${recent}`)).toEqual([expect.objectContaining({ link: 'tt-bb-1', latency_ms: 3.2, loss_pct: 0 })]);
  });
});

describe('each feed, invalid', () => {
  it('is rejected with its reason per feed, counted, and the pipeline goes on', async () => {
    const cases: [string, unknown, string, string][] = [
      [topics.cameraStatus('tt-cam-5'), '{"seq":', 'cameras', 'bad_json'],
      [topics.cameraStatus('tt-cam-5'), { seq: 1, ts, state: 'on fire' }, 'cameras', 'schema'],
      [topics.cameraDetection('tt-cam-5'), { seq: 1, ts, kind: 'congestion', confidence: 0.5, lat: 10, lon: 106 }, 'cameras', 'schema'],
      [topics.cameraDetection('tt-cam-5'), { seq: 1, ts: ts + 7 * 86_400_000, kind: 'accident', confidence: 1, lat: 10, lon: 106 }, 'cameras', 'future_timestamp'],
      [topics.incidentReport('hotline-113'), { seq: 1, ts, channel: 'hotline_113', type: 'crime', severity: 'urgent', address: 'x', description: 'y' }, 'incidents', 'schema'],
      [topics.incidentReport('hotline-113'), 'x'.repeat(70_000), 'incidents', 'oversize'],
      [topics.stationStatus('tt-bs-a1'), { seq: 1, ts, state: 'up', power: 'solar', backhaul: 'up' }, 'telecom', 'schema'],
      [topics.stationStatus('tt-bs-a1'), { seq: 1, ts, state: 'up', power: 'mains', backhaul: 'up', batteryPct: 140 }, 'telecom', 'schema'],
      [topics.linkStatus('tt-fo-a'), [1, 2], 'telecom', 'schema'],
      [topics.linkStatus('tt-fo-a'), '', 'telecom', 'bad_json'],
    ];
    for (const [topic, body] of cases) await pub(topic, body);
    const expected = new Map<string, number>();
    for (const [, , feed, reason] of cases) expected.set(`${feed}/${reason}`, (expected.get(`${feed}/${reason}`) ?? 0) + 1);
    const counted = async () => {
      const m = await app.metrics.rejects.get();
      return new Map(m.values.map((v) => [`${v.labels.feed}/${v.labels.reason}`, v.value]));
    };
    await waitFor(async () => (await counted()).size === expected.size);
    expect(await counted()).toEqual(expected);
    const res = (await (await fetch(`${app.url}/api/feeds/health`, { headers: await app.headers() })).json()) as { deadLetters: { reason: string; detail: string }[] };
    expect(res.deadLetters).toHaveLength(cases.length);
    expect(res.deadLetters.find((d) => d.detail.includes('batteryPct'))).toBeDefined();

    await pub(topics.linkStatus('tt-fo-a'), { seq: 1, ts, state: 'down' });
    await waitFor(() => app.registry.links.get('tt-fo-a')?.state === 'down');
  });
});
