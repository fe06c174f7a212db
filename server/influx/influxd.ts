/**
 * A supervised local `influxd` (InfluxDB 1.x, Debian package `influxdb`).
 *
 * Used by the server (`npm start`, when INFLUX_URL is not set) and by the test
 * harness. It writes a minimal config under `dataDir`, spawns
 * `influxd run -config FILE`, polls `/ping` until it answers, and makes sure the
 * child never outlives this process:
 *   - a process 'exit' handler SIGKILLs it synchronously;
 *   - on Linux, when called from the main thread, the child is started through
 *     `setpriv --pdeathsig KILL` so the kernel kills it if this process dies
 *     (even by SIGKILL);
 *   - SIGINT/SIGTERM handling is the caller's job (call stop(), then exit).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import type { Logger } from 'pino';
import { defaultLogger, findOnPath, isExecutableFile, pickFreePort, portIsFree, tailCollector } from '../local-service.js';

export const INFLUXD_MISSING_MESSAGE =
  'influxd not found: install Debian\'s package (apt-get install influxdb), set INFLUX_URL to an existing InfluxDB 1.8 (or 2.x/3.x v1 API), or use docker compose up';

export class InfluxdMissingError extends Error {
  constructor() {
    super(INFLUXD_MISSING_MESSAGE);
    this.name = 'InfluxdMissingError';
  }
}

/** influxd could not be started: port taken, early exit, or not ready in time. */
export class InfluxdStartError extends Error {
  readonly stderrTail: string[];
  constructor(message: string, stderrTail: string[]) {
    const tail = stderrTail.length > 0 ? `\n--- last influxd output ---\n${stderrTail.join('\n')}` : '';
    super(message + tail);
    this.name = 'InfluxdStartError';
    this.stderrTail = stderrTail;
  }
}

export interface StartInfluxdOptions {
  /** Folder for the config file, meta, data and wal dirs. Created if missing. */
  dataDir: string;
  /** HTTP API port on 127.0.0.1. */
  httpPort: number;
  /** RPC (backup/restore) port on 127.0.0.1; a free port is chosen when omitted. */
  rpcPort?: number;
  logger?: Logger;
  /** How long to wait for /ping to answer. Default 30 s. */
  readyTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. Default 10 s. */
  stopTimeoutMs?: number;
}

export interface InfluxdHandle {
  /** Base URL, e.g. http://127.0.0.1:8086 */
  url: string;
  pid: number;
  /** SIGTERM, then SIGKILL after stopTimeoutMs; resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
}



/** Absolute path of `influxd` on PATH, or null. */
export function findInfluxd(): string | null {
  return findOnPath('influxd');
}

function tomlString(s: string): string {
  // JSON string escaping is valid TOML basic-string escaping for paths.
  return JSON.stringify(s);
}

export function renderInfluxdConfig(dataDir: string, httpPort: number, rpcPort: number): string {
  return [
    '# Written by server/influx/influxd.ts; regenerated on every start.',
    'reporting-disabled = true',
    `bind-address = ${tomlString(`127.0.0.1:${rpcPort}`)}`,
    '',
    '[meta]',
    `  dir = ${tomlString(path.join(dataDir, 'meta'))}`,
    '',
    '[data]',
    `  dir = ${tomlString(path.join(dataDir, 'data'))}`,
    `  wal-dir = ${tomlString(path.join(dataDir, 'wal'))}`,
    '  query-log-enabled = false',
    '',
    '[monitor]',
    '  store-enabled = false',
    '',
    '[http]',
    '  enabled = true',
    `  bind-address = ${tomlString(`127.0.0.1:${httpPort}`)}`,
    '  log-enabled = false',
    '',
  ].join('\n');
}


/** The caller's environment minus INFLUXDB_* overrides (influxd 1.x lets them beat the config file). */
function influxdEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('INFLUXDB_')) env[k] = v;
  env.INFLUXDB_REPORTING_DISABLED = 'true';
  return env;
}

function canUsePdeathsig(): boolean {
  return process.platform === 'linux' && isMainThread && findOnPath('setpriv') !== null;
}

export async function startInfluxd(opts: StartInfluxdOptions): Promise<InfluxdHandle> {
  const log = (opts.logger ?? defaultLogger()).child({ component: 'influxd' });
  const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 10_000;

  const bin = findInfluxd();
  if (!bin) throw new InfluxdMissingError();

  const dataDir = path.resolve(opts.dataDir);
  // influxd writes its files with the process umask; the folder keeps everyone else out of them.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  const rpcPort = opts.rpcPort ?? (await pickFreePort());

  // Fail fast, and never mistake another server on the port for ours.
  for (const [what, port] of [['HTTP', opts.httpPort], ['RPC', rpcPort]] as const) {
    if (!(await portIsFree(port))) {
      throw new InfluxdStartError(`influxd cannot start: ${what} port 127.0.0.1:${port} is already in use`, []);
    }
  }

  const configFile = path.join(dataDir, 'influxd.conf');
  writeFileSync(configFile, renderInfluxdConfig(dataDir, opts.httpPort, rpcPort), { mode: 0o600 });

  const influxdArgs = ['run', '-config', configFile];
  const [command, args] = canUsePdeathsig()
    ? ['setpriv', ['--pdeathsig', 'KILL', '--', bin, ...influxdArgs]]
    : [bin, influxdArgs];

  const tail: string[] = [];
  const child: ChildProcess = spawn(command, args, {
    detached: false,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: influxdEnv(),
  });

  // An object (not `let`s) so TypeScript does not narrow fields that the event handlers set.
  const state: {
    exit: { code: number | null; signal: NodeJS.Signals | null } | null;
    spawnError: NodeJS.ErrnoException | null;
  } = { exit: null, spawnError: null };
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      state.exit = { code, signal };
      process.removeListener('exit', killOnExit);
      resolve();
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      state.spawnError = err;
      if (child.pid === undefined) {
        // Never spawned: no 'exit' will follow.
        state.exit = { code: null, signal: null };
        process.removeListener('exit', killOnExit);
        resolve();
      }
    });
  });

  function killOnExit(): void {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  process.on('exit', killOnExit);

  child.stdout?.on('data', tailCollector(tail, log, { stream: 'stdout' }));
  child.stderr?.on('data', tailCollector(tail, log, { stream: 'stderr' }));

  const url = `http://127.0.0.1:${opts.httpPort}`;

  const stop = async (): Promise<void> => {
    if (state.exit) return;
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), stopTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut && !state.exit) {
      log.warn({ influxdPid: child.pid, stopTimeoutMs }, 'influxd did not stop after SIGTERM; sending SIGKILL');
      child.kill('SIGKILL');
      await exited;
    }
    log.debug({ influxdPid: child.pid, exit: state.exit }, 'influxd stopped');
  };

  const started = Date.now();
  const deadline = started + readyTimeoutMs;
  for (;;) {
    if (state.exit) {
      const err = state.spawnError;
      if (err?.code === 'ENOENT') throw new InfluxdMissingError();
      const { code, signal } = state.exit;
      throw new InfluxdStartError(
        err
          ? `influxd failed to start: ${err.message}`
          : `influxd exited before answering /ping (code ${code}, signal ${signal})`,
        [...tail],
      );
    }
    try {
      const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 204 || res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      const lines = [...tail];
      await stop();
      throw new InfluxdStartError(`influxd did not answer ${url}/ping within ${readyTimeoutMs} ms`, lines);
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise<void>((r) => (timer = setTimeout(r, 50)))]);
    clearTimeout(timer);
  }
  // /ping answered; make sure it was our child and it is still alive.
  if (state.exit) {
    throw new InfluxdStartError('influxd exited right after answering /ping', [...tail]);
  }

  const pid = child.pid as number;
  log.info({ url, influxdPid: pid, dataDir, ms: Date.now() - started }, 'influxd ready');
  return { url, pid, stop };
}
