/**
 * Domain events → InfluxDB points. Schema documented in docs/storage.md.
 *
 * Tags are only low-cardinality dimensions (device id, ward, kind, operator):
 * never per-event ids. Each point's timestamp is the device's time in ms, with
 * the per-device `seq` (mod 1e6) in the sub-millisecond nanoseconds: two
 * distinct messages in the same ms stay distinct, and a duplicate (same device,
 * same seq, same ts) overwrites itself — writes are idempotent.
 */
import type { Point } from './lineprotocol.js';
import type { BusEvents } from '../bus.js';
import type { StationSite } from '../../contract/index.js';

/** ns timestamp as a string (exceeds 2^53, so never a JS number). */
export function nsTimestamp(ms: number, seq: number): string {
  return `${Math.trunc(ms)}${String(seq % 1_000_000).padStart(6, '0')}`;
}

const STATE_CODE: Record<string, number> = { online: 2, up: 2, degraded: 1, offline: 0, down: 0 };

/** Drop undefined fields: InfluxDB has no null. */
function fields(f: Record<string, number | string | boolean | undefined>): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const k in f) {
    const v = f[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

export function cameraStatusPoint(e: BusEvents['camera.status'], wardId: string | null): Point {
  const p = e.payload;
  return {
    measurement: 'camera_status',
    tags: { camera: e.id, ward: wardId ?? 'none' },
    fields: fields({
      state: p.state,
      state_code: STATE_CODE[p.state],
      fps: p.fps,
      bitrate_kbps: p.bitrateKbps,
      uptime_s: p.uptimeS,
      seq: p.seq,
    }),
    timestamp: nsTimestamp(p.ts, p.seq),
  };
}

export function detectionPoint(e: BusEvents['camera.detection'], roadId: string | null): Point {
  const p = e.payload;
  return {
    measurement: 'detection',
    tags: { camera: e.id, kind: p.kind, road: roadId ?? 'none' },
    fields: fields({
      confidence: p.confidence,
      lat: p.lat,
      lon: p.lon,
      lane: p.lane,
      zone: p.zone,
      plate: p.plate,
      speed_kmh: p.kind === 'speeding' ? p.speedKmh : undefined,
      limit_kmh: p.kind === 'speeding' ? p.limitKmh : undefined,
      queue_m: p.kind === 'congestion' ? p.queueLengthM : undefined,
      people: p.kind === 'crowd' ? p.peopleCount : undefined,
      seq: p.seq,
    }),
    timestamp: nsTimestamp(p.eventTs ?? p.ts, p.seq),
  };
}

export function incidentReportPoint(e: BusEvents['incident.report'], wardId: string | null): Point {
  const p = e.payload;
  return {
    measurement: 'incident_report',
    tags: { channel: p.channel, severity: p.severity, source: e.sourceId, type: p.type, ward: wardId ?? 'none' },
    fields: fields({
      lat: p.lat,
      lon: p.lon,
      address: p.address,
      description: p.description,
      external_ref: p.externalRef,
      reporter: p.reporter,
      seq: p.seq,
    }),
    timestamp: nsTimestamp(p.ts, p.seq),
  };
}

export function stationStatusPoint(e: BusEvents['station.status'], meta: { operator: string | null; wardId: string | null }): Point {
  const p = e.payload;
  return {
    measurement: 'station_status',
    tags: { operator: meta.operator ?? 'unknown', station: e.id, ward: meta.wardId ?? 'none' },
    fields: fields({
      state: p.state,
      state_code: STATE_CODE[p.state],
      power: p.power,
      battery_pct: p.batteryPct,
      backhaul: p.backhaul,
      load_pct: p.loadPct,
      rsrp_dbm: p.rsrpDbm,
      sinr_db: p.sinrDb,
      active_users: p.activeUsers,
      seq: p.seq,
    }),
    timestamp: nsTimestamp(p.ts, p.seq),
  };
}

export function linkStatusPoint(e: BusEvents['link.status']): Point {
  const p = e.payload;
  return {
    measurement: 'link_status',
    tags: { link: e.id },
    fields: fields({ state: p.state, state_code: STATE_CODE[p.state], latency_ms: p.latencyMs, loss_pct: p.lossPct, seq: p.seq }),
    timestamp: nsTimestamp(p.ts, p.seq),
  };
}

/** An imported station site (OpenCelliD): the last one per station is its current site data. */
export function stationSitePoint(s: StationSite, at: number, i: number): Point {
  return {
    measurement: 'station_site',
    tags: { operator: s.operator, station: s.id },
    fields: { name: s.name, lon: s.position[0], lat: s.position[1], techs: s.techs.join(','), radius_m: s.radiusM, ward: s.wardId ?? '' },
    timestamp: nsTimestamp(at, i),
  };
}
