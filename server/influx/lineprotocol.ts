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

const escKey = (s: string) => s.replace(/[,= \\]/g, (c) => `\\${c}`).replace(/\n/g, '\\n');
const escMeasurement = (s: string) => s.replace(/[, \\]/g, (c) => `\\${c}`);
const escString = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}"`;

function fieldValue(v: number | string | boolean): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '0';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return escString(v);
}

export function toLine(p: Point): string {
  let line = escMeasurement(p.measurement);
  for (const k of Object.keys(p.tags).sort()) {
    const v = p.tags[k]!;
    if (v !== '') line += `,${escKey(k)}=${escKey(v)}`;
  }
  const fields = Object.entries(p.fields).map(([k, v]) => `${escKey(k)}=${fieldValue(v)}`);
  return `${line} ${fields.join(',')} ${p.timestamp}`;
}
