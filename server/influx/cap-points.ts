/**
 * CAP alerts → InfluxDB points (measurement `cap_alert`, see docs/storage.md).
 * Identifier and text are fields; tags stay low-cardinality (sender, type, status, severity).
 */
import { capDateTime } from '../../contract/cap.js';
import type { BusEvents } from '../bus.js';
import type { Point } from './lineprotocol.js';
import { nsTimestamp } from './lineprotocol.js';

/** Senders are often e-mail-like (nchmf@kttv.gov.vn); keep tag values plain and short. */
const sanitise = (s: string) => s.replace(/[^A-Za-z0-9_.@-]/g, '_').slice(0, 64);

/**
 * The sub-ms digits come from a hash of sender+identifier rather than a running
 * counter: two alerts sent in the same ms stay distinct, and the same alert
 * received twice (MQTT and HTTP, or a re-send) overwrites itself — idempotent,
 * like the per-device seq of our own feeds.
 */
function counterOf(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return (h >>> 0) % 1_000_000;
}

export function capAlertPoint(e: BusEvents['cap.alert']): Point {
  const a = e.alert;
  const info = a.infos[0];
  return {
    measurement: 'cap_alert',
    tags: { sender: sanitise(a.sender), msg_type: a.msgType, status: a.status, severity: info?.severity ?? 'none' },
    fields: {
      identifier: a.identifier,
      event: info?.event ?? '',
      headline: info?.headline ?? '',
      references: a.references.map((r) => `${r.sender},${r.identifier},${capDateTime(r.sent)}`).join(' '),
      area_desc: info?.areas.map((x) => x.areaDesc).join('; ') ?? '',
    },
    timestamp: nsTimestamp(a.sent, counterOf(`${a.sender}\n${a.identifier}`)),
  };
}
