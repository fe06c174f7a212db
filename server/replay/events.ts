/**
 * The changes in a past window, as the live stream's Change records with the
 * time they happened, oldest first, a page at a time. Device statuses come
 * from the raw status points (repeats of the same state are thinned to one
 * per quarter of the stale window: heartbeats are not changes, but silence is); alerts, incidents and units from the
 * `events` measurement. Each source is read with a LIMIT; the page ends where
 * the first full source ends, so merging never skips a record.
 */
import type { InfluxDB } from 'influx';
import { normalizeIncident, type Alert, type Change, type Incident, type Unit } from '../../contract/index.js';
import { RP_RAW } from '../influx/schema.js';
import { cameraAt, linkAt, stationAt, type DeviceBase } from './state.js';

export interface TimedChange {
  at: number;
  change: Change;
}

export interface ReplayPage {
  from: number;
  to: number;
  changes: TimedChange[];
  /** Ask again with from = next for the rest of the window; null when the window is done. */
  next: number | null;
}

export const MAX_PAGE = 5000;

interface Row {
  time: { getTime(): number };
  [field: string]: unknown;
}

type Source = { rows: Row[]; toChanges: (r: Row) => TimedChange | null; key: (r: Row) => string; sig: (c: TimedChange) => string };

export async function replayEvents(influx: InfluxDB, base: DeviceBase, from: number, to: number, staleMs: number, limit = MAX_PAGE): Promise<ReplayPage> {
  const range = `time >= ${Math.trunc(from)}ms AND time <= ${Math.trunc(to)}ms`;
  const q = (sql: string) => influx.query(sql) as unknown as Promise<Row[]>;
  const cams = new Map(base.cameras.map((c) => [c.id, c]));
  const stations = new Map(base.stations.map((s) => [s.id, s]));
  const links = new Map(base.links.map((l) => [l.id, l]));
  const [camRows, stRows, lnRows, evRows] = await Promise.all([
    q(`SELECT "camera", "state", "fps", "bitrate_kbps" FROM "${RP_RAW}"."camera_status" WHERE ${range} ORDER BY time ASC LIMIT ${limit}`),
    q(`SELECT "station", "state", "power", "battery_pct", "backhaul", "load_pct" FROM "${RP_RAW}"."station_status" WHERE ${range} ORDER BY time ASC LIMIT ${limit}`),
    q(`SELECT "link", "state", "latency_ms", "loss_pct" FROM "${RP_RAW}"."link_status" WHERE ${range} ORDER BY time ASC LIMIT ${limit}`),
    q(`SELECT "entity", "id", "state" FROM "${RP_RAW}"."events" WHERE "entity" != 'auth' AND ${range} ORDER BY time ASC LIMIT ${limit}`),
  ]);
  // Live status at the moment it was reported: a device replayed is never stale at its own report.
  const sources: Source[] = [
    {
      rows: camRows,
      key: (r) => `c:${String(r.camera)}`,
      toChanges: (r) => {
        const b = cams.get(String(r.camera));
        return b ? { at: r.time.getTime(), change: { kind: 'camera', camera: cameraAt(b, r, r.time.getTime(), staleMs) } } : null;
      },
      sig: (c) => (c.change.kind === 'camera' ? `${c.change.camera.state}` : ''),
    },
    {
      rows: stRows,
      key: (r) => `s:${String(r.station)}`,
      toChanges: (r) => {
        const b = stations.get(String(r.station));
        return b ? { at: r.time.getTime(), change: { kind: 'station', station: stationAt(b, r, r.time.getTime(), staleMs) } } : null;
      },
      sig: (c) => (c.change.kind === 'station' ? `${c.change.station.state}|${c.change.station.power}|${c.change.station.backhaul}` : ''),
    },
    {
      rows: lnRows,
      key: (r) => `l:${String(r.link)}`,
      toChanges: (r) => {
        const b = links.get(String(r.link));
        return b ? { at: r.time.getTime(), change: { kind: 'link', link: linkAt(b, r, r.time.getTime(), staleMs) } } : null;
      },
      sig: (c) => (c.change.kind === 'link' ? c.change.link.state : ''),
    },
    {
      rows: evRows,
      key: () => '',
      toChanges: (r) => {
        if (typeof r.state !== 'string') return null;
        const state: unknown = JSON.parse(r.state);
        const at = r.time.getTime();
        if (r.entity === 'alert') return { at, change: { kind: 'alert', alert: state as Alert } };
        if (r.entity === 'incident') return { at, change: { kind: 'incident', incident: normalizeIncident(state as Incident) } };
        if (r.entity === 'unit') return { at, change: { kind: 'unit', unit: state as Unit } };
        return null;
      },
      sig: () => '',
    },
  ];
  // Where the page ends: before the last time of any source that hit its LIMIT (it may have more at that time).
  let end = to;
  let progress = true;
  for (const s of sources) {
    if (s.rows.length < limit) continue;
    const last = s.rows[s.rows.length - 1]!.time.getTime();
    if (last - 1 < end) end = last - 1;
  }
  if (end < from) {
    // One millisecond holds more than a page: take what we have at it and move on.
    end = from;
    progress = false;
  }
  const out: TimedChange[] = [];
  for (const s of sources) {
    const lastSig = new Map<string, { sig: string; at: number }>();
    for (const r of s.rows) {
      if (r.time.getTime() > end) break;
      const c = s.toChanges(r);
      if (!c) continue;
      const k = s.key(r);
      if (k) {
        // A repeat is kept now and then, so the client can tell a silent (stale) device from a steady one.
        const sig = s.sig(c);
        const prev = lastSig.get(k);
        if (prev && prev.sig === sig && c.at - prev.at < staleMs / 4) continue;
        lastSig.set(k, { sig, at: c.at });
      }
      out.push(c);
    }
  }
  out.sort((a, b) => a.at - b.at);
  const next = end >= to ? null : progress ? end + 1 : from + 1;
  return { from, to: end, changes: out, next };
}
