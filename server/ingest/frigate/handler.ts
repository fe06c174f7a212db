/**
 * Frigate NVR over MQTT → bus events. `frigate/events` becomes `frigate.event`
 * (every valid event) plus `camera.detection` when a label or an entered zone
 * maps to one of our detection kinds, so the registry, InfluxDB and alert rules
 * treat a Frigate camera like one of ours. `frigate/available` becomes
 * `camera.status` for every mapped camera (Frigate down = its cameras are dark).
 */
import { detectionPayload, type DetectionPayload } from '../../../contract/index.js';
import type { EventBus } from '../../bus.js';
import type { ForeignHandler } from '../router.js';
import type { FrigateMapping, MappableKind } from './mapping.js';
import { frigateEventMessage, type FrigateEventMessage } from './schema.js';
import type { FrigateEvent } from '../../../contract/frigate.js';

export interface FrigateStats {
  events: number;
  /** Events Frigate itself flags as false positives: ignored, not rejected. */
  falsePositives: number;
  detections: number;
}

export interface FrigateHandlers {
  events: ForeignHandler;
  available: ForeignHandler;
  stats: FrigateStats;
}

/** How many (event id, kind) pairs we remember for dedupe; Frigate events last minutes, not days. */
const DEDUPE_SIZE = 10_000;

export function createFrigateHandlers(opts: { bus: EventBus; mapping: FrigateMapping; now?: () => number }): FrigateHandlers {
  const { bus, mapping } = opts;
  const now = opts.now ?? Date.now;
  const stats: FrigateStats = { events: 0, falsePositives: 0, detections: 0 };
  // Frigate has no per-message seq; we number what we emit per camera so the
  // registry and InfluxDB (seq in the ns part of the timestamp) see distinct messages.
  const seqs = new Map<string, number>();
  const nextSeq = (cameraId: string) => {
    const n = (seqs.get(cameraId) ?? 0) + 1;
    seqs.set(cameraId, n);
    return n;
  };
  const emitted = new Set<string>();
  const remember = (key: string) => {
    emitted.add(key);
    // A Set iterates in insertion order: drop the oldest.
    if (emitted.size > DEDUPE_SIZE) emitted.delete(emitted.values().next().value!);
  };

  const events: ForeignHandler = (_topic, payload, reject) => {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch (err) {
      return reject('bad_json', (err as Error).message);
    }
    const r = frigateEventMessage.safeParse(json);
    if (!r.success) {
      const detail = r.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
      return reject('schema', detail);
    }
    const msg = r.data;
    const cam = mapping.cameras.get(msg.after.camera);
    if (!cam) return reject('unknown_camera', `Frigate camera "${msg.after.camera}" is not in the frigate mapping file`);
    if (msg.after.false_positive) {
      stats.falsePositives++;
      return;
    }
    stats.events++;
    const receivedAt = now();
    const event = toEvent(msg);
    bus.emit('frigate.event', { cameraId: cam.id, event, receivedAt });

    for (const { kind, zone } of detectionKinds(msg, mapping)) {
      const key = `${event.frigateId}|${kind}`;
      if (emitted.has(key)) continue;
      const candidate = {
        kind,
        seq: nextSeq(cam.id),
        ts: receivedAt,
        confidence: event.score,
        lon: cam.position[0],
        lat: cam.position[1],
        ...(zone !== undefined ? { zone: zone.slice(0, 64) } : {}),
        eventTs: Math.round(event.startTime),
        // Frigate keeps the picture and the clip: the alert names the event, the server fetches them.
        ...(event.hasSnapshot || event.hasClip ? { frigateEventId: event.frigateId.slice(0, 64) } : {}),
      };
      // Checked against the contract so nothing past ingest sees an invalid payload.
      const valid = detectionPayload.safeParse(candidate);
      if (!valid.success) continue;
      remember(key);
      stats.detections++;
      bus.emit('camera.detection', { id: cam.id, payload: valid.data as DetectionPayload, receivedAt });
    }
  };

  const available: ForeignHandler = (_topic, payload, reject) => {
    const text = payload.toString('utf8').trim();
    if (text !== 'online' && text !== 'offline') return reject('schema', `expected "online" or "offline", got ${JSON.stringify(text.slice(0, 32))}`);
    const ts = now();
    for (const cam of mapping.cameras.values()) {
      bus.emit('camera.status', { id: cam.id, payload: { seq: nextSeq(cam.id), ts, state: text }, receivedAt: ts });
    }
  };

  return { events, available, stats };
}

function toEvent(msg: FrigateEventMessage): FrigateEvent {
  const a = msg.after;
  return {
    frigateId: a.id,
    type: msg.type,
    camera: a.camera,
    label: a.label,
    subLabel: a.sub_label === null ? null : typeof a.sub_label === 'string' ? a.sub_label : a.sub_label[0],
    score: a.score,
    topScore: a.top_score,
    startTime: a.start_time * 1000,
    endTime: a.end_time === null ? null : a.end_time * 1000,
    zones: [...new Set([...a.entered_zones, ...a.current_zones])],
    hasSnapshot: a.has_snapshot,
    hasClip: a.has_clip,
    falsePositive: a.false_positive,
  };
}

/**
 * Which detection kinds this message announces: on `new`, the label's kind and
 * every mapped zone the object is in; on `update`, only mapped zones it was not
 * in before (Frigate sends an update on each zone change). `end` announces nothing.
 */
function detectionKinds(msg: FrigateEventMessage, mapping: FrigateMapping): { kind: MappableKind; zone?: string }[] {
  if (msg.type === 'end') return [];
  const a = msg.after;
  const zonesNow = new Set([...a.entered_zones, ...a.current_zones]);
  const zonesBefore = new Set(msg.type === 'update' ? [...(msg.before?.entered_zones ?? []), ...(msg.before?.current_zones ?? [])] : []);
  const out: { kind: MappableKind; zone?: string }[] = [];
  if (msg.type === 'new') {
    const k = mapping.labels.get(a.label);
    if (k) out.push({ kind: k, ...(a.current_zones[0] !== undefined ? { zone: a.current_zones[0] } : {}) });
  }
  for (const zone of zonesNow) {
    if (zonesBefore.has(zone)) continue;
    const k = mapping.zones.get(zone);
    if (k) out.push({ kind: k, zone });
  }
  return out;
}
