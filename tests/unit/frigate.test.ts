import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { EventBus, type BusEvents } from '../../server/bus.js';
import { createFrigateHandlers } from '../../server/ingest/frigate/handler.js';
import { loadFrigateMapping, parseFrigateMapping } from '../../server/ingest/frigate/mapping.js';
import { frigateEventPoint } from '../../server/influx/frigate-points.js';
import { FeedHealthTracker } from '../../server/ingest/health.js';
import { IngestRouter } from '../../server/ingest/router.js';
import { toLine } from '../../server/influx/lineprotocol.js';
import { createMetrics } from '../../server/metrics.js';
import { detectionPayload } from '../../contract/index.js';

const ROOT = path.join(import.meta.dirname, '..', '..');
const EXAMPLE_MAP = path.join(ROOT, 'config', 'frigate-map.example.json');
const NEW_FIRE = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', 'fixtures', 'frigate', 'new-fire.json'), 'utf8')) as {
  type: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
};
const NOW = Date.UTC(2026, 10, 23, 8, 0, 0);

type Obj = Record<string, unknown>;
/** A Frigate message derived from the real-looking fixture. */
function msg(type: 'new' | 'update' | 'end', after: Obj = {}, before: Obj = {}): Obj {
  return { type, before: { ...NEW_FIRE.before, ...before }, after: { ...NEW_FIRE.after, ...after } };
}

async function setup() {
  const log = pino({ level: 'silent' });
  const bus = new EventBus(log);
  const mapping = await loadFrigateMapping(EXAMPLE_MAP);
  const h = createFrigateHandlers({ bus, mapping, now: () => NOW });
  const seen: { name: keyof BusEvents; event: any }[] = [];
  for (const name of ['frigate.event', 'camera.detection', 'camera.status'] as const) bus.on(name, 'test', (event) => seen.push({ name, event }));
  const rejects: { reason: string; detail: string }[] = [];
  const send = (body: unknown, handler = h.events) =>
    handler('frigate/events', Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), (reason, detail) => rejects.push({ reason, detail }));
  const of = (name: keyof BusEvents) => seen.filter((s) => s.name === name).map((s) => s.event);
  return { bus, log, mapping, h, seen, rejects, send, of };
}

describe('frigate/events', () => {
  it('maps a new fire event to frigate.event and a contract-valid fire_smoke detection', async () => {
    const { send, of, rejects, h } = await setup();
    send(NEW_FIRE);
    expect(rejects).toEqual([]);
    const [fe] = of('frigate.event');
    expect(fe).toEqual({
      cameraId: 'cam-sec-01',
      receivedAt: NOW,
      event: {
        frigateId: '1763884800.123456-k3x9pq',
        type: 'new',
        camera: 'cho_phan_rang',
        label: 'fire',
        subLabel: null,
        score: 0.83,
        topScore: 0.83,
        startTime: 1763884800.123456 * 1000,
        endTime: null,
        zones: ['loi_vao_cho'],
        hasSnapshot: true,
        hasClip: true,
        falsePositive: false,
      },
    });
    const dets = of('camera.detection');
    expect(dets).toHaveLength(1);
    expect(dets[0]).toMatchObject({ id: 'cam-sec-01', receivedAt: NOW });
    const p = dets[0].payload;
    expect(detectionPayload.safeParse(p).success).toBe(true);
    // It names its Frigate event: the alert's snapshot and clip come from Frigate through the server (issue #22).
    expect(p).toEqual({ kind: 'fire_smoke', seq: 1, ts: NOW, confidence: 0.83, lon: 108.989, lat: 11.5655, zone: 'loi_vao_cho', eventTs: 1763884800123, frigateEventId: '1763884800.123456-k3x9pq' });
    expect(h.stats).toEqual({ events: 1, falsePositives: 0, detections: 1 });
  });

  it('raises a zone detection when an update newly enters a mapped zone, once per (event, kind)', async () => {
    const { send, of } = await setup();
    const car = { id: '1763884900.5-car01', camera: 'nga_tu_thong_nhat_tran_phu', label: 'car', current_zones: [], entered_zones: [] };
    send(msg('new', car, car));
    expect(of('camera.detection')).toHaveLength(0); // `car` is not a mapped label
    send(msg('update', { ...car, current_zones: ['no_parking'], entered_zones: ['no_parking'], score: 0.9 }, car));
    // Same zone, better snapshot: no new detection.
    send(msg('update', { ...car, current_zones: ['no_parking'], entered_zones: ['no_parking'] }, { ...car, current_zones: ['no_parking'], entered_zones: ['no_parking'] }));
    // A replayed zone-entry update is deduped by (event id, kind).
    send(msg('update', { ...car, current_zones: ['no_parking'], entered_zones: ['no_parking'] }, car));
    send(msg('end', { ...car, entered_zones: ['no_parking'], end_time: 1763884960.25 }, car));

    const dets = of('camera.detection');
    expect(dets).toHaveLength(1);
    expect(dets[0].id).toBe('cam-005');
    expect(dets[0].payload).toMatchObject({ kind: 'illegal_parking', zone: 'no_parking', confidence: 0.9, seq: 1, lon: 108.987, lat: 11.568 });
    expect(detectionPayload.safeParse(dets[0].payload).success).toBe(true);
    const events = of('frigate.event');
    expect(events.map((e) => e.event.type)).toEqual(['new', 'update', 'update', 'update', 'end']);
    expect(events[4].event.endTime).toBe(1763884960250);
  });

  it('keeps a per-camera seq across detections of different events', async () => {
    const { send, of } = await setup();
    send(msg('new', { id: 'a', label: 'smoke' }));
    send(msg('new', { id: 'b', label: 'fire', current_zones: ['wrong_way_lane'], entered_zones: ['wrong_way_lane'] }));
    expect(of('camera.detection').map((d) => [d.payload.kind, d.payload.seq])).toEqual([
      ['fire_smoke', 1],
      ['fire_smoke', 2],
      ['wrong_way', 3],
    ]);
  });

  it('ignores false positives without rejecting, and counts them', async () => {
    const { send, seen, rejects, h } = await setup();
    send(msg('update', { false_positive: true }));
    expect(seen).toEqual([]);
    expect(rejects).toEqual([]);
    expect(h.stats.falsePositives).toBe(1);
  });

  it('takes the name from a [name, score] sub_label and passes unknown fields through', async () => {
    const { send, of } = await setup();
    send(msg('update', { label: 'person', sub_label: ['Nguyễn Văn A', 0.92], some_future_field: { x: 1 } }));
    expect(of('frigate.event')[0].event.subLabel).toBe('Nguyễn Văn A');
    send(msg('update', { id: 'c', label: 'car', sub_label: '51F-123.45' }));
    expect(of('frigate.event')[1].event.subLabel).toBe('51F-123.45');
  });

  it('rejects unknown cameras, bad JSON and missing fields with their reasons', async () => {
    const { send, seen, rejects } = await setup();
    send(msg('new', { camera: 'garage' }));
    send('{"type": "new", "after": ');
    const { camera: _c, start_time: _s, ...noCamera } = NEW_FIRE.after;
    send({ type: 'new', after: noCamera });
    send(msg('started' as 'new'));
    expect(seen).toEqual([]);
    expect(rejects.map((r) => r.reason)).toEqual(['unknown_camera', 'bad_json', 'schema', 'schema']);
    expect(rejects[0]!.detail).toContain('garage');
    expect(rejects[2]!.detail).toMatch(/after\.camera/);
    expect(rejects[2]!.detail).toMatch(/after\.start_time/);
    expect(rejects[3]!.detail).toMatch(/^type:/);
  });
});

describe('frigate/available', () => {
  it('marks every mapped camera offline / online with the shared per-camera seq', async () => {
    const { send, of, h, mapping, rejects } = await setup();
    send(NEW_FIRE); // cam-sec-01 detection seq 1
    send('offline\n', h.available);
    const statuses = of('camera.status');
    expect(statuses).toHaveLength(mapping.cameras.size);
    expect(new Set(statuses.map((s) => s.id))).toEqual(new Set([...mapping.cameras.values()].map((c) => c.id)));
    for (const s of statuses) expect(s.payload).toMatchObject({ state: 'offline', ts: NOW });
    expect(statuses.find((s) => s.id === 'cam-sec-01').payload.seq).toBe(2);
    expect(statuses.find((s) => s.id === 'cam-005').payload.seq).toBe(1);
    send('online', h.available);
    expect(of('camera.status').slice(-1)[0].payload.state).toBe('online');
    send('rebooting', h.available);
    expect(rejects).toEqual([{ reason: 'schema', detail: expect.stringContaining('rebooting') }]);
  });
});

describe('frigate handlers behind the IngestRouter', () => {
  it('counts accepted and rejected Frigate messages under the frigate feed', async () => {
    const { bus, log, h } = await setup();
    const health = new FeedHealthTracker(10, () => NOW);
    const router = new IngestRouter({ bus, health, metrics: createMetrics(), log, maxPayloadBytes: 64 * 1024, maxFutureSkewMs: 60_000, now: () => NOW });
    router.registerForeign('frigateEvents', h.events);
    router.registerForeign('frigateAvailable', h.available);
    router.handle('frigate/events', Buffer.from(JSON.stringify(NEW_FIRE)));
    router.handle('frigate/events', Buffer.from(JSON.stringify(msg('new', { camera: 'garage' }))));
    router.handle('frigate/available', Buffer.from('offline'));
    const f = health.stats('frigate');
    expect(f.messages).toBe(2);
    expect(f.rejected).toEqual({ unknown_camera: 1 });
    expect(health.deadLetters()[0]).toMatchObject({ feed: 'frigate', reason: 'unknown_camera' });
  });
});

describe('frigate mapping file', () => {
  it('loads the shipped example with the default fire/smoke labels', async () => {
    const m = await loadFrigateMapping(EXAMPLE_MAP);
    expect(m.cameras.get('cho_phan_rang')).toEqual({ id: 'cam-sec-01', position: [108.989, 11.5655] });
    expect(m.labels.get('fire')).toBe('fire_smoke');
    expect(m.zones.get('red_light_stop_line')).toBe('red_light');
    // Defaults apply even when the file has no labels section.
    expect(parseFrigateMapping({ cameras: { a: { id: 'cam-1', position: [108, 11] } } }).labels.get('smoke')).toBe('fire_smoke');
  });

  it('explains what is wrong, entry by entry', () => {
    const bad = {
      cameras: { front: { id: 'cam 01', position: [11.5, 108.9, 3] } },
      labels: { car: 'speeding' },
      zones: { lane: 'flying' },
      extra: 1,
    };
    let message = '';
    try {
      parseFrigateMapping(bad, 'map.json');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^map\.json is invalid/);
    expect(message).toMatch(/cameras\.front\.id: device id/);
    expect(message).toMatch(/cameras\.front\.position: position must be \[lon, lat\]/);
    expect(message).toMatch(/labels\.car: .*speeding/);
    expect(message).toMatch(/zones\.lane: must be one of .*"flying"/);
    expect(message).toMatch(/extra/);
    expect(() => parseFrigateMapping({ cameras: {} })).toThrow(/at least one Frigate camera/);
  });

  it('names the file when it is missing or not JSON', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frigate-map-'));
    const broken = path.join(dir, 'broken.json');
    fs.writeFileSync(broken, '{ cameras: ');
    await expect(loadFrigateMapping(path.join(dir, 'nope.json'))).rejects.toThrow(/cannot read frigate mapping .*nope\.json/);
    await expect(loadFrigateMapping(broken)).rejects.toThrow(/broken\.json is not valid JSON/);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('frigateEventPoint', () => {
  it('writes a frigate_event point with low-cardinality tags, distinct per event in the same ms', async () => {
    const { send, of } = await setup();
    send(NEW_FIRE);
    send(msg('update', { label: 'fire' }));
    const [a, b] = of('frigate.event').map(frigateEventPoint);
    expect(a).toMatchObject({
      measurement: 'frigate_event',
      tags: { camera: 'cam-sec-01', label: 'fire', type: 'new' },
      fields: { frigate_id: '1763884800.123456-k3x9pq', score: 0.83, top_score: 0.83, zones: 'loi_vao_cho', has_clip: true, has_snapshot: true, false_positive: false },
    });
    expect(a!.timestamp.slice(0, -6)).toBe(String(NOW));
    expect(a!.timestamp).not.toBe(b!.timestamp);
    expect(toLine(a!)).toMatch(/^frigate_event,camera=cam-sec-01,label=fire,type=new frigate_id="1763884800\.123456-k3x9pq",/);
  });
});
