import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';
import { withParentDeathSignal } from './proc.js';
import { findBinary } from '../../scripts/ensure-deps.mjs';
import { requireService } from './services.js';

export interface StartMosquittoOptions {
  /** Appended verbatim to the generated mosquitto.conf. */
  extraConfig?: string;
  /** A mosquitto_passwd file; when given, anonymous clients are refused. */
  passwordFile?: string;
  aclFile?: string;
  /** Default 15 s. */
  readyTimeoutMs?: number;
}

export interface TestMosquitto {
  /** mqtt://127.0.0.1:PORT */
  url: string;
  port: number;
  pid: number;
  configFile: string;
  /** Last lines mosquitto wrote to stderr (errors and warnings). */
  logTail(): string[];
  /** SIGTERM (SIGKILL after 5 s), waits for exit, removes the temp folder. Idempotent. */
  stop(): Promise<void>;
}

export function renderMosquittoConfig(port: number, opts: StartMosquittoOptions = {}): string {
  const lines = [
    '# Written by tests/harness/mosquitto.ts',
    // Started as root, mosquitto drops to user "mosquitto", which then cannot read
    // password/ACL files in our 0700 temp folder ("Unable to open pwfile"). Measured:
    // "user root" keeps it working (it only logs a warning).
    ...(process.getuid?.() === 0 ? ['user root'] : []),
    `listener ${port} 127.0.0.1`,
    `allow_anonymous ${opts.passwordFile ? 'false' : 'true'}`,
    ...(opts.passwordFile ? [`password_file ${opts.passwordFile}`] : []),
    ...(opts.aclFile ? [`acl_file ${opts.aclFile}`] : []),
    'persistence false',
    // The default of 1000 silently drops QoS1 messages for a subscriber that falls behind.
    'max_queued_messages 100000',
    'max_queued_bytes 268435456',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'sys_interval 1',
  ];
  if (opts.extraConfig) lines.push(opts.extraConfig);
  return lines.join('\n') + '\n';
}

function tcpAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

async function startOnce(bin: string, dir: string, port: number, opts: StartMosquittoOptions): Promise<TestMosquitto> {
  const configFile = path.join(dir, 'mosquitto.conf');
  await writeFile(configFile, renderMosquittoConfig(port, opts), { mode: 0o600 });
  const [cmd, args] = withParentDeathSignal(bin, ['-c', configFile]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: false });
  const tail: string[] = [];
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 40) tail.shift();
    }
  });
  const killOnExit = () => {
    try {
      child.kill('SIGKILL');
    } catch {
      /* gone */
    }
  };
  process.on('exit', killOnExit);
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => {
    const onGone = () => {
      exited = true;
      process.removeListener('exit', killOnExit);
      resolve();
    };
    child.once('exit', onGone);
    child.once('error', (err) => {
      tail.push(`spawn error: ${err.message}`);
      if (child.pid === undefined) onGone();
    });
  });

  const stopChild = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exitPromise, new Promise<void>((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
    if (!exited) {
      child.kill('SIGKILL');
      await exitPromise;
    }
  };

  const timeoutMs = opts.readyTimeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      throw new Error(`mosquitto exited before accepting connections on port ${port}:\n${tail.join('\n')}`);
    }
    if (await tcpAccepts(port)) break;
    if (Date.now() > deadline) {
      await stopChild();
      throw new Error(`mosquitto did not accept connections on port ${port} within ${timeoutMs} ms:\n${tail.join('\n')}`);
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exitPromise, new Promise<void>((r) => (timer = setTimeout(r, 25)))]);
    clearTimeout(timer);
  }
  if (exited) throw new Error(`mosquitto exited right after starting:\n${tail.join('\n')}`);

  let stopped = false;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    pid: child.pid as number,
    configFile,
    logTail: () => [...tail],
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await stopChild();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A throwaway Mosquitto on a random free 127.0.0.1 port, config in a fresh temp folder. */
export async function startMosquitto(opts: StartMosquittoOptions = {}): Promise<TestMosquitto> {
  const bin = requireService('mosquitto', () => findBinary('mosquitto'));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ioc-test-mosquitto-'));
  let lastError: unknown;
  // A port picked by freePort() can be taken before mosquitto binds it: retry on that race.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    try {
      return await startOnce(bin, dir, port, opts);
    } catch (err) {
      lastError = err;
      if (!(err instanceof Error && /address already in use/i.test(err.message))) break;
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}
