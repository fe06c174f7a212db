import { mkdtemp, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';
import { spawnService, startDespitePortRace, stopThenRemove } from './proc.js';
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
  const child = spawnService(bin, ['-c', configFile], { tailLines: 40 });
  const { tail, exit: exitPromise } = child;
  const stopChild = () => child.end('SIGTERM');

  const timeoutMs = opts.readyTimeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exited()) {
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
  if (child.exited()) throw new Error(`mosquitto exited right after starting:\n${tail.join('\n')}`);

  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    pid: child.pid as number,
    configFile,
    logTail: () => [...tail],
    stop: stopThenRemove(stopChild, dir),
  };
}

/** A throwaway Mosquitto on a random free 127.0.0.1 port, config in a fresh temp folder. */
export async function startMosquitto(opts: StartMosquittoOptions = {}): Promise<TestMosquitto> {
  const bin = requireService('mosquitto', () => findBinary('mosquitto'));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ioc-test-mosquitto-'));
  // A port picked by freePort() can be taken before mosquitto binds it.
  const clash = (err: unknown) => err instanceof Error && /address already in use/i.test(err.message);
  return startDespitePortRace(dir, clash, async () => startOnce(bin, dir, await freePort(), opts));
}
