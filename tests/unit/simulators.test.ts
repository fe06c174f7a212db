import { beforeAll, describe, expect, it } from 'vitest';
import { VIOLATION_KINDS } from '../../contract/alerts.js';
import type { CityPack } from '../../contract/citypack.js';
import type { LngLat } from '../../contract/domain.js';
import { PAYLOAD_SCHEMAS, parseTopic } from '../../contract/topics.js';
import { DEFAULT_CITY_PACK, TEST_CITY_PACK, loadCityPack } from '../../contract/citypack-load.js';
import { createEventGenerator, generateEvents } from '../../simulators/generator.js';
import { distanceM } from '../../contract/geo.js';
import { wardsLosingCoverage, wardsWithoutOwnService } from '../../simulators/geo.js';
import { createLoadMessages } from '../../simulators/load.js';
import { SCENARIO_NAMES, describeScenario } from '../../simulators/scenarios.js';
import { willPayload } from '../../simulators/transport.js';
import type { ScenarioExpectation, SimEvent } from '../../simulators/types.js';

/** 2025-06-02 00:00 in Vietnam (UTC+7). */
const MIDNIGHT_VN = Date.UTC(2025, 5, 1, 17, 0, 0);
const HOUR = 3_600_000;
let prtc: CityPack;
let town: CityPack;
beforeAll(async () => {
  [prtc, town] = await Promise.all([loadCityPack(DEFAULT_CITY_PACK), loadCityPack(TEST_CITY_PACK)]);
});

const run = (pack: CityPack, scenario: string, seed: number, durationMs: number, startTs = MIDNIGHT_VN + 10 * HOUR) =>
  generateEvents({ pack, scenario, seed, startTs, durationMs });
const runPastSettle = (pack: CityPack, scenario: string, seed: number) => {
  const exp = describeScenario(pack, scenario, seed);
  return { exp, events: run(pack, scenario, seed, Math.max(exp.settledByMs, 10 * 60_000) + 2 * 60_000) };
};
const p = (e: SimEvent) => e.payload as Record<string, any>;
const isViolation = (e: SimEvent) => e.kind === 'cameraDetection' && (VIOLATION_KINDS as readonly string[]).includes(p(e).kind);

describe('generated events honour the contract', () => {
  it.each(SCENARIO_NAMES)('%s: every payload validates and every topic parses to its device', (scenario) => {
    for (const pack of [town, prtc]) {
      const { events } = runPastSettle(pack, scenario, 11);
      expect(events.length).toBeGreaterThan(100);
      for (const e of events) {
        const parsed = PAYLOAD_SCHEMAS[e.kind].safeParse(e.payload);
        expect(parsed.success, `${e.topic} ${JSON.stringify(e.payload)} ${parsed.error?.message}`).toBe(true);
        const t = parseTopic(e.topic);
        expect(t, e.topic).toEqual({ kind: e.kind, id: e.deviceId });
        expect(e.retain ?? false).toBe(e.kind.endsWith('Status'));
      }
      // Time order, and ts = startTs + at (speed 1).
      for (let i = 1; i < events.length; i++) expect(events[i]!.at).toBeGreaterThanOrEqual(events[i - 1]!.at);
      expect(events.every((e) => p(e).ts === MIDNIGHT_VN + 10 * HOUR + e.at)).toBe(true);
    }
  });

  it('per-device seq starts at 1 and rises by exactly 1 per message', () => {
    const seqs = new Map<string, number>();
    for (const e of run(prtc, 'typhoon', 3, 20 * 60_000)) {
      const prev = seqs.get(e.deviceId) ?? 0;
      expect(p(e).seq, e.deviceId).toBe(prev + 1);
      seqs.set(e.deviceId, prev + 1);
    }
    expect(seqs.size).toBeGreaterThan(90);
  });

  it('publishes every device status at offset 0 so the console looks alive at once', () => {
    const first = run(town, 'normal-day', 1, 1).filter((e) => e.at === 0);
    const ids = [...town.sites.cameras, ...town.sites.stations, ...town.sites.links, ...town.sites.vcPoints].map((d) => d.id);
    expect(first.map((e) => e.deviceId).sort()).toEqual([...ids].sort());
  });

  it('drops the video-conference points behind the cut in fiber-cut and typhoon, offline and retained, after their link', () => {
    for (const scenario of ['fiber-cut', 'typhoon']) {
      const gen = createEventGenerator({ pack: town, scenario, seed: 3, startTs: MIDNIGHT_VN });
      const { vcPointsOffline, linksDown } = gen.expectation;
      expect(vcPointsOffline.length, scenario).toBeGreaterThan(0);
      const events = gen.take(gen.expectation.settledByMs + 1000);
      for (const id of vcPointsOffline) {
        const point = town.sites.vcPoints.find((v) => v.id === id)!;
        const link = town.sites.links.find((l) => l.to === point.wardId && linksDown.includes(l.id))!;
        const cutAt = events.find((e) => e.deviceId === link.id && p(e).state === 'down')!.at;
        const drop = events.find((e) => e.deviceId === id && p(e).state === 'offline')!;
        expect(drop.at, `${scenario} ${id}`).toBeGreaterThan(cutAt);
        expect(drop.retain).toBe(true);
        expect(PAYLOAD_SCHEMAS.vcStatus.safeParse(drop.payload).success).toBe(true);
        // Statuses after the drop stay offline.
        expect(events.filter((e) => e.deviceId === id && e.at > drop.at).every((e) => p(e).state === 'offline')).toBe(true);
      }
      // The other points keep answering.
      const others = town.sites.vcPoints.filter((v) => !vcPointsOffline.includes(v.id));
      for (const v of others) expect(events.filter((e) => e.deviceId === v.id).every((e) => p(e).state === 'online'), v.id).toBe(true);
    }
  });

  it('refreshes each retained status about every 30 s of sim time', () => {
    const statuses = run(town, 'normal-day', 2, 10 * 60_000).filter((e) => e.deviceId === 'tt-bs-b2');
    expect(statuses.length).toBeGreaterThanOrEqual(20);
    expect(statuses.length).toBeLessThanOrEqual(22);
  });

  it('shutdown statuses are retained offline/down and continue each seq; wills use seq 0 and validate', () => {
    // Stop mid-chunk, while look-ahead events (a typhoon battery switch at 90 s) are generated but not delivered.
    const gen = createEventGenerator({ pack: town, scenario: 'typhoon', seed: 5, startTs: MIDNIGHT_VN });
    const before = gen.take(80_000);
    const last = new Map(before.map((e) => [e.deviceId, p(e).seq as number]));
    const bye = gen.shutdownEvents(80_000);
    expect(bye).toHaveLength(town.sites.cameras.length + town.sites.stations.length + town.sites.links.length + town.sites.vcPoints.length);
    for (const e of bye) {
      expect(e.retain).toBe(true);
      expect(['offline', 'down']).toContain(p(e).state);
      expect(p(e).seq).toBe(last.get(e.deviceId)! + 1);
      expect(PAYLOAD_SCHEMAS[e.kind].safeParse(e.payload).success, JSON.stringify(e.payload)).toBe(true);
      expect(e.at).toBe(80_000);
    }
    for (const k of ['cameraStatus', 'stationStatus', 'linkStatus'] as const) {
      expect(PAYLOAD_SCHEMAS[k].safeParse(willPayload(k, MIDNIGHT_VN)).success).toBe(true);
    }
  });
});

describe('determinism', () => {
  it('same seed gives the identical sequence; a different seed a different one', () => {
    const a = run(prtc, 'traffic-accident', 42, 15 * 60_000);
    const b = run(prtc, 'traffic-accident', 42, 15 * 60_000);
    const c = run(prtc, 'traffic-accident', 43, 15 * 60_000);
    expect(b).toEqual(a);
    expect(JSON.stringify(c)).not.toEqual(JSON.stringify(a));
  });

  it('does not depend on how the stream is consumed', () => {
    const whole = run(town, 'festival', 9, 12 * 60_000);
    const gen = createEventGenerator({ pack: town, scenario: 'festival', seed: 9, startTs: MIDNIGHT_VN + 10 * HOUR });
    const pieces: SimEvent[] = [];
    for (let t = 0; t <= 12 * 60_000; t += 7_777) pieces.push(...gen.take(Math.min(t, 12 * 60_000)));
    pieces.push(...gen.take(12 * 60_000));
    expect(pieces).toEqual(whole);
  });

  it('speed compresses payload ts but not the sim-time sequence', () => {
    const slow = generateEvents({ pack: town, scenario: 'typhoon', seed: 4, startTs: 0, durationMs: 10 * 60_000 });
    const fast = generateEvents({ pack: town, scenario: 'typhoon', seed: 4, startTs: 0, speed: 10, durationMs: 10 * 60_000 });
    expect(fast.map((e) => [e.at, e.topic])).toEqual(slow.map((e) => [e.at, e.topic]));
    expect(fast.every((e) => p(e).ts === Math.round(e.at / 10))).toBe(true);
  });
});

describe('daily rhythm', () => {
  it('rush hour produces far more violations and congestion than the night', () => {
    const rush = run(prtc, 'rush-hour', 8, HOUR); // 06:45–07:45
    const night = run(prtc, 'normal-day', 8, HOUR, MIDNIGHT_VN + 2 * HOUR); // 02:00–03:00
    const count = (evs: SimEvent[], f: (e: SimEvent) => boolean) => evs.filter(f).length;
    expect(count(rush, isViolation)).toBeGreaterThan(4 * count(night, isViolation));
    const congestion = (e: SimEvent) => e.kind === 'cameraDetection' && p(e).kind === 'congestion';
    expect(count(rush, congestion)).toBeGreaterThan(50);
    expect(count(night, congestion)).toBe(0);
  });
});

/** Check a scenario's published effects against its own expectation. */
function assertExpectation(pack: CityPack, exp: ScenarioExpectation, events: SimEvent[]): void {
  const lastStatus = new Map<string, Record<string, any>>();
  const everBattery = new Set<string>();
  for (const e of events) {
    if (!e.kind.endsWith('Status')) continue;
    if (e.at <= exp.settledByMs) lastStatus.set(e.deviceId, p(e));
    if (p(e).power === 'battery') everBattery.add(e.deviceId);
  }
  for (const id of exp.stationsDown) expect(lastStatus.get(id)?.state, id).toBe('down');
  for (const id of exp.stationsLosingBackhaul) expect(lastStatus.get(id)?.backhaul, id).toBe('down');
  for (const id of exp.linksDown) expect(lastStatus.get(id)?.state, id).toBe('down');
  for (const id of exp.camerasOffline) expect(lastStatus.get(id)?.state, id).toBe('offline');
  for (const id of exp.stationsOnBattery) expect(everBattery.has(id), id).toBe(true);
  // Devices not listed stay up: the scenario's effect is exactly what it declares.
  const down = pack.sites.stations.filter((s) => lastStatus.get(s.id)?.state === 'down').map((s) => s.id);
  expect(down.sort()).toEqual([...exp.stationsDown].sort());
  expect(exp.wardsLosingCoverage).toEqual(wardsLosingCoverage(pack, down));
  for (const d of exp.detections) {
    const n = events.filter((e) => e.kind === 'cameraDetection' && p(e).kind === d.kind && d.cameraIds.includes(e.deviceId) && e.at >= d.withinMs[0] && e.at <= d.withinMs[1]).length;
    expect(n, `${d.kind} on ${d.cameraIds.join(',')}`).toBeGreaterThanOrEqual(d.minCount);
  }
  for (const i of exp.incidents) {
    const n = events.filter(
      (e) =>
        e.kind === 'incidentReport' &&
        p(e).type === i.type &&
        (!i.channel || p(e).channel === i.channel) &&
        e.at >= i.withinMs[0] &&
        e.at <= i.withinMs[1] &&
        (!i.near || distanceM([p(e).lon, p(e).lat], i.near.position) <= i.near.withinM),
    ).length;
    expect(n, `${i.type} reports`).toBeGreaterThanOrEqual(i.minCount);
  }
}

describe('scenario expectations are reflected in the events', () => {
  it.each(SCENARIO_NAMES)('%s (both packs, two seeds)', (scenario) => {
    for (const pack of [town, prtc]) {
      for (const seed of [1, 2]) {
        const { exp, events } = runPastSettle(pack, scenario, seed);
        expect(exp).toEqual(describeScenario(pack, scenario, seed));
        assertExpectation(pack, exp, events);
      }
    }
  });

  it('test-town: a fiber cut knocks out ward A (its only station); a typhoon darkens ward C', () => {
    const cut = describeScenario(town, 'fiber-cut', 1);
    expect(cut.linksDown).toEqual(['tt-fo-a']);
    expect(cut.stationsDown).toEqual(['tt-bs-a1']);
    expect(cut.wardsLosingCoverage).toEqual(['tt-a']);
    const ty = describeScenario(town, 'typhoon', 1);
    expect(ty.stationsDown.sort()).toEqual(['tt-bs-b2', 'tt-bs-c1', 'tt-bs-c2']);
    expect(ty.wardsLosingCoverage).toEqual(['tt-c']);
    expect(ty.linksDown).toEqual(['tt-fo-c']);
  });

  it('Phan Rang typhoon: coverage loss is the console\'s geometry, not "every own station down"', () => {
    for (const seed of [1, 2, 3]) {
      const ty = describeScenario(prtc, 'typhoon', seed);
      // w-my-binh keeps one of its two stations but loses ~32 % of its covered area (≥ the 20 % default).
      expect(ty.wardsLosingCoverage).toContain('w-my-binh');
      expect(wardsWithoutOwnService(prtc, ty.stationsDown)).not.toContain('w-my-binh');
      // Every ward left without a station of its own loses coverage too, and the fiber is cut only to those.
      expect(ty.wardsLosingCoverage).toEqual(expect.arrayContaining(wardsWithoutOwnService(prtc, ty.stationsDown)));
      expect(ty.linksDown.map((id) => prtc.sites.links.find((l) => l.id === id)!.to).sort()).toEqual(
        prtc.sites.links.filter((l) => l.kind === 'commune' && wardsWithoutOwnService(prtc, ty.stationsDown).includes(l.to)).map((l) => l.to).sort(),
      );
    }
  });

  it('typhoon: power fails from the coast inland and batteries drain before stations go down', () => {
    const { exp, events } = runPastSettle(prtc, 'typhoon', 1);
    const switched = exp.stationsOnBattery.map((id) => events.find((e) => e.deviceId === id && p(e).power === 'battery')!);
    const lon = (id: string) => prtc.sites.stations.find((s) => s.id === id)!.position[0];
    const order = [...switched].sort((a, b) => a.at - b.at).map((e) => lon(e.deviceId));
    expect(order).toEqual([...order].sort((a, b) => b - a)); // east (sea) first
    // Stations not hit are all west of every hit station.
    const westmostHit = Math.min(...exp.stationsDown.map(lon));
    expect(prtc.sites.stations.filter((s) => !exp.stationsDown.includes(s.id)).every((s) => s.position[0] <= westmostHit)).toBe(true);
    const id = exp.stationsDown[0]!;
    const onBattery = events.filter((e) => e.deviceId === id && p(e).power === 'battery').map((e) => p(e).batteryPct as number);
    expect(onBattery.length).toBeGreaterThan(5);
    for (let i = 1; i < onBattery.length; i++) expect(onBattery[i]!).toBeLessThanOrEqual(onBattery[i - 1]!);
    expect(onBattery.at(-1)).toBe(0);
    expect(events.filter((e) => e.kind === 'incidentReport' && p(e).type === 'flood').length).toBeGreaterThanOrEqual(12);
  });

  it('traffic-accident: a 115 call within 150 m and 2 min of the detected accident, then queues nearby', () => {
    for (const seed of [1, 2, 3]) {
      const { exp, events } = runPastSettle(prtc, 'traffic-accident', seed);
      const camId = exp.detections.find((d) => d.kind === 'accident')!.cameraIds[0]!;
      const acc = events.find((e) => e.deviceId === camId && p(e).kind === 'accident' && e.at === exp.detections[0]!.withinMs[0])!;
      const accPos: LngLat = [p(acc).lon, p(acc).lat];
      const call = events.find((e) => e.kind === 'incidentReport' && p(e).channel === 'hotline_115' && p(e).type === 'traffic_accident' && e.at >= acc.at)!;
      expect(call.at - acc.at).toBeLessThanOrEqual(120_000);
      expect(distanceM([p(call).lon, p(call).lat], accPos)).toBeLessThanOrEqual(150);
      const queues = events.filter((e) => p(e).kind === 'congestion' && e.at > acc.at && e.at < acc.at + 15 * 60_000);
      expect(new Set(queues.map((e) => e.deviceId)).size).toBeGreaterThanOrEqual(2);
    }
  });
});

describe('load mode messages', () => {
  it('are valid contract messages with per-device seq and load-* ids', () => {
    const next = createLoadMessages(50);
    const seqs = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const m = next(i, 1_700_000_000_000);
      expect(PAYLOAD_SCHEMAS[m.kind].safeParse(m.payload).success, JSON.stringify(m)).toBe(true);
      const t = parseTopic(m.topic)!;
      expect(t.kind).toBe(m.kind);
      expect((t as { id: string }).id).toMatch(/^load-(cam|bs)-\d{6}$/);
      const id = (t as { id: string }).id;
      expect(m.payload.seq).toBe((seqs.get(id) ?? 0) + 1);
      seqs.set(id, m.payload.seq as number);
    }
    expect(seqs.size).toBe(50);
  });
});
