/**
 * The load publisher in its own process: the simulators' CLI in load mode
 * (`npm run sim -- --rate N --devices M --duration S`), so that neither the
 * server nor the bench process pays for publishing.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { LoadSummary } from '../../simulators/load.js';
import { withParentDeathSignal } from '../../tests/harness/proc.js';
import { REPO } from './paths.js';

export interface PublishOptions {
  mqttUrl: string;
  rate: number;
  devices: number;
  durationS: number;
  cityPack: string;
  window?: number;
  connections?: number;
  /** Called with the acked rate of each second. */
  onSecond?: (rate: number) => void;
}

export interface Publisher {
  pid: number;
  done: Promise<LoadSummary>;
}

export function startPublisher(o: PublishOptions): Publisher {
  const argv = [
    '--import', 'tsx', path.join(REPO, 'simulators', 'cli.ts'),
    '--url', o.mqttUrl, '--pack', o.cityPack,
    '--rate', String(o.rate), '--devices', String(o.devices), '--duration', String(o.durationS),
    '--window', String(o.window ?? 512), '--shared-connections', String(o.connections ?? 4),
  ];
  const [cmd, args] = withParentDeathSignal(process.execPath, argv);
  const child = spawn(cmd, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    err = (err + s).slice(-4000);
    for (const m of s.matchAll(/rate=(\d+)\/s/g)) o.onSecond?.(Number(m[1]));
  });
  const done = new Promise<LoadSummary>((resolve, reject) => {
    child.once('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve(JSON.parse(line) as LoadSummary);
      } catch (e) {
        reject(new Error(`load publisher failed (${(e as Error).message}):\n${err}`));
      }
    });
  });
  return { pid: child.pid!, done };
}
