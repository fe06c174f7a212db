/**
 * Domain events → InfluxDB points. Schema documented in docs/storage.md.
 *
 * Tags are only low-cardinality dimensions (device id, ward, kind, operator):
 * never per-event ids. Each point's timestamp is the device's time in ms, with
 * the per-device `seq` (mod 1e6) in the sub-millisecond nanoseconds: two
 * distinct messages in the same ms stay distinct, and a duplicate (same device,
 * same seq, same ts) overwrites itself — writes are idempotent.
 */
import { lineShape, type FieldValue, type LineShape, type Point } from './lineprotocol.js';
import type { BusEvents } from '../bus.js';
import type { StationSite } from '../../contract/index.js';

/** ns timestamp as a string (exceeds 2^53, so never a JS number). */
export function nsTimestamp(ms: number, seq: number): string {
  return `${Math.trunc(ms)}${String(seq % 1_000_000).padStart(6, '0')}`;
}

const STATE_CODE: Record<string, number> = { online: 2, up: 2, degraded: 1, offline: 0, down: 0 };

type Values = [tags: readonly string[], fields: readonly FieldValue[], timestamp: string];

/**
 * One measurement of the device feeds: its shape (keys, in one place) and how an event
 * fills it. `line` is the ingest path (every message); `point` reads the same data as
 * an object (tests, generic code).
 */
function measurement<A extends unknown[]>(shape: LineShape, values: (...a: A) => Values) {
  return {
    line: (...a: A): string => {
      const [t, f, ts] = values(...a);
      return shape.line(t, f, ts);
    },
    point: (...a: A): Point => {
      const [t, f, ts] = values(...a);
      return shape.point(t, f, ts);
    },
  };
}

export const cameraStatus = measurement(
  lineShape('camera_status', ['camera', 'ward'], ['state', 'state_code', 'fps', 'bitrate_kbps', 'uptime_s', 'seq']),
  (e: BusEvents['camera.status'], wardId: string | null): Values => {
    const p = e.payload;
    return [[e.id, wardId ?? 'none'], [p.state, STATE_CODE[p.state], p.fps, p.bitrateKbps, p.uptimeS, p.seq], nsTimestamp(p.ts, p.seq)];
  },
);

export const detection = measurement(
  lineShape('detection', ['camera', 'kind', 'road'], ['confidence', 'lat', 'lon', 'lane', 'zone', 'plate', 'speed_kmh', 'limit_kmh', 'queue_m', 'people', 'seq']),
  (e: BusEvents['camera.detection'], roadId: string | null): Values => {
    const p = e.payload;
    return [
      [e.id, p.kind, roadId ?? 'none'],
      [
        p.confidence,
        p.lat,
        p.lon,
        p.lane,
        p.zone,
        p.plate,
        p.kind === 'speeding' ? p.speedKmh : undefined,
        p.kind === 'speeding' ? p.limitKmh : undefined,
        p.kind === 'congestion' ? p.queueLengthM : undefined,
        p.kind === 'crowd' ? p.peopleCount : undefined,
        p.seq,
      ],
      nsTimestamp(p.eventTs ?? p.ts, p.seq),
    ];
  },
);

export const incidentReport = measurement(
  lineShape('incident_report', ['channel', 'severity', 'source', 'type', 'ward'], ['lat', 'lon', 'address', 'description', 'external_ref', 'reporter', 'seq']),
  (e: BusEvents['incident.report'], wardId: string | null): Values => {
    const p = e.payload;
    return [
      [p.channel, p.severity, e.sourceId, p.type, wardId ?? 'none'],
      [p.lat, p.lon, p.address, p.description, p.externalRef, p.reporter, p.seq],
      nsTimestamp(p.ts, p.seq),
    ];
  },
);

export const stationStatus = measurement(
  lineShape('station_status', ['operator', 'station', 'ward'], ['state', 'state_code', 'power', 'battery_pct', 'backhaul', 'load_pct', 'rsrp_dbm', 'sinr_db', 'active_users', 'seq']),
  (e: BusEvents['station.status'], meta: { operator: string | null; wardId: string | null }): Values => {
    const p = e.payload;
    return [
      [meta.operator ?? 'unknown', e.id, meta.wardId ?? 'none'],
      [p.state, STATE_CODE[p.state], p.power, p.batteryPct, p.backhaul, p.loadPct, p.rsrpDbm, p.sinrDb, p.activeUsers, p.seq],
      nsTimestamp(p.ts, p.seq),
    ];
  },
);

export const linkStatus = measurement(
  lineShape('link_status', ['link'], ['state', 'state_code', 'latency_ms', 'loss_pct', 'seq']),
  (e: BusEvents['link.status']): Values => {
    const p = e.payload;
    return [[e.id], [p.state, STATE_CODE[p.state], p.latencyMs, p.lossPct, p.seq], nsTimestamp(p.ts, p.seq)];
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
