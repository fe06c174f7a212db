/**
 * Server instances of a cluster as real processes (`node --import tsx server/index.ts`), so a
 * test can kill one with SIGKILL as a power cut would. Each has its own port, spool and logs;
 * they share what a cluster shares: PostgreSQL, the broker, InfluxDB, Redis, the signing key.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HealthReport } from '../../server/http/api.js';
import { freePort } from './ports.js';
import { withParentDeathSignal } from './proc.js';
import { waitFor } from './wait.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface InstanceOptions {
  id: string;
  /** Every variable the instance reads beyond the defaults below (DATABASE_URL, MQTT_URL…). */
  env: Record<string, string>;
  /** Where the instance's log goes (kept for a failing test to print). */
  dir: string;
}

export interface TestInstance {
  id: string;
  url: string;
  port: number;
  readonly pid: number | undefined;
  /** SIGKILL by default: no goodbye to the broker, PostgreSQL or the lease. Waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the process again on the same port (after kill). */
  restart(): Promise<void>;
  health(): Promise<HealthReport>;
  logTail(lines?: number): string;
  alive(): boolean;
}

export async function startInstance(o: InstanceOptions): Promise<TestInstance> {
  const port = await freePort();
  const logFile = path.join(o.dir, `instance-${o.id}.log`);
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const url = `http://127.0.0.1:${port}`;

  const launch = async () => {
    const out = fs.openSync(logFile, 'a');
    // The kernel ends the instance if this test process dies, however it dies.
    const [cmd, args] = withParentDeathSignal(process.execPath, ['--import', 'tsx', 'server/index.ts']);
    child = spawn(cmd, args, {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? o.dir,
        HOST: '127.0.0.1',
        PORT: String(port),
        CLUSTER: 'true',
        INSTANCE_ID: o.id,
        SIMULATORS: 'off',
        SPOOL_DIR: path.join(o.dir, `spool-${o.id}`),
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info',
        INFLUX_FLUSH_MS: '100',
        ...o.env,
      },
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    const c = child;
    exited = new Promise<void>((r) => c.once('exit', () => r()));
    await waitFor(
      async () => {
        if (c.exitCode !== null) throw new Error(`instance ${o.id} exited (${c.exitCode}):\n${tail(logFile, 30)}`);
        const res = await fetch(`${url}/api/health`);
        return res.status === 200 || res.status === 503;
      },
      { timeoutMs: 60_000, intervalMs: 100, message: `instance ${o.id} did not answer on ${url}` },
    );
  };
  await launch();

  return {
    id: o.id,
    url,
    port,
    get pid() {
      return child?.pid;
    },
    alive: () => child !== null && child.exitCode === null && child.signalCode === null,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      c.kill(signal);
      // A clean stop that hangs is cut short: a test never leaves an instance behind.
      const hard = setTimeout(() => c.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(hard);
    },
    restart: launch,
    async health() {
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(3000) });
      return (await res.json()) as HealthReport;
    },
    logTail: (lines = 40) => tail(logFile, lines),
  };
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A temp folder for a cluster's instances (logs, spools, the shared auth folder). */
export function clusterDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-cluster-'));
}
