/**
 * /api/history: a time series of one numeric field of one device, over a
 * bounded range, rolled up. Everything that goes into the InfluxQL is checked
 * against a whitelist or escaped: the parameters come from users.
 */
import { influxString } from '../influx/escape.js';
import { RP_RAW, RP_ROLLUP } from '../influx/schema.js';

const SERIES: Record<string, { tag: string; fields: string[] }> = {
  camera_status: { tag: 'camera', fields: ['state_code', 'fps', 'bitrate_kbps'] },
  station_status: { tag: 'station', fields: ['state_code', 'load_pct', 'battery_pct', 'active_users', 'rsrp_dbm', 'sinr_db'] },
  link_status: { tag: 'link', fields: ['state_code', 'latency_ms', 'loss_pct'] },
  detection: { tag: 'camera', fields: ['count', 'queue_m', 'speed_kmh'] },
};
const ROLLUPS: Record<string, number> = { '10s': 10_000, '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000 };
const MAX_POINTS = 2000;

export type HistoryQuery =
  | { ok: true; influxql: string; meta: { measurement: string; id: string; field: string; from: number; to: number; rollup: string } }
  | { ok: false; error: string };

export function historyQuery(q: Record<string, unknown>, now: number): HistoryQuery {
  const measurement = String(q.measurement ?? '');
  const series = SERIES[measurement];
  if (!series) return { ok: false, error: `measurement: one of ${Object.keys(SERIES).join(', ')}` };
  const field = String(q.field ?? series.fields[0]);
  if (!series.fields.includes(field)) return { ok: false, error: `field: one of ${series.fields.join(', ')}` };
  const id = String(q.id ?? '');
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(id)) return { ok: false, error: 'id: a device id' };
  const from = toMs(q.from, now - 3600_000);
  const to = toMs(q.to, now);
  if (from === null || to === null || from >= to) return { ok: false, error: 'from/to: epoch ms or ISO 8601, from < to' };
  if (to - from > 31 * 86_400_000) return { ok: false, error: 'range: at most 31 days' };
  let rollup = String(q.rollup ?? '');
  if (!ROLLUPS[rollup]) rollup = Object.keys(ROLLUPS).find((r) => (to - from) / ROLLUPS[r]! <= MAX_POINTS) ?? '1h';
  // Counts of detections are a count; everything else a mean.
  const agg = measurement === 'detection' && field === 'count' ? 'count("confidence")' : `mean("${field}")`;
  // Long ranges read the 1-minute rollups (kept longer than raw points).
  const useRollup = to - from > 24 * 3600_000 && measurement !== 'detection' && ROLLUPS[rollup]! >= 60_000;
  const from_ = useRollup ? `"${RP_ROLLUP}"."${measurement}_1m"` : `"${RP_RAW}"."${measurement}"`;
  const influxql = `SELECT ${useRollup ? `mean("${field}")` : agg} AS value FROM ${from_} WHERE "${series.tag}" = ${influxString(id)} AND time >= ${from}ms AND time <= ${to}ms GROUP BY time(${rollup}) fill(none)`;
  return { ok: true, influxql, meta: { measurement, id, field, from, to, rollup } };
}

function toMs(v: unknown, fallback: number): number | null {
  if (v === undefined || v === '') return fallback;
  const s = String(v);
  const n = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  return Number.isFinite(n) ? n : null;
}
