import pino from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SEVERITY_RANK, type Alert, type CameraState, type CityPack, type DetectionPayload, type IncidentReportPayload, type LinkState, type StationStatusPayload } from '../../contract/index.js';
import { RuleEngine } from '../../server/alerts/engine.js';
import { parseRules, type RulesConfigInput } from '../../server/alerts/rules-config.js';
import type { AlertInput, AlertPort } from '../../server/alerts/types.js';
import { EventBus } from '../../server/bus.js';
import { loadCityPack, TEST_CITY_PACK } from '../../contract/citypack-load.js';
import { Registry } from '../../server/registry/registry.js';
import { dataOf } from '../fixtures/domain.js';

const S = 1000;
const T0 = 1_700_000_000_000;
const STALE_MS = 60 * S;
const log = pino({ level: 'silent' });

/** Records what the engine asks for and keeps one open alert per key, counting repeats (the store's contract). */
class FakePort implements AlertPort {
  readonly raises: AlertInput[] = [];
  readonly clears: { key: string; reason: string; at: number }[] = [];
  readonly byKey = new Map<string, Alert>();
  private n = 0;
  raise(input: AlertInput, at: number): Alert {
    this.raises.push(input);
    const open = this.byKey.get(input.dedupeKey);
    if (open) {
      // Like the real store: severity only ever gets worse on a repeat; data is merged.
      const severity = SEVERITY_RANK[input.severity] < SEVERITY_RANK[open.severity] ? input.severity : open.severity;
      Object.assign(open, { count: open.count + 1, lastSeen: at, severity, title: input.title, data: { ...open.data, ...input.data } });
      return open;
    }
    const a: Alert = {
      id: `a${++this.n}`, ...input, state: 'active', incidentId: null, count: 1, firstSeen: at, lastSeen: at,
      escalated: false, acknowledgedBy: null, acknowledgedAt: null, clearedBy: null, clearedAt: null, version: 1,
    };
    this.byKey.set(input.dedupeKey, a);
    return a;
  }
  clearByKey(key: string, at: number, reason: string): Alert | null {
    this.clears.push({ key, reason, at });
    const a = this.byKey.get(key);
    if (!a) return null;
    this.byKey.delete(key);
    return { ...a, state: 'cleared', clearedAt: at };
  }
  open(): Alert[] {
    return [...this.byKey.values()];
  }
  raisesFor(key: string): AlertInput[] {
    return this.raises.filter((r) => r.dedupeKey === key);
  }
  keys(prefix = ''): string[] {
    return [...this.byKey.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}

let pack: CityPack;
beforeAll(async () => {
  pack = await loadCityPack(TEST_CITY_PACK);
});

interface World {
  clock: { t: number };
  bus: EventBus;
  registry: Registry;
  engine: RuleEngine;
  port: FakePort;
  advance(ms: number): void;
  camera(id: string, state: CameraState): void;
  detect(id: string, p: Partial<DetectionPayload> & { kind: DetectionPayload['kind'] }): void;
  station(id: string, p?: Partial<StationStatusPayload>): void;
  link(id: string, state: LinkState): void;
  incident(sourceId: string, p: Partial<IncidentReportPayload>): void;
}
const worlds: World[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) {
    w.engine.stop();
    w.registry.stop();
  }
});

function world(rules: RulesConfigInput = {}, opts: { port?: FakePort; before?: (r: Registry) => void } = {}): World {
  const clock = { t: T0 };
  const now = () => clock.t;
  const bus = new EventBus(log);
  const registry = new Registry(bus, pack, STALE_MS, now);
  const port = opts.port ?? new FakePort();
  registry.start();
  opts.before?.(registry);
  const engine = new RuleEngine({ bus, registry, pack, rules: parseRules(rules), alerts: port, now, log });
  engine.start();
  let seq = 0;
  const env = () => ({ seq: ++seq, ts: clock.t });
  const w: World = {
    clock, bus, registry, engine, port,
    // One engine tick per simulated second, as the real timer does.
    advance(ms) {
      for (const end = clock.t + ms; clock.t < end; ) {
        clock.t = Math.min(end, clock.t + S);
        engine.tick();
      }
    },
    camera: (id, state) => bus.emit('camera.status', { id, payload: { ...env(), state }, receivedAt: clock.t }),
    detect: (id, p) =>
      bus.emit('camera.detection', { id, payload: { ...env(), confidence: 0.9, lat: 10.005, lon: 106.005, ...p } as DetectionPayload, receivedAt: clock.t }),
    station: (id, p = {}) =>
      bus.emit('station.status', { id, payload: { ...env(), state: 'up', power: 'mains', backhaul: 'up', ...p }, receivedAt: clock.t }),
    link: (id, state) => bus.emit('link.status', { id, payload: { ...env(), state }, receivedAt: clock.t }),
    incident: (sourceId, p) =>
      bus.emit('incident.report', {
        id: sourceId, sourceId, receivedAt: clock.t,
        payload: { ...env(), channel: 'hotline_115', type: 'traffic_accident', severity: 'major', description: 'x', ...p } as IncidentReportPayload,
      }),
  };
  worlds.push(w);
  return w;
}

describe('camera offline / degraded', () => {
  it('raises after afterS offline, not before, once; back online clears', () => {
    const w = world({ cameraOffline: { afterS: 30 } });
    w.camera('tt-cam-1', 'online');
    w.camera('tt-cam-1', 'offline');
    w.advance(29 * S);
    expect(w.port.keys()).toEqual([]);
    w.camera('tt-cam-1', 'offline'); // a repeated last-will must not restart the timer
    w.advance(1 * S);
    expect(w.port.keys()).toEqual(['camera_offline:tt-cam-1']);
    const a = w.port.raisesFor('camera_offline:tt-cam-1');
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ rule: 'camera_offline', severity: 'major', wardId: 'tt-a', source: { kind: 'camera', id: 'tt-cam-1' } });
    expect(a[0]!.position).toEqual(pack.sites.cameras.find((c) => c.id === 'tt-cam-1')!.position);
    expect(a[0]!.title).toMatch(/^Camera mất kết nối: /);
    w.advance(300 * S);
    expect(w.port.raisesFor('camera_offline:tt-cam-1')).toHaveLength(1);
    w.camera('tt-cam-1', 'online');
    expect(w.port.keys()).toEqual([]);
    expect(w.port.clears.map((c) => c.key)).toEqual(['camera_offline:tt-cam-1']);
  });

  it('an offline blip shorter than afterS raises nothing', () => {
    const w = world();
    w.camera('tt-cam-2', 'offline');
    w.advance(119 * S);
    w.camera('tt-cam-2', 'online');
    w.advance(600 * S);
    expect(w.port.raises).toEqual([]);
    expect(w.port.clears).toEqual([]);
  });

  it('a stale camera counts as offline, without any last-will', () => {
    const w = world({ cameraOffline: { afterS: 60 } });
    w.camera('tt-cam-3', 'online');
    w.advance(STALE_MS + S);
    w.registry.checkStale(); // the registry's own timer does this in production
    expect(w.registry.cameras.get('tt-cam-3')!.stale).toBe(true);
    w.advance(59 * S);
    expect(w.port.keys()).toEqual([]);
    w.advance(1 * S);
    expect(w.port.raisesFor('camera_offline:tt-cam-3')[0]!.data).toMatchObject({ state: 'stale' });
    // Any message from it again (a detection touches lastSeen) ends the condition.
    w.detect('tt-cam-3', { kind: 'red_light' });
    expect(w.port.keys('camera_')).toEqual([]);
  });

  it('degraded raises the minor alert after degradedAfterS; going offline supersedes it', () => {
    const w = world({ cameraOffline: { afterS: 10, degradedAfterS: 20, degradedSeverity: 'info' } });
    w.camera('tt-cam-4', 'degraded');
    w.advance(20 * S);
    expect(w.port.raisesFor('camera_degraded:tt-cam-4')[0]).toMatchObject({ rule: 'camera_degraded', severity: 'info' });
    w.camera('tt-cam-4', 'offline');
    w.advance(9 * S);
    expect(w.port.keys()).toEqual(['camera_degraded:tt-cam-4']); // no gap while the offline grace runs
    w.advance(1 * S);
    expect(w.port.keys()).toEqual(['camera_offline:tt-cam-4']);
    // Offline → degraded: reachable again, the offline alert ends at once; degraded needs its own grace.
    w.camera('tt-cam-4', 'degraded');
    expect(w.port.keys()).toEqual([]);
    w.advance(20 * S);
    expect(w.port.keys()).toEqual(['camera_degraded:tt-cam-4']);
    expect(w.port.raisesFor('camera_degraded:tt-cam-4')).toHaveLength(2);
  });
});

describe('immediate detections', () => {
  it('raises at once with the configured severity; repeats within the window count on one alert', () => {
    const w = world();
    for (let i = 0; i < 5; i++) {
      w.detect('tt-cam-2', { kind: 'accident', lat: 10.004, lon: 106.012 });
      w.advance(30 * S);
    }
    const keys = w.port.keys('detection:');
    expect(keys).toEqual([`detection:tt-cam-2:accident:${T0}`]);
    const a = w.port.byKey.get(keys[0]!)!;
    expect(a).toMatchObject({ count: 5, severity: 'critical', rule: 'detection_accident', wardId: 'tt-b', position: [106.012, 10.004] });
    expect(a.title).toMatch(/^Tai nạn giao thông: /);
    // After a quiet gap longer than the window, a new accident is a new alert.
    w.advance(121 * S);
    w.detect('tt-cam-2', { kind: 'accident' });
    expect(w.port.keys('detection:')).toHaveLength(2);
    // Another kind on the same camera is its own alert.
    w.detect('tt-cam-2', { kind: 'fire_smoke' });
    expect(w.port.keys('detection:tt-cam-2:fire_smoke:')).toHaveLength(1);
  });

  it('an engine that did not see the episode begin (it took the lead) counts on the open alert within the window, and starts a new one after it', () => {
    const first = world();
    first.detect('tt-cam-2', { kind: 'accident' });
    const [key] = first.port.keys('detection:');
    first.engine.stop();
    // The next leader: the same open alerts (read from PostgreSQL), no episode in memory. A
    // redelivered or repeated accident 20 s later is the same episode, on the same alert.
    const next = world({}, { port: first.port });
    next.clock.t = T0 + 20 * S;
    next.detect('tt-cam-2', { kind: 'accident' });
    expect(next.port.keys('detection:')).toEqual([key]);
    expect(next.port.byKey.get(key!)!.count).toBe(2);
    // Past the window from the alert's last sighting: a new accident, a new alert.
    const later = world({}, { port: first.port });
    later.clock.t = T0 + 20 * S + 121 * S;
    later.detect('tt-cam-2', { kind: 'accident' });
    expect(later.port.keys('detection:tt-cam-2:accident:')).toHaveLength(2);
  });

  it('ignores detections under minConfidence and kinds not in the immediate map', () => {
    const w = world({ detections: { minConfidence: 0.8, immediate: { crowd: 'minor' } } });
    w.detect('tt-cam-5', { kind: 'crowd', confidence: 0.79 });
    w.detect('tt-cam-5', { kind: 'accident', confidence: 0.99 }); // not immediate in this config
    w.detect('tt-cam-5', { kind: 'red_light', confidence: 0.99 });
    expect(w.port.raises).toEqual([]);
    w.detect('tt-cam-5', { kind: 'crowd', confidence: 0.8, peopleCount: 420 } as DetectionPayload);
    expect(w.port.raises).toHaveLength(1);
    expect(w.port.raises[0]).toMatchObject({ severity: 'minor', rule: 'detection_crowd', data: { peopleCount: 420 } });
  });
});

describe('violation bursts', () => {
  it('by camera: raises at count within the window, once; clears below half', () => {
    const w = world({ violationBurst: { count: 4, windowS: 60 } });
    for (const kind of ['red_light', 'speeding', 'no_helmet'] as const) {
      w.detect('tt-cam-1', { kind, ...(kind === 'speeding' ? { speedKmh: 80, limitKmh: 50 } : {}) } as DetectionPayload);
      w.advance(5 * S);
    }
    w.detect('tt-cam-1', { kind: 'accident' }); // not a violation kind
    expect(w.port.keys('violation_burst:')).toEqual([]);
    w.detect('tt-cam-1', { kind: 'wrong_way' });
    expect(w.port.keys('violation_burst:')).toEqual(['violation_burst:camera:tt-cam-1']);
    w.detect('tt-cam-1', { kind: 'wrong_way' });
    expect(w.port.raisesFor('violation_burst:camera:tt-cam-1')).toHaveLength(1);
    expect(w.port.raises.find((r) => r.rule === 'violation_burst')).toMatchObject({ severity: 'minor', source: { id: 'tt-cam-1' }, data: { count: 4, by: 'camera' } });
    // Events at t=0,5,10,15,15 s: the window (60 s) holds ≥ 2 (half of 4) until the two at 15 s slide out.
    w.advance(44 * S); // t = 59 s
    expect(w.port.keys('violation_burst:')).toHaveLength(1);
    w.advance(2 * S); // t = 61 s: only the events at 15 s remain → 2, not below half
    expect(w.port.keys('violation_burst:')).toHaveLength(1);
    w.advance(15 * S); // t = 76 s: empty
    expect(w.port.keys('violation_burst:')).toEqual([]);
    expect(w.port.clears.map((c) => c.key)).toContain('violation_burst:camera:tt-cam-1');
  });

  it('keeps an exact count on a busy camera over many windows (the window slides without copying itself)', () => {
    const w = world({ violationBurst: { count: 500, windowS: 60 } });
    const tick = (n: number, everyMs: number) => {
      for (let i = 0; i < n; i++) {
        w.detect('tt-cam-1', { kind: 'red_light' });
        w.advance(everyMs);
      }
    };
    tick(499, 100); // 499 in 49.9 s: one short
    expect(w.port.keys('violation_burst:')).toEqual([]);
    tick(1, 100);
    expect(w.port.raises.find((r) => r.rule === 'violation_burst')).toMatchObject({ data: { count: 500 } });
    // 1,000 s at 5 a second: the window holds 300, above half of 500, so the alert stays; raised once.
    tick(5000, 200);
    expect(w.port.keys('violation_burst:')).toEqual(['violation_burst:camera:tt-cam-1']);
    expect(w.port.raisesFor('violation_burst:camera:tt-cam-1')).toHaveLength(1);
    // 2 a second: 120 in the window, under half: it clears.
    tick(400, 500);
    expect(w.port.keys('violation_burst:')).toEqual([]);
  });

  it('by road: violations on different cameras of one road add up', () => {
    const spread = (w: World) => {
      for (let i = 0; i < 6; i++) {
        w.detect(['tt-cam-1', 'tt-cam-2', 'tt-cam-3'][i % 3]!, { kind: 'red_light' });
        w.advance(S);
      }
    };
    const byCamera = world({ violationBurst: { count: 6, windowS: 120 } });
    spread(byCamera);
    expect(byCamera.port.keys('violation_burst:')).toEqual([]);
    const byRoad = world({ violationBurst: { count: 6, windowS: 120, by: 'road' } });
    spread(byRoad);
    expect(byRoad.port.keys('violation_burst:')).toEqual(['violation_burst:road:tt-main']);
    expect(byRoad.port.raises[0]!.data).toMatchObject({ roadId: 'tt-main', count: 6 });
    // tt-cam-5 has no road: with by=road it counts on its own.
    for (let i = 0; i < 6; i++) byRoad.detect('tt-cam-5', { kind: 'no_helmet' });
    expect(byRoad.port.keys('violation_burst:camera:')).toEqual(['violation_burst:camera:tt-cam-5']);
  });
});

describe('congestion', () => {
  const queue = (w: World, id: string, m: number) => w.detect(id, { kind: 'congestion', queueLengthM: m } as DetectionPayload);

  it('raises after the queue stays above queueM for forS; clears after forS/2 below', () => {
    const w = world({ congestion: { queueM: 200, forS: 120 } });
    for (let t = 0; t < 120; t += 30) {
      queue(w, 'tt-cam-2', 250 + t);
      w.advance(30 * S);
    }
    // Reports at 0..90 s, now t = 120 s: above for 120 s.
    expect(w.port.keys()).toEqual(['congestion:tt-cam-2']);
    expect(w.port.raises[0]).toMatchObject({ rule: 'congestion', severity: 'major', wardId: 'tt-b', data: { queueM: 340 } });
    queue(w, 'tt-cam-2', 100);
    w.advance(30 * S);
    queue(w, 'tt-cam-2', 120);
    w.advance(29 * S); // below for 59 s
    expect(w.port.keys()).toEqual(['congestion:tt-cam-2']);
    w.advance(S);
    expect(w.port.keys()).toEqual([]);
    expect(w.port.clears[0]!.reason).toMatch(/below 200 m/);
    expect(w.port.raises).toHaveLength(1);
  });

  it('a dip below the threshold restarts the clock; silence is not a queue', () => {
    const w = world({ congestion: { queueM: 200, forS: 120 } });
    const every30s = (m: number, n: number) => {
      for (let i = 0; i < n; i++) {
        queue(w, 'tt-cam-3', m);
        w.advance(30 * S);
      }
    };
    every30s(500, 3); // 0, 30, 60 s above
    every30s(50, 1); // 90 s: a dip
    every30s(500, 3); // 120, 150, 180 s above; now t = 210 s
    expect(w.port.raises).toEqual([]); // without the dip it would have raised at 120 s
    queue(w, 'tt-cam-3', 500);
    w.advance(29 * S); // t = 239 s: 119 s since the stretch restarted
    expect(w.port.raises).toEqual([]);
    w.advance(S);
    expect(w.port.keys()).toEqual(['congestion:tt-cam-3']);
    // The camera stops reporting (last report at 210 s): the queue is gone after forS/2 of silence.
    w.advance(29 * S);
    expect(w.port.keys()).toEqual(['congestion:tt-cam-3']);
    w.advance(S);
    expect(w.port.keys()).toEqual([]);
    expect(w.port.clears[0]!.reason).toMatch(/no congestion report/);
    // A single report and then nothing never raises.
    queue(w, 'tt-cam-1', 900);
    w.advance(300 * S);
    expect(w.port.raisesFor('congestion:tt-cam-1')).toEqual([]);
  });
});

describe('telecom', () => {
  it('station down raises once, heartbeats do not repeat it, up clears; stale counts as down', () => {
    const w = world({ stationDown: { severity: 'critical' } });
    w.station('tt-bs-b1', { state: 'down' });
    w.station('tt-bs-b1', { state: 'down' });
    expect(w.port.raisesFor('station_down:tt-bs-b1')).toHaveLength(1);
    expect(w.port.raises[0]).toMatchObject({ severity: 'critical', wardId: 'tt-b', position: [106.013, 10.003], source: { kind: 'station', id: 'tt-bs-b1' } });
    w.station('tt-bs-b1', { state: 'degraded' });
    expect(w.port.keys('station_down:')).toEqual([]);
    w.station('tt-bs-b2');
    w.advance(STALE_MS + S);
    w.registry.checkStale();
    expect(w.port.raisesFor('station_down:tt-bs-b2')[0]!.data).toMatchObject({ reason: 'stale' });
  });

  it('battery below belowPct on battery power; mains clears', () => {
    const w = world({ stationBattery: { belowPct: 40 } });
    w.station('tt-bs-c1', { power: 'battery', batteryPct: 45 });
    expect(w.port.raises).toEqual([]);
    w.station('tt-bs-c1', { power: 'battery', batteryPct: 39 });
    w.station('tt-bs-c1', { power: 'battery', batteryPct: 30 });
    expect(w.port.raisesFor('station_battery:tt-bs-c1')).toHaveLength(1);
    expect(w.port.raises[0]).toMatchObject({ severity: 'minor', data: { batteryPct: 39 } });
    w.station('tt-bs-c1', { power: 'mains' });
    expect(w.port.keys()).toEqual([]);
  });

  it('backhaul down raises and clears', () => {
    const w = world();
    w.station('tt-bs-c2', { backhaul: 'down' });
    expect(w.port.keys()).toEqual(['backhaul_down:tt-bs-c2']);
    expect(w.port.raises[0]!.severity).toBe('major');
    w.station('tt-bs-c2', { backhaul: 'up' });
    expect(w.port.keys()).toEqual([]);
  });

  it('a commune link down is critical and points at the cut-off ward; a backbone link is major', () => {
    const w = world();
    w.link('tt-bb-1', 'down');
    w.link('tt-fo-a', 'down');
    w.link('tt-fo-a', 'down');
    const bb = w.port.raisesFor('link_down:tt-bb-1');
    const fo = w.port.raisesFor('link_down:tt-fo-a');
    expect(bb).toHaveLength(1);
    expect(fo).toHaveLength(1);
    expect(bb[0]).toMatchObject({ severity: 'major', wardId: null, source: { kind: 'link', id: 'tt-bb-1' } });
    expect(fo[0]).toMatchObject({ severity: 'critical', wardId: 'tt-a', data: { kind: 'commune', to: 'tt-a' } });
    expect(fo[0]!.title).toContain('bị cô lập');
    w.link('tt-fo-a', 'degraded');
    expect(w.port.keys()).toEqual(['link_down:tt-bb-1']);
  });
});

describe('coverage loss', () => {
  it('raises per ward on the geometric loss, debounced to once a second, and clears on recovery', () => {
    const w = world();
    w.advance(2 * S); // first run at start-up: no loss
    w.station('tt-bs-a1', { state: 'down' });
    expect(w.port.keys('coverage_loss:')).toEqual([]); // not before the next tick
    w.advance(S);
    expect(w.port.keys('coverage_loss:')).toEqual(['coverage_loss:tt-a']);
    const a = w.port.raisesFor('coverage_loss:tt-a')[0]!;
    expect(a).toMatchObject({ rule: 'coverage_loss', severity: 'critical', wardId: 'tt-a', source: { kind: 'ward', id: 'tt-a' }, data: { stationsDown: 1, stationIds: 'tt-bs-a1' } });
    expect(dataOf(a, 'coverage_loss').uncoveredPct).toBeGreaterThan(80);
    expect(a.title).toMatch(/^Mất sóng 3G\/4G: .+ \(\d+% diện tích\)$/);
    expect(a.position![0]).toBeGreaterThan(106.0);
    expect(a.position![0]).toBeLessThan(106.01);
    // Heartbeats of the still-down station change nothing.
    w.station('tt-bs-a1', { state: 'down' });
    w.advance(5 * S);
    expect(w.port.raisesFor('coverage_loss:tt-a')).toHaveLength(1);
    w.station('tt-bs-a1', { state: 'up' });
    w.advance(S);
    expect(w.port.keys('coverage_loss:')).toEqual([]);
    expect(w.engine.coverage().city.populationPct).toBeGreaterThan(90);
  });

  it('updates the alert as the outage spreads (same key, new severity)', () => {
    const w = world({ coverageLoss: { minUncoveredPct: 10 } });
    w.station('tt-bs-c1', { state: 'down' });
    w.advance(S);
    expect(w.port.raisesFor('coverage_loss:tt-c')[0]).toMatchObject({ severity: 'major' });
    w.station('tt-bs-c2', { state: 'down' });
    w.advance(S);
    const raises = w.port.raisesFor('coverage_loss:tt-c');
    expect(raises).toHaveLength(2);
    expect(raises[1]).toMatchObject({ severity: 'critical', data: { stationsDown: 2 } });
    expect(w.port.byKey.get('coverage_loss:tt-c')!.count).toBe(2);
    // B keeps its own stations: its small loss from C1's spill stays under the threshold.
    expect(w.port.keys('coverage_loss:')).toEqual(['coverage_loss:tt-c']);
    w.station('tt-bs-c2', { state: 'up' });
    w.advance(S);
    // The rule reports the smaller loss (the store keeps the worst severity seen; data is updated).
    const shrunk = w.port.raisesFor('coverage_loss:tt-c');
    expect(shrunk).toHaveLength(3);
    expect(shrunk[2]).toMatchObject({ severity: 'major', data: { stationsDown: 1 } });
    expect(dataOf(w.port.byKey.get('coverage_loss:tt-c'), 'coverage_loss').stationsDown).toBe(1);
  });

  it('a flap within the same second is computed once', () => {
    const w = world();
    w.advance(S);
    w.station('tt-bs-a1', { state: 'down' });
    w.advance(S);
    w.clock.t += 200;
    w.station('tt-bs-a1', { state: 'up' });
    w.engine.tick(); // 200 ms after the last run: debounced
    expect(w.port.keys('coverage_loss:')).toEqual(['coverage_loss:tt-a']);
    w.advance(S);
    expect(w.port.keys('coverage_loss:')).toEqual([]);
  });
});

describe('incident reports', () => {
  it('every report raises with its own severity; a re-send of the same externalRef counts on it', () => {
    const w = world();
    w.incident('hotline-115', { externalRef: 'CALL-1', severity: 'critical', lat: 10.005, lon: 106.025, type: 'fire' });
    w.incident('hotline-115', { externalRef: 'CALL-1', severity: 'critical', lat: 10.005, lon: 106.025, type: 'fire' });
    w.incident('hotline-115', { severity: 'minor', address: '12 Trần Phú' });
    expect(w.port.keys('incident:')).toEqual(['incident:hotline-115:3', 'incident:hotline-115:CALL-1']);
    const call = w.port.byKey.get('incident:hotline-115:CALL-1')!;
    expect(call).toMatchObject({ count: 2, severity: 'critical', rule: 'incident_report', wardId: 'tt-c', position: [106.025, 10.005] });
    expect(call.title).toMatch(/^Tin báo cháy/);
    expect(w.port.byKey.get('incident:hotline-115:3')).toMatchObject({ severity: 'minor', position: null, wardId: null });
  });
});

describe('start-up reconciliation', () => {
  it('clears stored alerts whose condition ended and does not re-raise those still holding', () => {
    const port = new FakePort();
    const base = { severity: 'major', source: { kind: 'station', id: 'x' }, position: null, wardId: null } as const;
    const down = (key: string) => port.raise({ ...base, rule: 'station_down', dedupeKey: key, title: key, data: { reason: 'down', operator: '' } }, T0 - 60 * S);
    down('station_down:tt-bs-b1');
    down('station_down:tt-bs-b2');
    const burst = 'violation_burst:camera:tt-cam-1';
    port.raise({ ...base, rule: 'violation_burst', dedupeKey: burst, title: burst, data: { count: 10, windowS: 300, by: 'camera', cameraId: 'tt-cam-1' } }, T0 - 60 * S);
    port.raises.length = 0;
    const w = world({}, {
      port,
      before: (r) => {
        r.restoreStation('tt-bs-b1', { state: 'up', power: 'mains', batteryPct: null, backhaul: 'up', loadPct: null, lastSeen: T0 - S });
        r.restoreStation('tt-bs-b2', { state: 'down', power: 'mains', batteryPct: null, backhaul: 'up', loadPct: null, lastSeen: T0 - S });
      },
    });
    expect(port.keys('station_down:')).toEqual(['station_down:tt-bs-b2']);
    expect(port.raisesFor('station_down:tt-bs-b2')).toEqual([]);
    w.advance(S);
    // The burst window was in memory: no history is not evidence, so it is kept for a whole window…
    expect(port.keys('violation_burst:')).toEqual(['violation_burst:camera:tt-cam-1']);
    w.advance(300 * S);
    // …and cleared once a whole window since the restart held no violations.
    expect(port.keys('violation_burst:')).toEqual([]);
    w.engine.stop();
    w.station('tt-bs-b2', { state: 'up' }); // stopped: no longer listening
    expect(port.keys('station_down:')).toEqual(['station_down:tt-bs-b2']);
  });
});
