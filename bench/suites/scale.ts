/**
 * Scale of state: a city pack of N devices, InfluxDB pre-filled with one status
 * per device, then the time from spawning the server to /api/health answering
 * with the broker connected (pack load, registry rebuild from InfluxDB, alerts
 * restore), its RSS idle, and its peak RSS under load over all N devices.
 */
import { generateCityPack } from '../lib/citypack.js';
import { startPublisher } from '../lib/publisher.js';
import { readProc, sampleProc, round1 } from '../lib/proc.js';
import { startServer, workDir } from '../lib/server.js';
import { clearSession, influxQuery, type Stack } from '../lib/stack.js';
import { loadDeviceId } from '../../simulators/load.js';

export interface ScaleRow {
  devices: number;
  startMs: number;
  restored: number;
  idleRssMB: number;
  loadRate: number;
  loadAchieved: number;
  loadPeakRssMB: number;
  loadCpuPct: number;
}

async function prefill(influxUrl: string, db: string, devices: number): Promise<void> {
  await influxQuery(influxUrl, db, `CREATE DATABASE "${db}"`);
  await influxQuery(influxUrl, db, `CREATE RETENTION POLICY "raw" ON "${db}" DURATION 30d REPLICATION 1 DEFAULT`);
  const cameras = Math.ceil(devices * 0.7);
  const now = Date.now() - 60_000;
  const lines: string[] = [];
  for (let i = 0; i < devices; i++) {
    const id = loadDeviceId(i, cameras);
    const ts = `${now}000000`;
    lines.push(i < cameras
      ? `camera_status,camera=${id},ward=tt-a bitrate_kbps=4000,fps=25,seq=0,state="online",state_code=2,uptime_s=1 ${ts}`
      : `station_status,operator=Viettel,station=${id},ward=tt-a active_users=10,backhaul="up",battery_pct=100,load_pct=10,power="mains",seq=0,state="up",state_code=2 ${ts}`);
  }
  for (let i = 0; i < lines.length; i += 5000) {
    const res = await fetch(new URL(`/write?db=${db}&rp=raw&precision=ns`, influxUrl), { method: 'POST', body: lines.slice(i, i + 5000).join('\n') });
    if (res.status !== 204) throw new Error(`prefill: HTTP ${res.status} ${await res.text()}`);
  }
}

export async function runScale(o: { stack: Stack; sizes: number[]; loadRate: number; loadS: number; log: (s: string) => void }): Promise<ScaleRow[]> {
  const rows: ScaleRow[] = [];
  for (const n of o.sizes) {
    const db = `scale${n}`;
    const pack = generateCityPack(n);
    await prefill(o.stack.influxd.url, db, n);
    const server = await startServer({ mqttUrl: o.stack.mosquitto.url, influxUrl: o.stack.influxd.url, cityPack: pack, spoolDir: workDir('spool'), database: db, clientId: `ioc-${db}` });
    try {
      const devices = (await (await fetch(`${server.url}/api/devices`, { headers: server.token ? { authorization: `Bearer ${server.token}` } : {} })).json().catch(() => null)) as { cameras?: { lastSeen: number | null }[]; stations?: { lastSeen: number | null }[] } | null;
      const restored = [...(devices?.cameras ?? []), ...(devices?.stations ?? [])].filter((d) => d.lastSeen !== null).length;
      await new Promise((r) => setTimeout(r, 3000)); // settle after start-up
      const idle = readProc(server.pid);
      const proc = sampleProc(server.pid);
      const pub = startPublisher({ mqttUrl: o.stack.mosquitto.url, rate: o.loadRate, devices: n, durationS: o.loadS, cityPack: pack });
      const s = await pub.done;
      const usage = proc.summary();
      const row: ScaleRow = { devices: n, startMs: server.startMs, restored, idleRssMB: round1((idle?.rssBytes ?? 0) / 2 ** 20), loadRate: o.loadRate, loadAchieved: s.achievedRate, loadPeakRssMB: usage.peakRssMB, loadCpuPct: usage.cpuPct };
      rows.push(row);
      o.log(`  ${n} devices: start ${row.startMs} ms (restored ${restored}), idle RSS ${row.idleRssMB} MB, under ${o.loadRate}/s peak RSS ${row.loadPeakRssMB} MB`);
    } finally {
      await server.stop();
      await clearSession(o.stack.mosquitto.url, `ioc-${db}`);
    }
  }
  return rows;
}
