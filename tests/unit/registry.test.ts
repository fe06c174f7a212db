/**
 * The registry's status handlers: a known device is updated in place and announced, older
 * news is ignored (a last-will excepted), an unknown device joins with the site flag, and a
 * silent one goes stale and comes back. Pure logic over the real bus and the test city pack.
 */
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CityPack, FullChange } from '../../contract/index.js';
import { EventBus } from '../../server/bus.js';
import { loadCityPack, TEST_CITY_PACK } from '../../contract/citypack-load.js';
import { Registry } from '../../server/registry/registry.js';

const STALE_MS = 60_000;
const T0 = 1_790_000_000_000;
let pack: CityPack;
beforeAll(async () => {
  pack = await loadCityPack(TEST_CITY_PACK);
});

function setup() {
  const bus = new EventBus(pino({ level: 'silent' }));
  let now = T0;
  const registry = new Registry(bus, pack, STALE_MS, () => now);
  const changes: (FullChange & { site?: true })[] = [];
  bus.on('state.change', 'test', (c) => changes.push(c));
  registry.start();
  return { bus, registry, changes, setNow: (t: number) => (now = t), stop: () => registry.stop() };
}

describe('Registry', () => {
  it('updates a known station in place and announces it; older news changes nothing', () => {
    const { bus, registry, changes, stop } = setup();
    const id = pack.sites.stations[0]!.id;
    const before = registry.stations.get(id)!;
    bus.emit('station.status', { id, receivedAt: T0, payload: { seq: 5, ts: T0, state: 'degraded', power: 'battery', batteryPct: 40, backhaul: 'up', loadPct: 71 } });
    const s = registry.stations.get(id)!;
    expect(s).toBe(before);
    expect(s).toMatchObject({ name: pack.sites.stations[0]!.name, state: 'degraded', power: 'battery', batteryPct: 40, backhaul: 'up', loadPct: 71, lastSeen: T0, stale: false });
    expect(changes).toEqual([{ kind: 'station', station: s }]);

    // Older than what is held (and not a last-will): ignored, nothing announced.
    bus.emit('station.status', { id, receivedAt: T0, payload: { seq: 4, ts: T0 - 1000, state: 'up', power: 'mains', backhaul: 'up' } });
    expect(s).toMatchObject({ state: 'degraded', power: 'battery', batteryPct: 40, lastSeen: T0 });
    expect(changes).toHaveLength(1);

    // Optional fields left out are cleared, not kept from the previous message.
    bus.emit('station.status', { id, receivedAt: T0, payload: { seq: 6, ts: T0 + 1000, state: 'up', power: 'mains', backhaul: 'down' } });
    expect(s).toMatchObject({ state: 'up', power: 'mains', batteryPct: null, backhaul: 'down', loadPct: null, lastSeen: T0 + 1000 });
    expect(changes).toHaveLength(2);
    stop();
  });

  it('takes a last-will (seq 0) even with an older ts, and keeps the newest lastSeen', () => {
    const { bus, registry, changes, stop } = setup();
    const id = pack.sites.cameras[0]!.id;
    bus.emit('camera.status', { id, receivedAt: T0, payload: { seq: 9, ts: T0, state: 'online', fps: 25, bitrateKbps: 4000 } });
    bus.emit('camera.status', { id, receivedAt: T0, payload: { seq: 0, ts: T0 - 3_600_000, state: 'offline' } });
    expect(registry.cameras.get(id)).toMatchObject({ state: 'offline', fps: null, bitrateKbps: null, lastSeen: T0 });
    // Both announced, each carrying the registry's own object (read when the hub flushes).
    expect(changes).toHaveLength(2);
    expect(changes.every((c) => c.kind === 'camera' && c.camera === registry.cameras.get(id))).toBe(true);
    stop();
  });

  it('adds an unknown link with the site flag, then updates it like any other', () => {
    const { bus, registry, changes, stop } = setup();
    bus.emit('link.status', { id: 'lk-new', receivedAt: T0, payload: { seq: 1, ts: T0, state: 'up', latencyMs: 3 } });
    const l = registry.links.get('lk-new')!;
    expect(l).toMatchObject({ id: 'lk-new', name: 'lk-new', path: [], state: 'up', latencyMs: 3, lossPct: null, lastSeen: T0, stale: false });
    expect(changes).toEqual([{ kind: 'link', link: l, site: true }]);
    bus.emit('link.status', { id: 'lk-new', receivedAt: T0, payload: { seq: 2, ts: T0 + 1, state: 'down', lossPct: 100 } });
    expect(registry.links.get('lk-new')).toBe(l);
    expect(l).toMatchObject({ state: 'down', latencyMs: null, lossPct: 100 });
    expect(changes[1]).toEqual({ kind: 'link', link: l });
    stop();
  });

  it('marks a silent device stale once, and a message brings it back', () => {
    const { bus, registry, changes, setNow, stop } = setup();
    const id = pack.sites.stations[0]!.id;
    bus.emit('station.status', { id, receivedAt: T0, payload: { seq: 1, ts: T0, state: 'up', power: 'mains', backhaul: 'up' } });
    setNow(T0 + STALE_MS + 1);
    const n = changes.length;
    registry.checkStale();
    registry.checkStale();
    // One announcement, a copy: it keeps saying stale after the device is back.
    expect(changes.slice(n)).toEqual([{ kind: 'station', station: expect.objectContaining({ id, stale: true }) }]);
    expect(registry.silentCount('telecom')).toBe(1);
    bus.emit('station.status', { id, receivedAt: T0, payload: { seq: 2, ts: T0 + STALE_MS + 2, state: 'up', power: 'mains', backhaul: 'up' } });
    expect(registry.stations.get(id)!.stale).toBe(false);
    expect(registry.silentCount('telecom')).toBe(0);
    expect(changes[n]!.kind === 'station' && changes[n]!.station.stale).toBe(true);
    stop();
  });
});
