/**
 * InfluxDB line protocol, the form points take in the spool and on the wire
 * (https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/).
 * Numbers are always written as floats so a field never changes type.
 */
export interface Point {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, number | string | boolean>;
  /** Nanoseconds since the epoch, as a decimal string. */
  timestamp: string;
}

// Escaping is on the ingest hot path: test first, replace only when needed (rare).
const KEY_SPECIAL = /[,= \\\n]/;
const MEASUREMENT_SPECIAL = /[, \\]/;
const STRING_SPECIAL = /[\\"\n]/;
const escKey = (s: string) => (KEY_SPECIAL.test(s) ? s.replace(/[,= \\]/g, (c) => `\\${c}`).replace(/\n/g, '\\n') : s);
const escMeasurement = (s: string) => (MEASUREMENT_SPECIAL.test(s) ? s.replace(/[, \\]/g, (c) => `\\${c}`) : s);
const escString = (s: string) => `"${STRING_SPECIAL.test(s) ? s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n') : s}"`;

function fieldValue(v: number | string | boolean): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '0';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return escString(v);
}

/** Tags in key order (InfluxDB's advice); the point builders already write them sorted. */
function sortedTagKeys(tags: Record<string, string>): string[] {
  const keys: string[] = [];
  let sorted = true;
  for (const k in tags) {
    if (keys.length > 0 && k < keys[keys.length - 1]!) sorted = false;
    keys.push(k);
  }
  return sorted ? keys : keys.sort();
}

// Parts joined once: a line built with += is a rope of a dozen string pieces, and lines
// wait in memory (spool tail) until InfluxDB has them.
export function toLine(p: Point): string {
  const parts: string[] = [escMeasurement(p.measurement)];
  for (const k of sortedTagKeys(p.tags)) {
    const v = p.tags[k]!;
    if (v !== '') parts.push(',', escKey(k), '=', escKey(v));
  }
  let sep = ' ';
  for (const k in p.fields) {
    parts.push(sep, escKey(k), '=', fieldValue(p.fields[k]!));
    sep = ',';
  }
  parts.push(' ', p.timestamp);
  return parts.join('');
}
