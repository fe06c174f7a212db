import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { findInfluxd, InfluxdStartError, startInfluxd } from '../../server/influx/influxd.js';
import { freePort } from './ports.js';
import { startDespitePortRace, stopThenRemove } from './proc.js';
import { requireService } from './services.js';

export interface TestInfluxd {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  host: string;
  port: number;
  pid: number;
  dataDir: string;
  /** Stops influxd and removes its temp folder. Idempotent. */
  stop(): Promise<void>;
}

/**
 * A throwaway influxd on random free ports with its data in a fresh temp folder.
 * Logs at `silent` unless TEST_LOG_LEVEL is set (e.g. TEST_LOG_LEVEL=debug shows influxd's stderr).
 */
export async function startTestInfluxd(opts: { logger?: Logger; readyTimeoutMs?: number } = {}): Promise<TestInfluxd> {
  requireService('influxd', findInfluxd);
  const logger = opts.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ioc-test-influxd-'));
  // The ports are free when picked but another process could take them first.
  const clash = (err: unknown) => err instanceof InfluxdStartError && /in use/i.test(err.message);
  return startDespitePortRace(dataDir, clash, async () => {
    const httpPort = await freePort();
    const handle = await startInfluxd({ dataDir, httpPort, rpcPort: await freePort(), logger, readyTimeoutMs: opts.readyTimeoutMs ?? 30_000 });
    return { url: handle.url, host: '127.0.0.1', port: httpPort, pid: handle.pid, dataDir, stop: stopThenRemove(() => handle.stop(), dataDir) };
  });
}
