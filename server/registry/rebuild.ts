/**
 * Rebuilds the live registry at start-up from the last stored status of every
 * device, so a restarted server knows the city at once (retained MQTT status
 * then confirms or updates it). Queries are bounded in time: an unbounded
 * last() across many shards is slow (influxdb#8997).
 */
import type { InfluxDB } from 'influx';
import type { Logger } from '../log.js';
import type { Registry } from './registry.js';

const WINDOW = '7d';

interface Row {
  time: { getTime(): number };
  [field: string]: unknown;
}

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const str = <T extends string>(v: unknown, allowed: readonly T[]): T | null => (allowed.includes(v as T) ? (v as T) : null);

/** Last row of each series of a measurement within the window. */
async function lastRows(influx: InfluxDB, measurement: string): Promise<Row[]> {
  return (await influx.query(`SELECT * FROM "${measurement}" WHERE time > now() - ${WINDOW} GROUP BY * ORDER BY time DESC LIMIT 1`)) as unknown as Row[];
}

export async function rebuildRegistry(influx: InfluxDB, registry: Registry, log: Logger): Promise<{ cameras: number; stations: number; links: number }> {
  const started = Date.now();
  // Imported station sites first (no time bound: a site list is imported once and stays).
  const sites = (await influx.query(`SELECT * FROM "station_site" GROUP BY * ORDER BY time DESC LIMIT 1`)) as unknown as Row[];
  registry.upsertStationSites(
    sites.flatMap((r) => {
      const op = str(r.operator, ['Viettel', 'VNPT', 'MobiFone'] as const);
      const lon = num(r.lon);
      const lat = num(r.lat);
      if (!op || lon === null || lat === null) return [];
      const techs = String(r.techs ?? '').split(',').filter((t): t is '2G' | '3G' | '4G' | '5G' => ['2G', '3G', '4G', '5G'].includes(t));
      return [{ id: String(r.station), name: String(r.name ?? r.station), position: [lon, lat] as [number, number], operator: op, techs, radiusM: num(r.radius_m) ?? 1000, wardId: typeof r.ward === 'string' && r.ward ? r.ward : null, sectorsDeg: [] }];
    }),
  );
  const [cams, stations, links] = await Promise.all([
    lastRows(influx, 'camera_status'),
    lastRows(influx, 'station_status'),
    lastRows(influx, 'link_status'),
  ]);
  for (const r of cams) {
    const id = r.camera as string;
    const state = str(r.state, ['online', 'degraded', 'offline'] as const);
    if (!id || !state) continue;
    registry.restoreCamera(id, { state, fps: num(r.fps), bitrateKbps: num(r.bitrate_kbps), lastSeen: r.time.getTime() });
  }
  for (const r of stations) {
    const id = r.station as string;
    const state = str(r.state, ['up', 'degraded', 'down'] as const);
    if (!id || !state) continue;
    registry.restoreStation(id, {
      state,
      power: str(r.power, ['mains', 'battery'] as const),
      batteryPct: num(r.battery_pct),
      backhaul: str(r.backhaul, ['up', 'down'] as const),
      loadPct: num(r.load_pct),
      lastSeen: r.time.getTime(),
    });
  }
  for (const r of links) {
    const id = r.link as string;
    const state = str(r.state, ['up', 'degraded', 'down'] as const);
    if (!id || !state) continue;
    registry.restoreLink(id, { state, latencyMs: num(r.latency_ms), lossPct: num(r.loss_pct), lastSeen: r.time.getTime() });
  }
  const counts = { cameras: cams.length, stations: stations.length, links: links.length };
  log.info({ ...counts, ms: Date.now() - started }, 'registry rebuilt from InfluxDB');
  return counts;
}
