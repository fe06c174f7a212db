/**
 * Frigate events → InfluxDB points (measurement `frigate_event`, see docs/storage.md).
 * The Frigate event id is a field, never a tag: it is unique per object and
 * would blow up series cardinality.
 */
import type { BusEvents } from '../bus.js';
import type { Point } from './lineprotocol.js';
import { nsTimestamp } from './lineprotocol.js';

// Frigate events carry no seq: a process-wide counter in the sub-ms digits keeps
// new/update/end of one object, or two objects in the same ms, as distinct points.
let counter = 0;

export function frigateEventPoint(e: BusEvents['frigate.event']): Point {
  const ev = e.event;
  counter = (counter + 1) % 1_000_000;
  return {
    measurement: 'frigate_event',
    tags: { camera: e.cameraId, label: ev.label, type: ev.type },
    fields: {
      frigate_id: ev.frigateId,
      score: ev.score,
      top_score: ev.topScore,
      zones: ev.zones.join(','),
      has_clip: ev.hasClip,
      has_snapshot: ev.hasSnapshot,
      false_positive: ev.falsePositive,
    },
    timestamp: nsTimestamp(e.receivedAt, counter),
  };
}
