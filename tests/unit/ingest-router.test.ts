import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { EventBus, type BusEvents } from '../../server/bus.js';
import { FeedHealthTracker } from '../../server/ingest/health.js';
import { IngestRouter } from '../../server/ingest/router.js';
import { createMetrics } from '../../server/metrics.js';
import { topics } from '../../contract/index.js';

const NOW = Date.UTC(2026, 10, 23, 1, 0, 0);

function setup() {
  const log = pino({ level: 'silent' });
  const bus = new EventBus(log);
  const health = new FeedHealthTracker(5, () => NOW);
  const metrics = createMetrics();
  const router = new IngestRouter({ bus, health, metrics, log, maxPayloadBytes: 1024, maxFutureSkewMs: 60_000, now: () => NOW });
  const seen: { name: keyof BusEvents; event: unknown }[] = [];
  for (const name of ['camera.status', 'camera.detection', 'incident.report', 'station.status', 'link.status'] as const) {
    bus.on(name, 'test', (event) => seen.push({ name, event }));
  }
  const send = (topic: string, body: unknown) => router.handle(topic, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));
  const rejects = async () => {
    const m = await metrics.rejects.get();
    return Object.fromEntries(m.values.map((v) => [`${v.labels.feed}/${v.labels.reason}`, v.value]));
  };
  return { router, health, metrics, seen, send, rejects };
}

describe('IngestRouter', () => {
  it('turns each valid message kind into its bus event', () => {
    const { seen, send } = setup();
    send(topics.cameraStatus('cam-1'), { seq: 1, ts: NOW, state: 'online', fps: 25 });
    send(topics.cameraDetection('cam-1'), { seq: 2, ts: NOW, kind: 'speeding', confidence: 0.9, lat: 11.56, lon: 108.98, speedKmh: 82, limitKmh: 50 });
    send(topics.incidentReport('hotline-115'), { seq: 1, ts: NOW, channel: 'hotline_115', type: 'medical', severity: 'major', address: '12 Thống Nhất', description: 'người bị ngất' });
    send(topics.stationStatus('vt-001'), { seq: 1, ts: NOW, state: 'up', power: 'battery', batteryPct: 64, backhaul: 'up' });
    send(topics.linkStatus('fb-01'), { seq: 1, ts: NOW, state: 'down' });
    expect(seen.map((s) => s.name)).toEqual(['camera.status', 'camera.detection', 'incident.report', 'station.status', 'link.status']);
    expect(seen[1]!.event).toMatchObject({ id: 'cam-1', payload: { kind: 'speeding', speedKmh: 82 } });
  });

  it('counts accepted messages per feed and kind in ioc_ingest_messages_total, read as often as wanted', async () => {
    const { send, metrics } = setup();
    const counted = async () => {
      const text = await metrics.registry.metrics();
      return text.split('\n').filter((l) => l.startsWith('ioc_ingest_messages_total{')).sort();
    };
    for (let i = 1; i <= 3; i++) send(topics.cameraStatus('cam-1'), { seq: i, ts: NOW, state: 'online' });
    send(topics.linkStatus('fb-01'), { seq: 1, ts: NOW, state: 'up' });
    expect(await counted()).toEqual(['ioc_ingest_messages_total{feed="cameras",kind="cameraStatus"} 3', 'ioc_ingest_messages_total{feed="telecom",kind="linkStatus"} 1']);
    // Counts held back since the last read are added once, not twice.
    expect(await counted()).toEqual(['ioc_ingest_messages_total{feed="cameras",kind="cameraStatus"} 3', 'ioc_ingest_messages_total{feed="telecom",kind="linkStatus"} 1']);
    send(topics.cameraStatus('cam-1'), { seq: 4, ts: NOW, state: 'online' });
    expect(await counted()).toContain('ioc_ingest_messages_total{feed="cameras",kind="cameraStatus"} 4');
  });

  it('rejects each class of bad input with its reason, counts it, and keeps going', async () => {
    const { seen, send, rejects, health } = setup();
    send('ioc/v1/camera/cam-1/unknown', { seq: 1, ts: NOW });
    send('ioc/v1/camera/bad id with spaces/status', { seq: 1, ts: NOW, state: 'online' });
    send(topics.cameraStatus('cam-1'), '{not json');
    send(topics.cameraStatus('cam-1'), { seq: 1, ts: NOW, state: 'sleepy' });
    send(topics.cameraStatus('cam-1'), { seq: 1, ts: NOW, state: 'online', extra: true });
    send(topics.cameraStatus('cam-1'), { seq: 1, ts: NOW + 3_600_000, state: 'online' });
    send(topics.cameraStatus('cam-1'), 'x'.repeat(2000));
    send(topics.cameraDetection('cam-1'), { seq: 1, ts: NOW, kind: 'speeding', confidence: 0.9, lat: 11.5, lon: 108.9 });
    send(topics.incidentReport('citizen-app'), { seq: 1, ts: NOW, channel: 'citizen_app', type: 'fire', severity: 'major', description: 'no place' });
    // and a good one after all that
    send(topics.cameraStatus('cam-1'), { seq: 1, ts: NOW, state: 'online' });

    expect(await rejects()).toEqual({
      'unknown/unknown_topic': 2,
      'cameras/bad_json': 1,
      'cameras/schema': 3,
      'cameras/future_timestamp': 1,
      'cameras/oversize': 1,
      'incidents/schema': 1,
    });
    expect(seen).toHaveLength(1);
    const dead = health.deadLetters();
    expect(dead).toHaveLength(5); // bounded list keeps the newest
    expect(dead[0]!.reason).toBe('schema');
    expect(dead[0]!.detail).toMatch(/lat\+lon or an address/);
  });

  it('ignores duplicates (same device, same seq) and counts gaps per feed', () => {
    const { seen, send, health } = setup();
    const status = (seq: number) => ({ seq, ts: NOW, state: 'online' });
    send(topics.cameraStatus('cam-1'), status(1));
    send(topics.cameraStatus('cam-1'), status(1));
    send(topics.cameraStatus('cam-1'), status(4));
    expect(seen).toHaveLength(2);
    const cams = health.snapshot(() => 0).find((f) => f.feed === 'cameras')!;
    expect(cams).toMatchObject({ messages: 2, duplicates: 1, gaps: 2 });
  });

  it('survives a throwing downstream listener: later listeners and messages still run', () => {
    const { router, send, seen } = setup();
    const bus = (router as unknown as { opts: { bus: EventBus } }).opts.bus;
    bus.on('camera.status', 'broken', () => {
      throw new Error('boom');
    });
    const after: number[] = [];
    bus.on('camera.status', 'after', (e) => after.push(e.payload.seq));
    send(topics.cameraStatus('cam-1'), { seq: 1, ts: NOW, state: 'online' });
    send(topics.cameraStatus('cam-1'), { seq: 2, ts: NOW, state: 'offline' });
    expect(after).toEqual([1, 2]);
    expect(seen).toHaveLength(2);
  });
});

describe('reject logging', () => {
  it('warns once per feed and reason every 10 s, counting what it held back; metrics count all', async () => {
    const lines: { reason?: string; alsoRejectedSinceLastLog?: number }[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => lines.push(JSON.parse(l) as never) });
    let now = NOW;
    const metrics = createMetrics();
    const router = new IngestRouter({ bus: new EventBus(log), health: new FeedHealthTracker(5, () => now), metrics, log, maxPayloadBytes: 1024, maxFutureSkewMs: 60_000, now: () => now });
    for (let i = 0; i < 50; i++) router.handle(topics.cameraStatus('cam-1'), Buffer.from('{bad'));
    router.handle(topics.stationStatus('st-1'), Buffer.from('{bad'));
    expect(lines.map((l) => l.reason)).toEqual(['bad_json', 'bad_json']); // cameras once, telecom once
    now += 10_000;
    router.handle(topics.cameraStatus('cam-1'), Buffer.from('{bad'));
    expect(lines).toHaveLength(3);
    expect(lines[2]!.alsoRejectedSinceLastLog).toBe(49);
    const counted = (await metrics.rejects.get()).values.reduce((n, v) => n + v.value, 0);
    expect(counted).toBe(52);
  });
});
