/**
 * Starts the real server in-process against the given broker and InfluxDB,
 * on a free HTTP port, with the small test city and no simulators unless asked.
 * Asked (env SIMULATORS=on, SIM_SCENARIO, SIM_SEED, SIM_SPEED: the variables `npm start`
 * reads), the demo simulators start beside the app once it is up, as `npm start` runs them
 * (scripts/start.mjs), and stop before it without signing their devices off.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, Delta, HandshakeAuth, ServerToClientEvents, Snapshot } from '../../contract/index.js';
import { createApp, type RunningApp } from '../../server/app.js';
import { loadConfig, type Config } from '../../server/config.js';
import { migrate } from '../../server/db/migrate.js';
import { startSimulation, type Simulation } from '../../simulators/index.js';
import { loadIndicators } from '../../contract/indicators-load.js';
import { waitFor } from './wait.js';
import { bearer, login, seedUsers, testPassword, testUsername, type TestRole, type TestSession } from './auth.js';
import { createDatabase, startTestPostgres, type TestPostgres } from './postgres.js';

/**
 * One PostgreSQL cluster per test worker (started by the first app, ending with the worker),
 * and a database of its own per app: apps never see each other's records unless a test pins the
 * database (restart tests: same INFLUX_DATABASE, same PG database). The integration and browser
 * projects run their files one after another in the same worker (`isolate: false`), so a file
 * pays neither a cluster start nor a migration: databases are named per process and per app.
 */
let workerPostgres: Promise<TestPostgres> | null = null;
const WORKER_CLUSTER = 'ioc-test-pg-worker-';

export function testPostgres(): Promise<TestPostgres> {
  if (!workerPostgres) {
    removeDeadWorkersClusters();
    workerPostgres = startTestPostgres({ prefix: `${WORKER_CLUSTER}${process.pid}-` });
    workerPostgres.catch(() => (workerPostgres = null)); // the next file tries again
  }
  return workerPostgres;
}

/**
 * vitest ends a worker with SIGTERM, which runs no exit handler: the cluster dies with the worker
 * (parent-death signal) but its folder stays. The next worker removes the folders of workers gone.
 */
function removeDeadWorkersClusters(): void {
  for (const name of fs.readdirSync(os.tmpdir())) {
    const pid = Number(new RegExp(`^${WORKER_CLUSTER}(\\d+)-`).exec(name)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
  }
}
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A database with every migration applied, made once per worker: each app's database is a copy (faster than migrating each). */
let migratedTemplate: Promise<string> | null = null;
function template(cluster: TestPostgres): Promise<string> {
  if (!migratedTemplate) {
    migratedTemplate = (async () => {
      await migrate(await createDatabase(cluster.url, 'ioc_migrated'), pino({ level: 'silent' }));
      return 'ioc_migrated';
    })();
    migratedTemplate.catch(() => (migratedTemplate = null));
  }
  return migratedTemplate;
}

/** A database `name` in the worker's cluster (created migrated when missing); its URL. */
export async function testDatabase(name: string): Promise<string> {
  const cluster = await testPostgres();
  return createDatabase(cluster.url, name, { template: await template(cluster) });
}

export const TEST_PACK = path.join(import.meta.dirname, '..', '..', 'citypacks', 'test-town');

/** Settings for an app on its own embedded broker (startTestApp's `mqttUrl: ''`), on a free loopback port. */
export const EMBEDDED_BROKER = { MQTT_EMBEDDED_PORT: '0', MQTT_EMBEDDED_HOST: '127.0.0.1' } as const;

let appCounter = 0;

export interface TestApp extends RunningApp {
  config: Config;
  stop(): Promise<void>;
  /** Logs in the test account of a role (tests/harness/auth.ts). */
  login(role: TestRole): Promise<TestSession>;
  /** An access token for a role (one login per role per app), or the wall's display token. */
  token(role: TestRole | 'wall'): Promise<string>;
  /** `Authorization: Bearer …` for a role (default duty_officer). */
  headers(role?: TestRole | 'wall'): Promise<Record<string, string>>;
  /** The unit the test responder is bound to. */
  responderUnit: string;
}

export async function startTestApp(opts: {
  /** '' = the embedded broker (set MQTT_EMBEDDED_PORT to 0 in env). */
  mqttUrl: string;
  influxUrl: string;
  env?: Record<string, string>;
  /** The server's clock (default Date.now): a test that needs an alert raised "10 minutes ago" moves it. */
  now?: () => number;
}): Promise<TestApp> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-test-auth-'));
  const n = ++appCounter;
  const influxDatabase = opts.env?.INFLUX_DATABASE ?? `ioc_test_${process.pid}_${n}`;
  const databaseUrl = opts.env?.DATABASE_URL ?? (await testDatabase(influxDatabase.toLowerCase()));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    MQTT_URL: opts.mqttUrl,
    INFLUX_URL: opts.influxUrl,
    // A fresh database and MQTT session per app unless the test pins them (restart tests do).
    INFLUX_DATABASE: influxDatabase,
    DATABASE_URL: databaseUrl,
    MQTT_CLIENT_ID: `ioc-test-${process.pid}-${n}`,
    CITY_PACK: TEST_PACK,
    SIMULATORS: 'off',
    INFLUX_FLUSH_MS: '100',
    SPOOL_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-test-spool-')),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Users, sessions and device secrets of this app only (pin AUTH_DIR to keep them across a restart).
    AUTH_DIR: path.join(tmp, 'auth'),
    DEVICE_REGISTRY: path.join(tmp, 'devices.json'),
    SIM_MQTT_PASSWORD: `sim-${process.pid}-${n}`,
    ...opts.env,
  });
  const units = (JSON.parse(fs.readFileSync(path.join(config.CITY_PACK, 'sites.json'), 'utf8')) as { units: { id: string }[] }).units.map((u) => u.id);
  const seeded = await seedUsers(config, units);
  const app = createApp(config, { log: pino({ level: config.LOG_LEVEL }), now: opts.now });
  const running = await app.start();
  let sim: Simulation | null = null;
  try {
    sim = config.SIMULATORS ? await startDemoSimulators(config, running) : null;
  } catch (err) {
    await app.stop();
    throw err;
  }
  const tokens = new Map<string, Promise<string>>();
  const loginAs = (role: TestRole) => login(running.url, testUsername(role), testPassword(testUsername(role)));
  const token = (role: TestRole | 'wall') => {
    if (role === 'wall') return Promise.resolve(seeded.displayToken);
    let t = tokens.get(role);
    if (!t) tokens.set(role, (t = loginAs(role).then((s) => s.accessToken)));
    return t;
  };
  return {
    ...running,
    config,
    responderUnit: seeded.responderUnit,
    login: loginAs,
    token,
    headers: async (role = 'duty_officer') => bearer(await token(role)),
    stop: async () => {
      await sim?.stop({ signOff: false });
      await app.stop();
    },
  };
}

/** The simulators of SIMULATORS=on, where and as whom the app says (server/index.ts tells `npm start` the same). */
function startDemoSimulators(config: Config, running: RunningApp): Promise<Simulation> {
  return startSimulation({
    mqttUrl: running.localMqttUrl,
    ...(running.simulatorUsername ? { username: running.simulatorUsername, password: config.SIM_MQTT_PASSWORD } : {}),
    pack: running.pack,
    scenario: config.SIM_SCENARIO,
    seed: config.SIM_SEED,
    speed: config.SIM_SPEED,
    logger: pino({ level: config.LOG_LEVEL }).child({ module: 'simulators' }),
    indicators: loadIndicators(config.INDICATORS_FILE),
  });
}

/** A console-like Socket.IO client that records the snapshot and every delta. */
export interface TestConsole {
  socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  snapshots: Snapshot[];
  deltas: Delta[];
  close(): void;
}

export async function connectConsole(url: string, token: string, auth: Omit<HandshakeAuth, 'token'> = {}): Promise<TestConsole> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = ioClient(url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { ...auth, token } });
  const c: TestConsole = { socket, snapshots: [], deltas: [], close: () => socket.close() };
  socket.on('state:snapshot', (s) => c.snapshots.push(s));
  socket.on('state:delta', (d) => c.deltas.push(d));
  await waitFor(() => c.snapshots.length > 0, { timeoutMs: 10_000, message: 'no snapshot from the server' });
  return c;
}
