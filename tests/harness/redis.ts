import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';
import { spawnService, type ServiceProcess } from './proc.js';
import { findBinary } from '../../scripts/ensure-deps.mjs';
import { requireService } from './services.js';

export interface StartRedisOptions {
  /** How long a start or a restart may take to answer PING. Default 15 s. */
  readyTimeoutMs?: number;
}

export interface TestRedis {
  /** redis://127.0.0.1:PORT */
  url: string;
  port: number;
  /** The pid of the running redis-server; a restart changes it. */
  readonly pid: number;
  /** Its temp folder (--dir): kept by kill(), removed by stop(). */
  dir: string;
  /** Last lines redis-server wrote (it logs to stdout), across restarts. */
  logTail(): string[];
  /** Sends `signal` (default SIGKILL, a crash), waits for the exit; keeps the folder and the port for restart(). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts redis-server again on the same port (killing it first if it still runs) and waits until it answers PING. */
  restart(): Promise<void>;
  /** SIGTERM (SIGKILL after 5 s), waits for exit, removes the temp folder. Idempotent. */
  stop(): Promise<void>;
}

/** True when a redis-server on `port` answers "+PONG" to an inline PING within `timeoutMs`. */
export function redisAnswersPing(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setEncoding('utf8');
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => sock.write('PING\r\n'));
    // Still loading (or refusing) it answers "-LOADING ..." or "-ERR ...": not ready.
    sock.on('data', (chunk: string) => {
      reply += chunk;
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    sock.once('error', () => done(false));
    sock.once('close', () => done(false));
  });
}

type RedisProcess = ServiceProcess;

function spawnRedis(bin: string, dir: string, port: number, tail: string[]): RedisProcess {
  // No RDB snapshots and no AOF: a killed server comes back empty, and nothing is written to the folder.
  return spawnService(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { tailLines: 60, stdout: true, tail });
}

const endProcess = (proc: RedisProcess, signal: NodeJS.Signals) => proc.end(signal);

async function waitForPing(proc: RedisProcess, port: number, timeoutMs: number, tail: string[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exited()) {
      throw new Error(`redis-server exited before answering PING on port ${port}:\n${tail.join('\n')}`);
    }
    if (await redisAnswersPing(port)) return;
    if (Date.now() > deadline) {
      await endProcess(proc, 'SIGKILL');
      throw new Error(`redis-server did not answer PING on port ${port} within ${timeoutMs} ms:\n${tail.join('\n')}`);
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([proc.exit, new Promise<void>((r) => (timer = setTimeout(r, 25)))]);
    clearTimeout(timer);
  }
}

/**
 * A throwaway Redis (Debian's redis-server) on a random free 127.0.0.1 port, working folder in a fresh
 * temp folder. kill() and restart() let a test crash it and bring it back where its clients expect it.
 */
export async function startRedis(opts: StartRedisOptions = {}): Promise<TestRedis> {
  const bin = requireService('redis-server', () => findBinary('redis-server'));
  const timeoutMs = opts.readyTimeoutMs ?? 15_000;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ioc-test-redis-'));
  const tail: string[] = [];
  let proc: RedisProcess | undefined;
  let port = 0;
  let lastError: unknown;
  // A port picked by freePort() can be taken before redis-server binds it: retry on that race.
  for (let attempt = 1; attempt <= 3 && !proc; attempt++) {
    port = await freePort();
    const candidate = spawnRedis(bin, dir, port, tail);
    try {
      await waitForPing(candidate, port, timeoutMs, tail);
      proc = candidate;
    } catch (err) {
      lastError = err;
      if (!(err instanceof Error && /address already in use/i.test(err.message))) break;
    }
  }
  if (!proc) {
    await rm(dir, { recursive: true, force: true });
    throw lastError;
  }

  let current: RedisProcess = proc;
  let stopped = false;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return current.pid;
    },
    dir,
    logTail: () => [...tail],
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      await endProcess(current, signal);
    },
    async restart() {
      if (stopped) throw new Error('redis-server was stopped: restart() needs a server that was only killed');
      await endProcess(current, 'SIGKILL');
      current = spawnRedis(bin, dir, port, tail);
      await waitForPing(current, port, timeoutMs, tail);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await endProcess(current, 'SIGTERM');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
