/**
 * PostgreSQL rows and bytes a simulated day: the server runs its own simulators
 * (SIMULATORS=on, the shipped city pack) against a fresh database; per table, rows
 * (count(*)) and pg_total_relation_size (heap, indexes, TOAST) are read on the migrated
 * database before the server starts (the other tables, written once at start-up: once it
 * is up) and again after a clean stop at the end of the stretch; the difference is
 * scaled from the simulated time (healthy → stop, × SIM_SPEED; the simulation starts as
 * the server becomes healthy) to a day. The WAL written meanwhile (pg_current_wal_lsn,
 * the whole cluster: nothing else runs during the suite) too.
 */
import path from 'node:path';
import { REPO } from '../lib/paths.js';
import { sampleProc } from '../lib/proc.js';
import { startServer, workDir } from '../lib/server.js';
import { clearSession, withDb, type Stack } from '../lib/stack.js';

const DAY_S = 86_400;
/** What the simulation writes: the event log, the current state of alerts and incidents, the audit trail. */
const SIM_TABLES = new Set(['events', 'alerts', 'incidents', 'audit']);

export interface RecordsTable {
  table: string;
  rowsPerDay: number;
  bytesPerDay: number;
  /** At the end of the stretch. */
  rows: number;
  bytes: number;
}

export interface RecordsResult {
  scenario: string;
  speed: number;
  seed: number;
  wallS: number;
  /** Simulated seconds between the two readings. */
  simS: number;
  tables: RecordsTable[];
  total: { rowsPerDay: number; bytesPerDay: number };
  walBytesPerDay: number;
  /** Events written in the stretch by stream and type (what the rows are). */
  events: { stream: string; type: string; n: number }[];
  serverCpuPct: number;
  serverRssMB: number;
}

interface Reading {
  tables: Map<string, { rows: number; bytes: number }>;
  walLsn: string;
}

async function read(url: string): Promise<Reading> {
  return withDb(url, async (c) => {
    const names = (await c.query<{ t: string }>("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1")).rows.map((r) => r.t);
    const tables = new Map<string, { rows: number; bytes: number }>();
    for (const t of names) {
      const r = (await c.query<{ n: string; b: string }>(`SELECT (SELECT count(*) FROM "${t}") AS n, pg_total_relation_size('public."${t}"') AS b`)).rows[0]!;
      tables.set(t, { rows: Number(r.n), bytes: Number(r.b) });
    }
    const walLsn = (await c.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0]!.l;
    return { tables, walLsn };
  });
}

export async function runRecords(o: { stack: Stack; scenario: string; speed: number; seed: number; durationS: number; log: (s: string) => void }): Promise<RecordsResult> {
  const clientId = `ioc-records-${o.scenario}`;
  let r0!: Reading;
  const server = await startServer({
    // The empty database, migrated (and the bench user in it): the reading before anything happened.
    seed: async (url) => void (r0 = await read(url)),
    mqttUrl: o.stack.mosquitto.url,
    influxUrl: o.stack.influxd.url,
    cityPack: path.join(REPO, 'citypacks', 'phan-rang-thap-cham'),
    spoolDir: workDir(`spool-records-${o.scenario}`),
    database: `records_${o.scenario.replace(/[^A-Za-z0-9_]/g, "_")}`,
    clientId,
    // As shipped: the simulators on, and the stale-device sweep at its default (the bench's one hour is for synthetic fleets).
    env: { SIMULATORS: 'on', SIM_SCENARIO: o.scenario, SIM_SPEED: String(o.speed), SIM_SEED: String(o.seed), DEVICE_STALE_S: '120' },
  });
  const t0 = performance.now();
  let stopped = false;
  try {
    // What start-up writes once (the city pack's units, the import check, the bench login's session…) is not
    // a day's growth: those tables count from here; the simulation's tables count from before the start.
    const up = await read(server.databaseUrl);
    for (const [t, v] of up.tables) if (!SIM_TABLES.has(t)) r0.tables.set(t, v);
    const proc = sampleProc(server.pid);
    await new Promise((r) => setTimeout(r, o.durationS * 1000));
    const usage = proc.summary();
    // A clean stop writes what the journal still holds (and the simulators' last wills are ignored by then).
    const wallS = (performance.now() - t0) / 1000;
    await server.stop();
    stopped = true;
    const r1 = await read(server.databaseUrl);
    const simS = wallS * o.speed;
    const k = DAY_S / simS;
    const tables: RecordsTable[] = [...r1.tables].map(([table, end]) => {
      const start = r0.tables.get(table) ?? { rows: 0, bytes: 0 };
      return { table, rowsPerDay: Math.round((end.rows - start.rows) * k), bytesPerDay: Math.round((end.bytes - start.bytes) * k), rows: end.rows, bytes: end.bytes };
    });
    const walBytes = await withDb(server.databaseUrl, async (c) => Number((await c.query('SELECT pg_wal_lsn_diff($1, $2) AS d', [r1.walLsn, r0.walLsn])).rows[0].d));
    const events = await withDb(server.databaseUrl, async (c) =>
      (await c.query<{ stream: string; type: string; n: string }>('SELECT stream_type AS stream, type, count(*) AS n FROM events GROUP BY 1, 2 ORDER BY 3 DESC')).rows.map((r) => ({ stream: r.stream, type: r.type, n: Number(r.n) })),
    );
    const res: RecordsResult = {
      scenario: o.scenario,
      speed: o.speed,
      seed: o.seed,
      wallS: Math.round(wallS * 10) / 10,
      simS: Math.round(simS),
      tables,
      total: { rowsPerDay: tables.reduce((a, t) => a + t.rowsPerDay, 0), bytesPerDay: tables.reduce((a, t) => a + t.bytesPerDay, 0) },
      walBytesPerDay: Math.round(walBytes * k),
      events,
      serverCpuPct: usage.cpuPct,
      serverRssMB: usage.peakRssMB,
    };
    const grew = tables.filter((t) => t.rowsPerDay || t.bytesPerDay).map((t) => `${t.table} ${t.rowsPerDay} rows ${(t.bytesPerDay / 1e6).toFixed(2)} MB`).join(', ');
    o.log(`  ${o.scenario}: ${(simS / 3600).toFixed(1)} sim h in ${res.wallS} s (×${o.speed}); a day: ${res.total.rowsPerDay} rows, ${(res.total.bytesPerDay / 1e6).toFixed(2)} MB (${grew}); WAL ${(res.walBytesPerDay / 1e6).toFixed(1)} MB/day; server CPU ${res.serverCpuPct}%`);
    return res;
  } finally {
    if (!stopped) await server.stop();
    await clearSession(o.stack.mosquitto.url, clientId);
  }
}
