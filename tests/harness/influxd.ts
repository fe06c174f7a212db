import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { findInfluxd, InfluxdStartError, startInfluxd } from '../../server/influx/influxd.js';
import { freePort } from './ports.js';
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
  let lastError: unknown;
  // The ports are free when picked but another process could take them first: retry on that race.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const httpPort = await freePort();
    const rpcPort = await freePort();
    try {
      const handle = await startInfluxd({
        dataDir,
        httpPort,
        rpcPort,
        logger,
        readyTimeoutMs: opts.readyTimeoutMs ?? 30_000,
      });
      let stopped = false;
      return {
        url: handle.url,
        host: '127.0.0.1',
        port: httpPort,
        pid: handle.pid,
        dataDir,
        async stop() {
          if (stopped) return;
          stopped = true;
          try {
            await handle.stop();
          } finally {
            await rm(dataDir, { recursive: true, force: true });
          }
        },
      };
    } catch (err) {
      lastError = err;
      const portClash = err instanceof InfluxdStartError && /in use/i.test(err.message);
      if (!portClash) break;
    }
  }
  await rm(dataDir, { recursive: true, force: true });
  throw lastError;
}
