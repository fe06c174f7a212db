/**
 * Programmatic entry: the CLI (cli.ts, also the process `npm start` runs beside the server)
 * and the tests call startSimulation().
 * Startup is quick on purpose: every device's status is published at once, so the
 * console looks alive within seconds; the generator then runs on the wall clock.
 */
import pino from 'pino';
import { grabFrame } from './snapshot.js';
import type { SimEvent } from './types.js';
import type { CityPack } from '../contract/citypack.js';
import type { IndicatorDef } from '../contract/indicators.js';
import { demoIndicatorValues } from './indicators.js';
import { createEventGenerator } from './generator.js';
import { getScenario } from './scenarios.js';
import { ConnectionPool, runClock, type ConnectionMode, type DeviceRef } from './transport.js';
import type { ScenarioExpectation } from './types.js';

export { createEventGenerator, generateEvents, STATUS_INTERVAL_MS } from './generator.js';
export { describeScenario, SCENARIO_NAMES } from './scenarios.js';
export { runLoad, type LoadOptions, type LoadSummary } from './load.js';
export type { ScenarioExpectation, SimEvent, GeneratorOptions } from './types.js';

/** Below this many devices each gets its own connection (and last-will); above, a few shared ones. */
export const PER_DEVICE_LIMIT = 200;

export interface StartSimulationOptions {
  mqttUrl: string;
  pack: CityPack;
  scenario?: string;
  seed?: number;
  speed?: number;
  username?: string;
  password?: string;
  logger?: pino.Logger;
  /** Default: per-device below PER_DEVICE_LIMIT devices, shared otherwise. */
  connections?: ConnectionMode;
  protocolVersion?: 3 | 4 | 5;
  /** Max publishes awaiting PUBACK. */
  window?: number;
  /**
   * ffmpeg, for the evidence frames of detections (simulators/snapshot.ts). Unset: detections go
   * without images (the tests that do not read them save the CPU); the CLI, which `npm start` runs, sets it.
   */
  ffmpeg?: string;
  /** The indicator registry: a year of demo figures is published for it at start (simulators/indicators.ts). */
  indicators?: readonly IndicatorDef[];
}

export interface Simulation {
  /**
   * Stop publishing and disconnect. By default every device signs off first (offline, down:
   * retained). `{ signOff: false }` leaves the devices as they were, for when the console stops
   * with them (`npm start`): it must not record a city-wide outage that never happened.
   */
  stop(opts?: { signOff?: boolean }): Promise<void>;
  readonly expectation: ScenarioExpectation;
  /** Wall-clock epoch ms of sim offset 0: an event at sim offset `at` is published at startTs + at / speed. */
  readonly startTs: number;
  readonly stats: { published: number; errors: number; connections: number };
}

export async function startSimulation(opts: StartSimulationOptions): Promise<Simulation> {
  const logger = opts.logger ?? pino({ name: 'simulators' });
  const scenario = opts.scenario ?? 'normal-day';
  const seed = opts.seed ?? Date.now() % 1_000_000;
  const speed = opts.speed ?? 1;
  getScenario(scenario); // fail on a bad name before opening ~100 connections
  const { sites } = opts.pack;
  const devices: DeviceRef[] = [
    ...sites.cameras.map((c) => ({ id: c.id, statusKind: 'cameraStatus' as const })),
    ...sites.stations.map((s) => ({ id: s.id, statusKind: 'stationStatus' as const })),
    ...sites.links.map((l) => ({ id: l.id, statusKind: 'linkStatus' as const })),
  ];
  const mode = opts.connections ?? (devices.length < PER_DEVICE_LIMIT ? 'per-device' : 'shared');
  const pool = await ConnectionPool.open(devices, mode, { mqttUrl: opts.mqttUrl, username: opts.username, password: opts.password, protocolVersion: opts.protocolVersion, logger });
  // The clock starts after connecting (which can take a second for ~100 clients), and the
  // generator shares that start so payload ts equals the wall time of publishing.
  const startTs = Date.now();
  let gen;
  try {
    gen = createEventGenerator({ pack: opts.pack, scenario, seed, speed, startTs });
  } catch (err) {
    await pool.close();
    throw err;
  }
  const names = new Map(sites.cameras.map((c) => [c.id, c.name]));
  const ffmpeg = opts.ffmpeg;
  const evidence = ffmpeg === undefined ? undefined : (e: SimEvent) => grabFrame(`${e.deviceId} · ${names.get(e.deviceId) ?? ''}`, { ffmpeg, timeZone: opts.pack.meta.timezone });
  const clock = runClock(gen, pool, { startTs, speed, window: opts.window ?? 256, logger, ...(evidence ? { evidence } : {}) });
  await clock.started;
  if (opts.indicators?.length) {
    const values = demoIndicatorValues(opts.indicators, startTs, opts.pack.meta.timezone, seed);
    const client = pool.clientFor('indicators');
    await Promise.all(values.map((v) => client.publishAsync(v.topic, JSON.stringify(v.payload), { qos: 1 })));
    logger.info({ values: values.length, indicators: opts.indicators.length }, 'demo indicator figures published');
  }
  logger.info({ pack: opts.pack.meta.id, scenario, seed, speed, mode, connections: pool.size, devices: devices.length }, 'simulation started');
  logger.info({ expectation: gen.expectation.summary }, 'scenario');
  let stopping: Promise<void> | undefined;
  return {
    expectation: gen.expectation,
    startTs,
    get stats() {
      return { ...clock.stats, connections: pool.size };
    },
    stop({ signOff = true } = {}) {
      stopping ??= (async () => {
        await clock.stop(signOff);
        await pool.close();
        logger.info({ published: clock.stats.published, errors: clock.stats.errors }, 'simulation stopped');
      })();
      return stopping;
    },
  };
}
