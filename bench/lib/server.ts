/**
 * The server under test as its own process (`node dist/server/index.mjs`, the bundle `npm start` runs),
 * configured only through env, as an operator would run it. The publisher and the
 * consoles are never inside this process, so its CPU and RSS are its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../tests/harness/ports.js';
import { withParentDeathSignal } from '../../tests/harness/proc.js';
import { REPO, WORK } from './paths.js';
import { buildServer, serverBundleStale, SERVER_BUNDLE, SERVER_ENV, SERVER_NODE_FLAGS } from '../../scripts/build-server.mjs';
import { authDirFor, benchToken, seedBenchUser } from './auth.js';
import { freshDatabase, SHIPPED_SERVER_ENV } from './stack.js';

export interface ServerOptions {
  mqttUrl: string;
  influxUrl: string;
  cityPack: string;
  /** Spool folder; kept between restarts of the same run (durability). */
  spoolDir: string;
  database?: string;
  /**
   * The server's PostgreSQL (DATABASE_URL). Default: a fresh database in the bench stack's
   * cluster for this start (a restart of the same installation passes the first one's).
   */
  databaseUrl?: string;
  clientId?: string;
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir', dir]. */
  nodeArgs?: string[];
  env?: Record<string, string>;
  readyTimeoutMs?: number;
  /** More accounts to write into the server's database before it starts (e.g. the officers of bench/suites/commands.ts). */
  seed?: (databaseUrl: string) => Promise<void>;
}

/** The bench user goes into the server's own database (seedBenchUser reads DATABASE_URL), never the local cluster. */
async function seedInto(databaseUrl: string, fn: () => Promise<void>): Promise<void> {
  const before = process.env.DATABASE_URL;
  process.env.DATABASE_URL = databaseUrl;
  try {
    await fn();
  } finally {
    if (before === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = before;
  }
}

export interface ServerProc {
  pid: number;
  url: string;
  port: number;
  /** Access token of the bench user for Socket.IO consoles (null: the server has no login). */
  token: string | null;
  /** Its DATABASE_URL (a database of the bench stack's PostgreSQL). */
  databaseUrl: string;
  /** ms from spawn to /api/health answering ok. */
  startMs: number;
  stderrTail(): string;
  /** SIGTERM and wait (a clean stop writes the CPU profile, if any). */
  stop(): Promise<void>;
  /** kill -9: no chance to flush anything. */
  kill9(): Promise<void>;
}

export async function startServer(o: ServerOptions): Promise<ServerProc> {
  const port = await freePort();
  const databaseUrl = o.databaseUrl ?? (await freshDatabase(o.database ?? 'ioc'));
  const authDir = authDirFor(o.spoolDir);
  await seedInto(databaseUrl, () => seedBenchUser(authDir));
  if (o.seed) await o.seed(databaseUrl);
  const env = {
    ...SERVER_ENV,
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    MQTT_URL: o.mqttUrl,
    INFLUX_URL: o.influxUrl,
    INFLUX_DATABASE: o.database ?? 'ioc',
    SIMULATORS: 'off',
    CITY_PACK: o.cityPack,
    SPOOL_DIR: o.spoolDir,
    MQTT_CLIENT_ID: o.clientId ?? 'ioc-bench',
    // Every bench broker is Mosquitto with the shipped in-flight window (stack.ts).
    ...SHIPPED_SERVER_ENV,
    LOG_LEVEL: 'warn',
    // A stale-device sweep would flag the synthetic fleet between runs; one hour is past any run.
    DEVICE_STALE_S: '3600',
    AUTH_DIR: authDir,
    // The system of record: never the embedded cluster in PG_DATA_DIR.
    DATABASE_URL: databaseUrl,
    // Longer than any run, so the consoles' sockets are not swept for an expired token mid-measurement.
    AUTH_ACCESS_TTL_S: '14400',
    ...o.env,
  };
  // As an operator runs it (npm start): the bundle, rebuilt when stale. BENCH_TSX=1 runs the sources under tsx.
  if (process.env.BENCH_TSX !== '1' && serverBundleStale()) await buildServer();
  // BENCH_FLAGS (space-separated) replaces the shipped V8 flags, for measuring others.
  const flags = process.env.BENCH_FLAGS !== undefined ? process.env.BENCH_FLAGS.split(' ').filter(Boolean) : SERVER_NODE_FLAGS;
  const entry = process.env.BENCH_TSX === '1' ? ['--import', 'tsx', path.join(REPO, 'server', 'index.ts')] : [...flags, SERVER_BUNDLE];
  const [cmd, args] = withParentDeathSignal(process.execPath, [...(o.nodeArgs ?? []), ...entry]);
  const t0 = performance.now();
  const child = spawn(cmd, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  child.stderr!.setEncoding('utf8');
  const keep = (s: string) => (tail = (tail + s).slice(-(Number(process.env.BENCH_TAIL) || 4000)));
  child.stderr!.on('data', keep);
  child.stdout!.setEncoding('utf8').on('data', keep);
  // BENCH_SERVER_OUT=<file>: the server's whole output (e.g. with --trace-gc in BENCH_FLAGS), for looking into a run.
  if (process.env.BENCH_SERVER_OUT) {
    const file = process.env.BENCH_SERVER_OUT;
    // Synchronous: the bench runners end with process.exit(), which would lose a stream's buffer.
    child.stdout!.on('data', (s: string) => fs.appendFileSync(file, s));
    child.stderr!.on('data', (s: string) => fs.appendFileSync(file, s));
  }
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let gone = false;
  void exited.then(() => (gone = true));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (o.readyTimeoutMs ?? 120_000);
  for (;;) {
    if (gone) throw new Error(`server exited during start-up:\n${tail}`);
    try {
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as { status?: string; broker?: { connected?: boolean } };
      if (body.broker?.connected) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not healthy within ${o.readyTimeoutMs ?? 120_000} ms:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const startMs = Math.round(performance.now() - t0);
  const token = await benchToken(url);
  return {
    token,
    databaseUrl,
    pid: child.pid!,
    url,
    port,
    startMs,
    stderrTail: () => tail,
    async stop() {
      if (gone) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(t);
    },
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A fresh folder under bench/.work for one run's files. */
export function workDir(name: string): string {
  const dir = path.join(WORK, `${name}-${process.pid}-${Date.now().toString(36)}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export type { ChildProcess };
