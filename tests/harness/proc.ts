import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { isMainThread } from 'node:worker_threads';
import { findBinary } from '../../scripts/ensure-deps.mjs';

/**
 * On Linux, from the main thread, run `command` through `setpriv --pdeathsig KILL`
 * so the kernel kills it when this process dies, even by SIGKILL (e.g. a vitest
 * worker killed on timeout). setpriv execs the command, so the pid is the same.
 */
export function withParentDeathSignal(command: string, args: string[]): [string, string[]] {
  if (process.platform !== 'linux' || !isMainThread) return [command, args];
  const setpriv = findBinary('setpriv');
  return setpriv ? [setpriv, ['--pdeathsig', 'KILL', '--', command, ...args]] : [command, args];
}

/** A service the harness runs as a child process (mosquitto, redis-server): its last output lines and its end. */
export interface ServiceProcess {
  pid: number;
  /** The last lines it wrote (stderr, and stdout when asked), oldest first: for error messages. */
  tail: string[];
  exited(): boolean;
  /** Settles when it is gone (after its output pipes drained, so `tail` has its last words). */
  exit: Promise<void>;
  signal(signal: NodeJS.Signals): void;
  /** Sends `signal` and waits for the exit; SIGKILL after 5 s so a stuck service cannot hang a test. */
  end(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Spawns `bin args` with the parent-death signal, keeps its last `tailLines` lines of output, and kills it
 * if this process exits first (a test run ended mid-file leaves no broker behind).
 */
export function spawnService(bin: string, args: string[], opts: { tailLines: number; stdout?: boolean; tail?: string[] }): ServiceProcess {
  const [cmd, argv] = withParentDeathSignal(bin, args);
  const child = spawn(cmd, argv, { stdio: ['ignore', opts.stdout ? 'pipe' : 'ignore', 'pipe'], detached: false });
  const tail = opts.tail ?? [];
  const keep = (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > opts.tailLines) tail.shift();
    }
  };
  for (const out of [child.stdout, child.stderr]) {
    out?.setEncoding('utf8');
    out?.on('data', keep);
  }
  const killOnExit = () => {
    try {
      child.kill('SIGKILL');
    } catch {
      /* gone */
    }
  };
  process.on('exit', killOnExit);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    const onGone = () => {
      exited = true;
      process.removeListener('exit', killOnExit);
      resolve();
    };
    child.once('close', onGone);
    child.once('error', (err) => {
      tail.push(`spawn error: ${err.message}`);
      if (child.pid === undefined) onGone();
    });
  });
  const signal = (s: NodeJS.Signals) => {
    if (!exited) child.kill(s);
  };
  return {
    pid: child.pid ?? -1,
    tail,
    exited: () => exited,
    exit,
    signal,
    async end(s = 'SIGTERM') {
      if (exited) return;
      signal(s);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exit, new Promise<void>((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
      if (!exited) {
        signal('SIGKILL');
        await exit;
      }
    },
  };
}

/** A stop() that runs once and removes the service's temp folder after it, even when stopping failed. */
export function stopThenRemove(stop: () => Promise<void>, dir: string): () => Promise<void> {
  let stopped = false;
  return async () => {
    if (stopped) return;
    stopped = true;
    try {
      await stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}

/**
 * Starts a service on ports picked free, again (up to 3 times) when another process took one first
 * (`clash` says which errors are that race); on giving up, removes its temp folder and throws the last error.
 */
export async function startDespitePortRace<T>(dir: string, clash: (err: unknown) => boolean, start: () => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await start();
    } catch (err) {
      lastError = err;
      if (!clash(err)) break;
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
