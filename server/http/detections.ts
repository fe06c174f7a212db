/**
 * /api/cameras/:id/detections: what one camera detected over a window (24 hours
 * by default), read from InfluxDB's raw points: the newest events (MQTT
 * detections and Frigate events), counts by kind, and detections per hour.
 * The camera id is checked and escaped: it comes from the caller.
 */
import type { InfluxDB } from 'influx';
import { SNAPSHOT_ID } from '../../contract/video.js';
import type { CameraDetections, DetectionEvent } from '../../contract/detections.js';
import { influxString } from '../influx/escape.js';
import { RP_RAW } from '../influx/schema.js';

const DAY = 86_400_000;
const MAX_RANGE = 7 * DAY;
const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export type DetectionsQuery = { ok: true; camera: string; from: number; to: number; limit: number } | { ok: false; error: string };

const toMs = (v: unknown, fallback: number): number | null => {
  if (v === undefined || v === '') return fallback;
  const s = String(v);
  const n = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  return Number.isFinite(n) ? n : null;
};

export function detectionsQuery(id: string, q: Record<string, unknown>, now: number): DetectionsQuery {
  if (!ID.test(id)) return { ok: false, error: 'id: a camera id' };
  const to = toMs(q.to, now);
  const from = toMs(q.from, (to ?? now) - DAY);
  if (from === null || to === null || from >= to) return { ok: false, error: 'from/to: epoch ms or ISO 8601, from < to' };
  if (to - from > MAX_RANGE) return { ok: false, error: 'range: at most 7 days' };
  const limit = Math.min(Math.max(Number(q.limit ?? 200) || 200, 1), 1000);
  return { ok: true, camera: id, from, to, limit };
}

type Row = Record<string, unknown> & { time: Date };
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export async function readDetections(influx: InfluxDB, q: Extract<DetectionsQuery, { ok: true }>): Promise<CameraDetections> {
  const where = `"camera" = ${influxString(q.camera)} AND time >= ${q.from}ms AND time <= ${q.to}ms`;
  const det = `"${RP_RAW}"."detection"`;
  const fri = `"${RP_RAW}"."frigate_event"`;
  // A Frigate object sends new, update… and end: its `new` stands for the object.
  const [events, frigate, byKind, byLabel, hourly] = (await influx.query([
    `SELECT * FROM ${det} WHERE ${where} ORDER BY time DESC LIMIT ${q.limit}`,
    `SELECT * FROM ${fri} WHERE ${where} AND "type" = 'new' ORDER BY time DESC LIMIT ${q.limit}`,
    `SELECT count("confidence") AS n FROM ${det} WHERE ${where} GROUP BY "kind"`,
    `SELECT count("score") AS n FROM ${fri} WHERE ${where} AND "type" = 'new' GROUP BY "label"`,
    `SELECT count("confidence") AS n FROM ${det} WHERE ${where} GROUP BY time(1h) fill(0)`,
  ])) as unknown as [Row[], Row[], (Row & { kind?: string; n: number })[], (Row & { label?: string; n: number })[], (Row & { n: number })[]];

  const counts: Record<string, number> = {};
  for (const r of byKind) if (r.kind) counts[r.kind] = (counts[r.kind] ?? 0) + r.n;
  for (const r of byLabel) if (r.label) counts[r.label] = (counts[r.label] ?? 0) + r.n;
  const list: DetectionEvent[] = [
    ...events.map((r): DetectionEvent => ({
      at: r.time.getTime(),
      kind: String(r.kind),
      source: 'detection',
      confidence: num(r.confidence),
      lane: r.lane === null || r.lane === undefined ? null : String(r.lane),
      zone: str(r.zone),
      plate: str(r.plate),
      speedKmh: num(r.speed_kmh),
      limitKmh: num(r.limit_kmh),
      queueM: num(r.queue_m),
      people: num(r.people),
      snapshotUrl: typeof r.snapshot_id === 'string' && SNAPSHOT_ID.test(r.snapshot_id) ? `/api/cameras/${encodeURIComponent(q.camera)}/snapshots/${r.snapshot_id}.jpg` : null,
    })),
    ...frigate.map((r): DetectionEvent => ({
      at: r.time.getTime(),
      kind: String(r.label),
      source: 'frigate',
      confidence: num(r.top_score) ?? num(r.score),
      lane: null,
      zone: str(r.zones),
      plate: null,
      speedKmh: null,
      limitKmh: null,
      queueM: null,
      people: null,
      snapshotUrl: null,
    })),
  ]
    .sort((a, b) => b.at - a.at)
    .slice(0, q.limit);
  return {
    camera: q.camera,
    from: q.from,
    to: q.to,
    counts,
    total: Object.values(counts).reduce((a, b) => a + b, 0),
    hourly: hourly.map((r) => [r.time.getTime(), r.n]),
    events: list,
  };
}
