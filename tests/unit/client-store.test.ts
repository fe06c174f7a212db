/**
 * Client live store: seq rules for snapshot + deltas, resync on gap (through a
 * fake socket, no network), the alert queue order, and the offline map style.
 */
import { describe, expect, it, vi } from 'vitest';
import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec';
import type { Camera, Station } from '../../contract/domain.js';
import type { Alert } from '../../contract/alerts.js';
import type { CityPack } from '../../contract/citypack.js';
import type { Delta, Kpis, Snapshot } from '../../contract/socket.js';
import { LIVE_FIELDS, type LiveTable } from '../../contract/live.js';
import { liveRow } from '../harness/live.js';
import { applyDelta, applyDeltas, applySnapshot, createLiveStore, dataOf } from '../../client/src/live/store.js';
import { attachLive, type LiveSocket } from '../../client/src/live/socket.js';
import { activeAlertCounts, alertQueue, cameraSummary } from '../../client/src/live/selectors.js';
import { buildOfflineStyle } from '../../client/src/map/style.js';
import { LAYER_IDS, SOURCE_IDS } from '../../client/src/map/layers.js';
import { liveLayers, liveSources } from '../../client/src/map/layers-live.js';
import { EMPTY_KPIS, makeAlert, makeCamera } from '../fixtures/domain.js';
import { alertFeatures, circlePolygon, coverageFeatures } from '../../client/src/map/features.js';

const kpis: Kpis = EMPTY_KPIS;

const camera = (id: string, state: Camera['state'] = 'online'): Camera => makeCamera(id, { state });

const station = (id: string, state: Station['state'] = 'up'): Station => ({
  id,
  name: `BTS ${id}`,
  position: [108.98, 11.57],
  operator: 'Viettel',
  techs: ['4G'],
  radiusM: 1500,
  wardId: null,
  state,
  power: 'mains',
  batteryPct: null,
  backhaul: 'up',
  loadPct: 30,
  lastSeen: 1_000,
  stale: false,
});

const alert = (id: string, severity: Alert['severity'], lastSeen: number, state: Alert['state'] = 'active'): Alert =>
  makeAlert(id, { severity, state, title: `Alert ${id}`, source: { kind: 'camera', id: 'c1' }, firstSeen: lastSeen, lastSeen });

const snapshot = (seq: number, over: Partial<Snapshot> = {}): Snapshot => ({
  epoch: 'run-1',
  seq,
  serverTime: 10_000,
  cameras: [camera('c1'), camera('c2')],
  stations: [station('s1')],
  links: [],
  alerts: [],
  incidents: [],
  units: [],
  kpis,
  feeds: [],
  ...over,
});

const camDelta = (seq: number, id: string, state: Camera['state']): Delta => ({
  seq,
  changes: [{ kind: 'camera', camera: camera(id, state) }],
});

describe('applySnapshot / applyDelta', () => {
  it('applies a snapshot, then consecutive deltas', () => {
    let data = applySnapshot(snapshot(5), 9_000);
    expect(data.seq).toBe(5);
    expect(Object.keys(data.cameras)).toEqual(['c1', 'c2']);
    expect(data.clockOffsetMs).toBe(1_000);

    const r1 = applyDelta(data, camDelta(6, 'c1', 'offline'));
    expect(r1.outcome).toBe('applied');
    data = r1.data;
    const r2 = applyDelta(data, { seq: 7, changes: [{ kind: 'alert', alert: alert('a1', 'major', 100) }] });
    expect(r2.outcome).toBe('applied');
    data = r2.data;

    const r3 = applyDelta(data, {
      seq: 8,
      changes: [{ kind: 'unit', unit: { id: 'u1', name: 'CSGT 1', kind: 'police_traffic', status: 'busy', position: [108.99, 11.56], incidentId: null, updatedAt: 1, version: 1 } }],
    });
    data = r3.data;

    expect(data.seq).toBe(8);
    expect(data.epoch).toBe('run-1');
    expect(data.units.u1?.status).toBe('busy');
    expect(data.cameras.c1?.state).toBe('offline');
    expect(data.cameras.c2?.state).toBe('online');
    expect(data.alerts.a1?.severity).toBe('major');
  });

  it('merges a known device\'s live fields into it and keeps its site data; ignores live fields of an unknown one', () => {
    const data = applySnapshot(snapshot(5), 9_000);
    const before = data.cameras.c1!;
    const t = 10_000;
    const r = applyDelta(data, {
      seq: 6,
      changes: [
        {
          kind: 'live',
          entity: 'camera',
          t,
          rows: [
            liveRow('camera', { id: 'c1', state: 'offline', fps: null, bitrateKbps: null, lastSeen: 9_500, stale: false }, t),
            liveRow('camera', { id: 'nope', state: 'online', fps: 1, bitrateKbps: null, lastSeen: 9_500, stale: false }, t),
          ],
        },
      ],
    });
    expect(r.outcome).toBe('applied');
    expect(r.data.cameras.c1).toEqual({ ...before, state: 'offline', fps: null, bitrateKbps: null, lastSeen: 9_500, stale: false });
    expect(r.data.cameras.nope).toBeUndefined();
    expect(r.data.seq).toBe(6);
  });

  it('merges live fields that carry only what changed, delta after delta, in one batch or one by one', () => {
    const data = applySnapshot(snapshot(5), 9_000);
    const before = data.cameras.c1!;
    const table = (t: number, fields: { id: string } & Record<string, string | number>): LiveTable => ({ kind: 'live', entity: 'camera', t, rows: [liveRow('camera', fields, t)] });
    const deltas: Delta[] = [
      { seq: 6, changes: [table(9_150, { id: 'c1', state: 'degraded', fps: 4, lastSeen: 9_100 })] },
      { seq: 7, changes: [table(9_250, { id: 'c1', lastSeen: 9_200 })] },
      { seq: 8, changes: [table(9_350, { id: 'c1', fps: 6, lastSeen: 9_300 })] },
    ];
    const want = { ...before, state: 'degraded', fps: 6, lastSeen: 9_300 };
    expect(applyDeltas(data, deltas).data.cameras.c1).toEqual(want);
    const oneByOne = deltas.reduce((d, delta) => applyDelta(d, delta).data, data);
    expect(oneByOne.cameras.c1).toEqual(want);
  });

  it('merges a station\'s live row into the stations, with its time counted from the table\'s t; cameras untouched', () => {
    const data = applySnapshot(snapshot(5), 9_000);
    const station = data.stations.s1!;
    const r = applyDelta(data, {
      seq: 6,
      changes: [
        { kind: 'live', entity: 'station', t: 9_600, rows: [['s1', LIVE_FIELDS.station.indexOf('loadPct'), 77, LIVE_FIELDS.station.indexOf('lastSeen'), -100]] },
      ],
    });
    expect(r.data.stations.s1).toEqual({ ...station, loadPct: 77, lastSeen: 9_500 });
    expect(r.data.cameras).toBe(data.cameras);
  });

  it('keeps untouched collections identical so selectors on them do not fire', () => {
    const data = applySnapshot(snapshot(1), 0);
    const next = applyDelta(data, camDelta(2, 'c1', 'degraded')).data;
    expect(next.cameras).not.toBe(data.cameras);
    expect(next.stations).toBe(data.stations);
    expect(next.alerts).toBe(data.alerts);
    expect(data.cameras.c1?.state).toBe('online'); // input not mutated
  });

  it('ignores duplicate and out-of-order (old) deltas', () => {
    let data = applySnapshot(snapshot(10), 0);
    data = applyDelta(data, camDelta(11, 'c1', 'offline')).data;

    const dup = applyDelta(data, camDelta(11, 'c1', 'online'));
    expect(dup.outcome).toBe('stale');
    expect(dup.data).toBe(data);

    const old = applyDelta(data, camDelta(3, 'c1', 'online'));
    expect(old.outcome).toBe('stale');
    expect(old.data.cameras.c1?.state).toBe('offline');
    expect(old.data.seq).toBe(11);
  });

  it('reports a gap (and changes nothing) when a delta skips a seq or comes before any snapshot', () => {
    const data = applySnapshot(snapshot(10), 0);
    const gap = applyDelta(data, camDelta(12, 'c1', 'offline'));
    expect(gap.outcome).toBe('gap');
    expect(gap.data).toBe(data);

    const fresh = dataOf(createLiveStore().getState());
    expect(applyDelta(fresh, camDelta(1, 'c1', 'offline')).outcome).toBe('gap');
  });

  it('drops cleared alerts from the store', () => {
    let data = applySnapshot(snapshot(1, { alerts: [alert('a1', 'minor', 1), alert('a2', 'info', 1, 'cleared')] }), 0);
    expect(Object.keys(data.alerts)).toEqual(['a1']);
    data = applyDelta(data, { seq: 2, changes: [{ kind: 'alert', alert: alert('a1', 'minor', 2, 'cleared') }] }).data;
    expect(data.alerts).toEqual({});
  });
});

/** A socket double: records listeners and resync requests, lets the test play the server. */
function fakeSocket() {
  const handlers = new Map<string, Set<(...args: unknown[]) => void>>();
  const resyncAcks: ((result: unknown) => void)[] = [];
  const socket = {
    on(event: string, fn: (...args: unknown[]) => void) {
      if (!handlers.has(event)) handlers.set(event, new Set());
      handlers.get(event)!.add(fn);
      return socket;
    },
    off(event: string, fn: (...args: unknown[]) => void) {
      handlers.get(event)?.delete(fn);
      return socket;
    },
    emit(event: string, ack: (result: unknown) => void) {
      if (event === 'state:resync') resyncAcks.push(ack);
      return socket;
    },
  };
  const serverSends = (event: string, ...args: unknown[]) => handlers.get(event)?.forEach((fn) => fn(...args));
  return { socket: socket as unknown as LiveSocket, serverSends, resyncAcks, handlers };
}

describe('attachLive (socket wiring)', () => {
  it('goes live on snapshot and offline on disconnect, keeping the last data', () => {
    let t = 1_000;
    const store = createLiveStore(() => t);
    const { socket, serverSends } = fakeSocket();
    attachLive(socket, store, { now: () => t });
    expect(store.getState().connection.state).toBe('connecting');

    serverSends('connect');
    t = 2_000;
    serverSends('state:snapshot', snapshot(1));
    expect(store.getState().connection).toEqual({ state: 'live', since: 2_000, lastUpdate: 2_000 });

    t = 5_000;
    serverSends('disconnect', 'transport close');
    expect(store.getState().connection.state).toBe('offline');
    expect(store.getState().connection.since).toBe(5_000);
    expect(Object.keys(store.getState().cameras)).toHaveLength(2);

    t = 9_000;
    serverSends('connect_error', new Error('refused'));
    expect(store.getState().connection.since).toBe(5_000); // still "offline since 5000"

    // Reconnect that resumes from epoch + lastSeq: the server may send nothing if nothing
    // was missed, so holding data means live at once; the next delta continues the seq.
    t = 12_000;
    serverSends('connect');
    expect(store.getState().connection).toMatchObject({ state: 'live', since: 12_000 });
    serverSends('state:delta', camDelta(2, 'c1', 'offline'));
    expect(store.getState().seq).toBe(2);
  });

  it('stays live through its own disconnect (a token swap reconnects at once); offline if that reconnect fails', () => {
    let t = 1_000;
    const store = createLiveStore(() => t);
    const { socket, serverSends } = fakeSocket();
    attachLive(socket, store, { now: () => t });
    serverSends('connect');
    serverSends('state:snapshot', snapshot(1));
    t = 3_000;
    serverSends('disconnect', 'io client disconnect');
    expect(store.getState().connection).toMatchObject({ state: 'live', since: 1_000 });
    t = 3_050;
    serverSends('connect');
    expect(store.getState().connection).toMatchObject({ state: 'live', since: 1_000 });
    t = 8_000;
    serverSends('disconnect', 'io client disconnect');
    serverSends('connect_error', new Error('unreachable'));
    expect(store.getState().connection).toMatchObject({ state: 'offline', since: 8_000 });
  });

  it('asks state:resync on a gap, buffers deltas meanwhile, and replays them on the returned snapshot', () => {
    const store = createLiveStore();
    const { socket, serverSends, resyncAcks } = fakeSocket();
    attachLive(socket, store);
    serverSends('state:snapshot', snapshot(1));
    serverSends('state:delta', camDelta(2, 'c1', 'degraded'));
    expect(resyncAcks).toHaveLength(0);

    serverSends('state:delta', camDelta(5, 'c1', 'offline')); // 3 and 4 lost
    expect(resyncAcks).toHaveLength(1);
    expect(store.getState().seq).toBe(2);

    serverSends('state:delta', camDelta(6, 'c2', 'offline')); // arrives while resync in flight
    serverSends('state:delta', camDelta(7, 'c1', 'online'));
    expect(resyncAcks).toHaveLength(1); // one request, not one per delta

    resyncAcks[0]!({ ok: true, data: snapshot(5, { cameras: [camera('c1', 'offline'), camera('c2', 'online')] }) });
    const s = store.getState();
    expect(s.seq).toBe(7);
    expect(s.cameras.c1?.state).toBe('online');
    expect(s.cameras.c2?.state).toBe('offline');

    serverSends('state:delta', camDelta(8, 'c2', 'online'));
    expect(store.getState().seq).toBe(8);
  });

  it('retries resync on the next gap after an error answer or a timeout', () => {
    vi.useFakeTimers();
    try {
      const store = createLiveStore();
      const { socket, serverSends, resyncAcks } = fakeSocket();
      attachLive(socket, store, { resyncTimeoutMs: 1_000 });
      serverSends('state:snapshot', snapshot(1));

      serverSends('state:delta', camDelta(3, 'c1', 'offline'));
      resyncAcks[0]!({ ok: false, error: { code: 'unavailable', message: 'busy' } });
      serverSends('state:delta', camDelta(4, 'c1', 'offline'));
      expect(resyncAcks).toHaveLength(2);

      vi.advanceTimersByTime(1_001); // no answer to the second one
      serverSends('state:delta', camDelta(5, 'c1', 'offline'));
      expect(resyncAcks).toHaveLength(3);
      resyncAcks[1]!({ ok: true, data: snapshot(9) }); // late answer to a timed-out request: ignored
      expect(store.getState().seq).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('removes its listeners when detached', () => {
    const { socket, handlers } = fakeSocket();
    const detach = attachLive(socket, createLiveStore());
    expect([...handlers.values()].some((h) => h.size > 0)).toBe(true);
    detach();
    expect([...handlers.values()].every((h) => h.size === 0)).toBe(true);
  });
});

describe('selectors', () => {
  it('orders the alert queue by severity rank, then most recently seen', () => {
    const data = applySnapshot(
      snapshot(1, {
        alerts: [
          alert('info-new', 'info', 900),
          alert('crit-old', 'critical', 100),
          alert('minor', 'minor', 500),
          alert('crit-new', 'critical', 800),
          alert('major-ack', 'major', 700, 'acknowledged'),
        ],
      }),
      0,
    );
    expect(alertQueue(data.alerts).map((a) => a.id)).toEqual(['crit-new', 'crit-old', 'major-ack', 'minor', 'info-new']);
    // Header counts only what nobody has acknowledged yet.
    expect(activeAlertCounts(data.alerts)).toEqual({ critical: 2, major: 0, minor: 1, info: 1 });
  });

  it('summarises devices as up / total / down', () => {
    const data = applySnapshot(snapshot(1, { cameras: [camera('a'), camera('b', 'offline'), camera('c', 'unknown')] }), 0);
    expect(cameraSummary(data.cameras)).toEqual({ up: 1, total: 3, down: 1 });
  });
});

describe('map style and features', () => {
  const pack: Pick<CityPack, 'meta' | 'wards' | 'roads'> = {
    meta: {
      id: 'test-town',
      name: 'Thị trấn Thử',
      nameEn: 'Test Town',
      center: [108.988, 11.565],
      zoom: 13,
      bbox: [108.9, 11.5, 109.1, 11.7],
      timezone: 'Asia/Ho_Chi_Minh',
      approximate: true,
      attribution: '',
    },
    wards: {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { id: 'w1', name: 'Phường Đô Vinh', nameEn: 'Do Vinh Ward', kind: 'ward', population: 1000 },
          geometry: { type: 'Polygon', coordinates: [[[108.95, 11.55], [109.0, 11.55], [109.0, 11.6], [108.95, 11.55]]] },
        },
      ],
    },
    roads: {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { id: 'r1', name: 'Quốc lộ 1A', class: 'national', speedLimitKmh: 60 },
          geometry: { type: 'LineString', coordinates: [[108.95, 11.56], [109.0, 11.57]] },
        },
      ],
    },
  };

  it('builds a valid offline style with no network URLs', () => {
    const style = buildOfflineStyle(pack);
    expect(validateStyleMin(style)).toEqual([]);
    expect(style.glyphs).toBeUndefined();
    expect(style.sprite).toBeUndefined();
    expect(JSON.stringify(style)).not.toMatch(/https?:\/\//);
    const ids = style.layers.map((l) => l.id);
    expect(ids).toEqual(expect.arrayContaining([LAYER_IDS.wardsFill, LAYER_IDS.wardsOutline, LAYER_IDS.wardLabels, LAYER_IDS.roads, LAYER_IDS.roadLabels]));
  });

  it('live layers are valid on top of it, with the stable ids tests query', () => {
    const base = buildOfflineStyle(pack);
    const style = { ...base, sources: { ...base.sources, ...liveSources() }, layers: [...base.layers, ...liveLayers()] };
    expect(validateStyleMin(style)).toEqual([]);
    const byId = new Map(style.layers.map((l) => [l.id, l]));
    expect(byId.get('cameras')).toMatchObject({ type: 'circle', source: SOURCE_IDS.cameras });
    expect(byId.get('stations')).toMatchObject({ type: 'circle', source: 'stations' });
    expect(byId.get('links')).toMatchObject({ type: 'line', source: 'links' });
    // Alerts are drawn from the clustered markers source (an incident with its alerts is one marker); the alerts source keeps every one.
    expect(byId.get('alerts')).toMatchObject({ type: 'symbol', source: SOURCE_IDS.markers });
    expect(byId.get('alerts-index')).toMatchObject({ source: 'alerts' });
    expect(byId.get('coverage')).toMatchObject({ type: 'fill', source: 'coverage' });
  });

  it('approximates coverage as a closed 32-gon of the right radius', () => {
    const ring = circlePolygon([108.988, 11.565], 1000);
    expect(ring).toHaveLength(33);
    expect(ring[0]).toEqual(ring[32]);
    // North point: 1000 m is ~0.008993 deg of latitude.
    expect(ring[0]![1]! - 11.565).toBeCloseTo(1000 / 111_195, 5);
    const data = applySnapshot(snapshot(1, { stations: [station('s1', 'down'), station('s2')] }), 0);
    const fc = coverageFeatures(data.stations);
    expect(fc.features.map((f) => f.properties)).toEqual([
      { id: 's2', state: 'up' },
      { id: 's1', state: 'down' },
    ]);
  });

  it('alert features carry id, fall back to the source device position, and flag new ones', () => {
    const data = applySnapshot(snapshot(1, { alerts: [alert('a1', 'critical', 9_000), alert('a2', 'minor', 1_000)] }), 0);
    const fc = alertFeatures(data.alerts, data.cameras, data.stations, 10_000 + 5 * 60_000);
    expect(fc.features).toHaveLength(2);
    expect(fc.features[0]!.geometry.coordinates).toEqual([108.99, 11.565]);
    const props = Object.fromEntries(fc.features.map((f) => [f.properties!.id, f.properties!.isNew]));
    expect(props).toEqual({ a1: false, a2: false });
    const fresh = alertFeatures(data.alerts, data.cameras, data.stations, 9_500);
    expect(fresh.features.find((f) => f.properties!.id === 'a1')!.properties!.isNew).toBe(true);
  });
});

