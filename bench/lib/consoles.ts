/** N Socket.IO consoles spread over child processes of at most 250 sockets each. */
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { Histogram } from './histogram.js';
import { REPO } from './paths.js';

export interface ConsoleReport {
  telemetry: Histogram;
  alerts: Histogram;
  /** Camera changes console 0 received. */
  cameraChanges: number;
  /** Deltas console 0 received, and their size on the wire (characters). */
  deltas: number;
  wireBytes: number;
  connected: number;
  perSecond: { t: number; p95: number; n: number }[];
}

export interface Consoles {
  pids: number[];
  /** Starts a new measurement: telemetry from now, trickle alerts from index `fromAlert` on. */
  reset(fromAlert: number): void;
  /** The figures since the reset; alerts up to trickle index `toAlert` (exclusive) when given. */
  report(toAlert?: number): Promise<ConsoleReport>;
  stop(): Promise<void>;
}

/**
 * `nice`: the processes' scheduling priority (19: they run only on what the others leave),
 * for consoles that stand in for screens on other machines while a few at normal priority
 * measure (suites/latency.ts, the sampled fan-out).
 */
export async function startConsoles(url: string, n: number, token: string | null, perChild = 250, nice = 0): Promise<Consoles> {
  const children: ChildProcess[] = [];
  const sizes: number[] = [];
  for (let left = n; left > 0; left -= perChild) sizes.push(Math.min(perChild, left));
  const readies: Promise<void>[] = [];
  for (const size of sizes) {
    // BENCH_CONSOLE_PROFILE=DIR: a CPU profile of each console process, written when it exits.
    const prof = process.env.BENCH_CONSOLE_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CONSOLE_PROFILE] : [];
    const c = fork(path.join(REPO, 'bench', 'console-child.ts'), [url, String(size)], { execArgv: ['--import', 'tsx', ...prof], env: { ...process.env, BENCH_TOKEN: token ?? '' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(c);
    if (nice !== 0) os.setPriority(c.pid!, nice);
    readies.push(
      new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`${size} consoles not connected within 120 s`)), 120_000);
        c.once('message', () => {
          clearTimeout(t);
          resolve();
        });
        c.once('exit', (code) => reject(new Error(`console child exited (${code})`)));
      }),
    );
  }
  await Promise.all(readies);
  return {
    pids: children.map((c) => c.pid!),
    reset: (fromAlert) => children.forEach((c) => c.send({ cmd: 'reset', fromAlert })),
    async report(toAlert) {
      const parts = await Promise.all(
        children.map(
          (c) =>
            new Promise<{ telemetry: [number, number][]; alerts: [number, number][]; cameraChanges: number; deltas: number; wireBytes: number; connected: number; perSecond: ConsoleReport['perSecond'] }>((resolve) => {
              const on = (m: { report?: never }) => {
                if (!m.report) return;
                c.off('message', on);
                resolve(m.report);
              };
              c.on('message', on);
              c.send({ cmd: 'report', toAlert });
            }),
        ),
      );
      const r: ConsoleReport = { telemetry: new Histogram(), alerts: new Histogram(), cameraChanges: parts[0]!.cameraChanges, deltas: parts[0]!.deltas, wireBytes: parts[0]!.wireBytes, connected: 0, perSecond: parts[0]!.perSecond };
      for (const p of parts) {
        r.telemetry.merge(Histogram.fromJSON(p.telemetry));
        r.alerts.merge(Histogram.fromJSON(p.alerts));
        r.connected += p.connected;
      }
      return r;
    },
    async stop() {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null) return resolve();
              c.once('exit', () => resolve());
              c.send({ cmd: 'exit' });
              setTimeout(() => c.kill('SIGKILL'), 5000).unref();
            }),
        ),
      );
    },
  };
}
