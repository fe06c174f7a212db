/**
 * Starts the real server in-process against the given broker and InfluxDB,
 * on a free HTTP port, with the small test city and no simulators unless asked.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, Delta, ServerToClientEvents, Snapshot } from '../../contract/index.js';
import { createApp, type RunningApp } from '../../server/app.js';
import { loadConfig, type Config } from '../../server/config.js';
import { waitFor } from './wait.js';

export const TEST_PACK = path.join(import.meta.dirname, '..', '..', 'citypacks', 'test-town');

let appCounter = 0;

export interface TestApp extends RunningApp {
  config: Config;
  stop(): Promise<void>;
}

export async function startTestApp(opts: {
  mqttUrl: string;
  influxUrl: string;
  env?: Record<string, string>;
}): Promise<TestApp> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    MQTT_URL: opts.mqttUrl,
    INFLUX_URL: opts.influxUrl,
    // A fresh database and MQTT session per app unless the test pins them (restart tests do).
    INFLUX_DATABASE: `ioc_test_${process.pid}_${++appCounter}`,
    MQTT_CLIENT_ID: `ioc-test-${process.pid}-${appCounter}`,
    CITY_PACK: TEST_PACK,
    SIMULATORS: 'off',
    INFLUX_FLUSH_MS: '100',
    SPOOL_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-test-spool-')),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...opts.env,
  });
  const app = createApp(config, { log: pino({ level: config.LOG_LEVEL }) });
  const running = await app.start();
  return { ...running, config, stop: () => app.stop() };
}

/** A console-like Socket.IO client that records the snapshot and every delta. */
export interface TestConsole {
  socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  snapshots: Snapshot[];
  deltas: Delta[];
  close(): void;
}

export async function connectConsole(url: string): Promise<TestConsole> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = ioClient(url, { transports: ['websocket'], reconnection: false, forceNew: true });
  const c: TestConsole = { socket, snapshots: [], deltas: [], close: () => socket.close() };
  socket.on('state:snapshot', (s) => c.snapshots.push(s));
  socket.on('state:delta', (d) => c.deltas.push(d));
  await waitFor(() => c.snapshots.length > 0, { timeoutMs: 10_000, message: 'no snapshot from the server' });
  return c;
}
