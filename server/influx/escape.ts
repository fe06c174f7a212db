/**
 * Escaping for InfluxDB line protocol
 * (https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/#special-characters),
 * shared by the point writer (lineprotocol.ts) and the byte writer (segment-bytes.ts).
 */
// Escaping is on the ingest hot path: test first, replace only when needed (rare).
const KEY_SPECIAL = /[,= \\\n]/;
const MEASUREMENT_SPECIAL = /[, \\]/;
const STRING_SPECIAL = /[\\"\n]/;
export const escKey = (s: string) => (KEY_SPECIAL.test(s) ? s.replace(/[,= \\]/g, (c) => `\\${c}`).replace(/\n/g, '\\n') : s);
export const escMeasurement = (s: string) => (MEASUREMENT_SPECIAL.test(s) ? s.replace(/[, \\]/g, (c) => `\\${c}`) : s);
export const escString = (s: string) => `"${STRING_SPECIAL.test(s) ? s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n') : s}"`;

/** A string literal for InfluxQL (queries, not line protocol), escaped: values come from users. */
export function influxString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
