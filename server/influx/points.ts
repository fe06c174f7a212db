/**
 * Domain events → InfluxDB points. Schema documented in docs/storage.md.
 *
 * Tags are only low-cardinality dimensions (device id, ward, kind, operator):
 * never per-event ids. Each point's timestamp is the device's time in ms, with
 * the per-device `seq` (mod 1e6) in the sub-millisecond nanoseconds: two
 * distinct messages in the same ms stay distinct, and a duplicate (same device,
 * same seq, same ts) overwrites itself — writes are idempotent.
 */
import { measurement, nsTimestamp, type Point } from './lineprotocol.js';
import type { BusEvents } from '../bus.js';
import type { StationSite } from '../../contract/index.js';

const STATE_CODE: Record<string, number> = { online: 2, up: 2, degraded: 1, offline: 0, down: 0 };

// Each fill writes tags then fields in the order of its keys (PointLine checks the count).

export const cameraStatus = measurement(
  'camera_status',
  ['camera', 'ward'],
  ['state', 'state_code', 'fps', 'bitrate_kbps', 'uptime_s', 'seq'],
  (o, e: BusEvents['camera.status'], wardId: string | null) => {
    const p = e.payload;
    o.tag(e.id);
    o.tag(wardId ?? 'none');
    o.field(p.state);
    o.field(STATE_CODE[p.state]);
    o.field(p.fps);
    o.field(p.bitrateKbps);
    o.field(p.uptimeS);
    o.field(p.seq);
    o.time(p.ts, p.seq);
  },
);

export const detection = measurement(
  'detection',
  ['camera', 'kind', 'road'],
  // snapshot_id: the evidence image of a violation, kept for its fine (server/video/evidence.ts).
  ['confidence', 'lat', 'lon', 'lane', 'zone', 'plate', 'speed_kmh', 'limit_kmh', 'queue_m', 'people', 'snapshot_id', 'seq'],
  (o, e: BusEvents['camera.detection'], roadId: string | null) => {
    const p = e.payload;
    o.tag(e.id);
    o.tag(p.kind);
    o.tag(roadId ?? 'none');
    o.field(p.confidence);
    o.field(p.lat);
    o.field(p.lon);
    o.field(p.lane);
    o.field(p.zone);
    o.field(p.plate);
    o.field(p.kind === 'speeding' ? p.speedKmh : undefined);
    o.field(p.kind === 'speeding' ? p.limitKmh : undefined);
    o.field(p.kind === 'congestion' ? p.queueLengthM : undefined);
    o.field(p.kind === 'crowd' ? p.peopleCount : undefined);
    o.field(p.snapshotId);
    o.field(p.seq);
    o.time(p.eventTs ?? p.ts, p.seq);
  },
);

export const vcStatus = measurement(
  'vc_status',
  ['point', 'ward'],
  ['state', 'state_code', 'loss_pct', 'jitter_ms', 'rtt_ms', 'test_call_at', 'test_call_ok', 'seq'],
  (o, e: BusEvents['vc.status'], wardId: string | null) => {
    const p = e.payload;
    o.tag(e.id);
    o.tag(wardId ?? 'none');
    o.field(p.state);
    o.field(p.state === 'offline' ? 0 : p.state === 'online' ? 1 : 2);
    o.field(p.lossPct);
    o.field(p.jitterMs);
    o.field(p.rttMs);
    o.field(p.lastTestCallAt);
    o.field(p.lastTestCallOk);
    o.field(p.seq);
    o.time(p.ts, p.seq);
  },
);

export const incidentReport = measurement(
  'incident_report',
  ['channel', 'severity', 'source', 'type', 'ward'],
  ['lat', 'lon', 'address', 'description', 'external_ref', 'reporter', 'seq'],
  (o, e: BusEvents['incident.report'], wardId: string | null) => {
    const p = e.payload;
    o.tag(p.channel);
    o.tag(p.severity);
    o.tag(e.sourceId);
    o.tag(p.type);
    o.tag(wardId ?? 'none');
    o.field(p.lat);
    o.field(p.lon);
    o.field(p.address);
    o.field(p.description);
    o.field(p.externalRef);
    o.field(p.reporter);
    o.field(p.seq);
    o.time(p.ts, p.seq);
  },
);

export const stationStatus = measurement(
  'station_status',
  ['operator', 'station', 'ward'],
  ['state', 'state_code', 'power', 'battery_pct', 'backhaul', 'load_pct', 'rsrp_dbm', 'sinr_db', 'active_users', 'seq'],
  // The registry's station itself is the meta: no object per message.
  (o, e: BusEvents['station.status'], station: { operator: string | null; wardId: string | null } | undefined) => {
    const p = e.payload;
    o.tag(station?.operator ?? 'unknown');
    o.tag(e.id);
    o.tag(station?.wardId ?? 'none');
    o.field(p.state);
    o.field(STATE_CODE[p.state]);
    o.field(p.power);
    o.field(p.batteryPct);
    o.field(p.backhaul);
    o.field(p.loadPct);
    o.field(p.rsrpDbm);
    o.field(p.sinrDb);
    o.field(p.activeUsers);
    o.field(p.seq);
    o.time(p.ts, p.seq);
  },
);

export const linkStatus = measurement(
  'link_status',
  ['link'],
  ['state', 'state_code', 'latency_ms', 'loss_pct', 'seq'],
  (o, e: BusEvents['link.status'], _meta: void) => {
    const p = e.payload;
    o.tag(e.id);
    o.field(p.state);
    o.field(STATE_CODE[p.state]);
    o.field(p.latencyMs);
    o.field(p.lossPct);
    o.field(p.seq);
    o.time(p.ts, p.seq);
  },
);

/** An imported station site (OpenCelliD): the last one per station is its current site data. */
export function stationSitePoint(s: StationSite, at: number, i: number): Point {
  return {
    measurement: 'station_site',
    tags: { operator: s.operator, station: s.id },
    fields: { name: s.name, lon: s.position[0], lat: s.position[1], techs: s.techs.join(','), radius_m: s.radiusM, ward: s.wardId ?? '' },
    timestamp: nsTimestamp(at, i),
  };
}
