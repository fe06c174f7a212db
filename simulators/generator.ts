/**
 * The pure event generator: (pack, scenario, seed, start time, speed) → a time-ordered
 * stream of SimEvents. No I/O and no wall clock, so "same seed, same sequence" can be
 * tested without a broker; the transport only decides *when* to publish each event.
 *
 * Sim time is produced in fixed chunks; all randomness comes from seeded streams in a
 * fixed order, so the sequence does not depend on how fast a consumer pulls it.
 */
import { detectionRates, emitDetection, emitIncident, incidentRate, localHour, trafficIntensity } from './baseline.js';
import { createRng, type Rng } from './rng.js';
import { getScenario, planScenario, type Action } from './scenarios.js';
import type { GeneratorOptions, ScenarioExpectation, SimEvent } from './types.js';
import { World } from './world.js';

/** Retained statuses are refreshed about every 30 s of sim time. */
export const STATUS_INTERVAL_MS = 30_000;
const CHUNK_MS = 60_000;

interface Task {
  at: number;
  run(): void;
}

export interface EventGenerator {
  /** Sim offset (ms) up to which events have been generated. */
  readonly generatedUntil: number;
  readonly expectation: ScenarioExpectation;
  /** Generate the next chunk of sim time; returns its events in time order. */
  nextChunk(): SimEvent[];
  /** All events with at < untilMs not yet returned, generating chunks as needed. */
  take(untilMs: number): SimEvent[];
  /** Explicit offline/down statuses for every device (clean shutdown), continuing each device's seq. */
  shutdownEvents(at: number): SimEvent[];
}

export function createEventGenerator(opts: GeneratorOptions): EventGenerator {
  const { pack, startTs } = opts;
  const scenarioName = opts.scenario ?? 'normal-day';
  const seed = opts.seed ?? 1;
  const speed = opts.speed ?? 1;
  if (!(speed > 0)) throw new Error(`speed must be > 0 (got ${speed})`);
  const scenario = getScenario(scenarioName);
  const plan = planScenario(pack, scenarioName, seed);
  const expectation: ScenarioExpectation = { scenario: scenarioName, seed, ...plan.expectation };

  // The daily rhythm follows sim time from the scenario's start hour (or the real local hour).
  const startHour = scenario.rhythmStartHour ?? localHour(startTs);
  const intensityAt = (at: number) => trafficIntensity((startHour + at / 3_600_000) % 24);
  const world = new World(pack, startTs, speed, createRng(seed, 'devices'), intensityAt);
  const rng: Rng = createRng(seed, `run:${scenarioName}`);
  const phaseRng = createRng(seed, 'phases');
  const vcRng: Rng = createRng(seed, `vc:${scenarioName}`);
  const actions: Action[] = [...plan.actions].sort((a, b) => a.at - b.at);
  let nextAction = 0;

  const cams = pack.sites.cameras;
  const devices = [
    ...cams.map((c) => ({ id: c.id, status: (at: number) => world.cameraStatus(c.id, at, rng) })),
    ...pack.sites.stations.map((s) => ({ id: s.id, status: (at: number) => world.stationStatus(s.id, at, rng) })),
    ...pack.sites.links.map((l) => ({ id: l.id, status: (at: number) => world.linkStatus(l.id, at, rng) })),
    // Last, with a stream of their own: the other devices' phases and figures stay as they were.
    ...pack.sites.vcPoints.map((v) => ({ id: v.id, status: (at: number) => world.vcStatus(v.id, at, vcRng) })),
  ].map((d) => ({ ...d, phase: Math.floor(phaseRng.uniform(1000, STATUS_INTERVAL_MS)) }));

  let cursor = 0;
  let pending: SimEvent[] = [];

  // Last seq handed out per device: shutdown rewinds to it, so discarded look-ahead leaves no seq gap.
  const delivered = new Map<string, number>();
  const markDelivered = (evs: SimEvent[]) => {
    for (const e of evs) delivered.set(e.deviceId, e.payload.seq as number);
    return evs;
  };

  function chunk(): SimEvent[] {
    const t0 = cursor;
    const t1 = cursor + CHUNK_MS;
    const tasks: Task[] = [];
    // Every device's status at offset 0, so a console looks alive at once.
    if (t0 === 0) for (const d of devices) tasks.push({ at: 0, run: () => d.status(0) });
    while (nextAction < actions.length && actions[nextAction]!.at < t1) {
      const a = actions[nextAction++]!;
      tasks.push({ at: a.at, run: () => a.run(world, rng) });
    }
    for (const d of devices) {
      const first = d.phase + Math.ceil((t0 - d.phase) / STATUS_INTERVAL_MS) * STATUS_INTERVAL_MS;
      for (let at = Math.max(first, d.phase); at < t1; at += STATUS_INTERVAL_MS) tasks.push({ at, run: () => d.status(at) });
    }
    const intensity = intensityAt((t0 + t1) / 2);
    const minutes = CHUNK_MS / 60_000;
    for (const cam of cams) {
      for (const [kind, perMin] of detectionRates(cam, intensity)) {
        const n = rng.poisson(perMin * minutes * (plan.detectionFactor ?? 1));
        for (let i = 0; i < n; i++) {
          const at = t0 + Math.floor(rng.next() * CHUNK_MS);
          // A camera that is offline at that moment detects nothing.
          tasks.push({ at, run: () => world.cameras.get(cam.id)!.state !== 'offline' && emitDetection(world, rng, at, cam.id, kind) });
        }
      }
    }
    const incidents = rng.poisson(incidentRate(intensity) * minutes * (plan.incidentFactor ?? 1));
    for (let i = 0; i < incidents; i++) {
      const at = t0 + Math.floor(rng.next() * CHUNK_MS);
      tasks.push({ at, run: () => emitIncident(world, rng, at) });
    }
    // Array.prototype.sort is stable: equal times keep the order above (statuses, actions, baseline).
    tasks.sort((a, b) => a.at - b.at);
    for (const t of tasks) t.run();
    cursor = t1;
    return world.drain();
  }

  return {
    get generatedUntil() {
      return cursor;
    },
    expectation,
    nextChunk: () => markDelivered([...pending.splice(0), ...chunk()]),
    take(untilMs) {
      while (cursor < untilMs) pending.push(...chunk());
      const cut = pending.findIndex((e) => e.at >= untilMs);
      const out = cut === -1 ? pending : pending.slice(0, cut);
      pending = cut === -1 ? [] : pending.slice(cut);
      return markDelivered(out);
    },
    shutdownEvents(at) {
      // The world may already be in the future (chunks are generated ahead); events not
      // yet delivered are dropped and their seqs reclaimed.
      for (const e of pending) world.resetSeq(e.deviceId, delivered.get(e.deviceId) ?? 0);
      pending = [];
      for (const [id, c] of world.cameras) {
        c.state = 'offline';
        world.cameraStatus(id, at, rng);
      }
      for (const [id, s] of world.stations) {
        s.state = 'down';
        world.stationStatus(id, at, rng);
      }
      for (const [id, l] of world.links) {
        l.state = 'down';
        world.linkStatus(id, at, rng);
      }
      for (const [id, v] of world.vcPoints) {
        v.state = 'offline';
        world.vcStatus(id, at, vcRng);
      }
      return world.drain();
    },
  };
}

/** Every event in [0, durationMs) — for tests and dry runs. */
export function generateEvents(opts: GeneratorOptions & { durationMs: number }): SimEvent[] {
  return createEventGenerator(opts).take(opts.durationMs);
}
