/**
 * The live state registry: every camera's, station's and link's last known
 * state, seeded from the city pack's sites and updated from validated device
 * messages. Emits a `state.change` for each device whose state changed.
 *
 * State is kept behind this class so that a multi-instance deployment can
 * replace the Maps with a shared store without touching its users.
 */
import type { Camera, CityPack, FeedFamily, Link, Station, StationSite } from '../../contract/index.js';
import { stationSiteFacts } from '../../contract/citypack.js';
import type { BusEvents, EventBus } from '../bus.js';

const OWNER = 'registry';

export class Registry {
  readonly cameras = new Map<string, Camera>();
  readonly stations = new Map<string, Station>();
  readonly links = new Map<string, Link>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly bus: EventBus,
    pack: CityPack,
    private readonly staleMs: number,
    private readonly now: () => number = Date.now,
  ) {
    for (const c of pack.sites.cameras) {
      this.cameras.set(c.id, { ...emptyCamera(c.id), name: c.name, position: c.position, wardId: c.wardId, roadId: c.roadId, kind: c.kind });
    }
    for (const s of pack.sites.stations) {
      this.stations.set(s.id, { ...emptyStation(s.id), ...stationSiteFacts(s) });
    }
    for (const l of pack.sites.links) {
      this.links.set(l.id, { ...emptyLink(l.id), name: l.name, from: l.from, to: l.to, path: l.path });
    }
  }

  start(): void {
    this.bus.on('camera.status', OWNER, (e) => this.onCameraStatus(e));
    this.bus.on('camera.detection', OWNER, (e) => this.touchCamera(e.id, e.payload.ts));
    this.bus.on('station.status', OWNER, (e) => this.onStationStatus(e));
    this.bus.on('link.status', OWNER, (e) => this.onLinkStatus(e));
    this.bus.on('stations.imported', OWNER, (e) => this.upsertStationSites(e.sites));
    this.timer = setInterval(() => this.checkStale(), Math.min(5000, this.staleMs / 4));
  }

  stop(): void {
    this.bus.removeOwner(OWNER);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Restore a device's last stored state at start-up (no change event: the snapshot carries it). */
  restoreCamera(id: string, s: Pick<Camera, 'state' | 'fps' | 'bitrateKbps' | 'lastSeen'>): void {
    const prev = this.cameras.get(id) ?? emptyCamera(id);
    if (prev.lastSeen === null || (s.lastSeen ?? 0) > prev.lastSeen) this.cameras.set(id, { ...prev, ...s, stale: false });
  }
  restoreStation(id: string, s: Pick<Station, 'state' | 'power' | 'batteryPct' | 'backhaul' | 'loadPct' | 'lastSeen'>): void {
    const prev = this.stations.get(id) ?? emptyStation(id);
    if (prev.lastSeen === null || (s.lastSeen ?? 0) > prev.lastSeen) this.stations.set(id, { ...prev, ...s, stale: false });
  }
  restoreLink(id: string, s: Pick<Link, 'state' | 'latencyMs' | 'lossPct' | 'lastSeen'>): void {
    const prev = this.links.get(id) ?? emptyLink(id);
    if (prev.lastSeen === null || (s.lastSeen ?? 0) > prev.lastSeen) this.links.set(id, { ...prev, ...s, stale: false });
  }

  /** Station sites imported (OpenCelliD) or restored: new ones join, known ones get the new site data. */
  upsertStationSites(sites: StationSite[]): void {
    for (const s of sites) {
      const prev = this.stations.get(s.id) ?? emptyStation(s.id);
      const next: Station = { ...prev, name: s.name, position: s.position, operator: s.operator, techs: s.techs, radiusM: s.radiusM, wardId: s.wardId ?? prev.wardId };
      this.stations.set(s.id, next);
      this.bus.emit('state.change', { kind: 'station', station: next, site: true });
    }
  }

  /** Devices silent longer than their expected interval, per feed. */
  silentCount(feed: FeedFamily): number {
    const count = (m: Map<string, { stale: boolean }>) => [...m.values()].filter((d) => d.stale).length;
    if (feed === 'cameras') return count(this.cameras);
    if (feed === 'telecom') return count(this.stations) + count(this.links);
    return 0;
  }

  // The status handlers run on every device message, so a device is updated in place: a new
  // 14-field object per message would be about 120 bytes of garbage each (bench/pipeline.ts).
  // Nothing keeps a device object to compare with later: the hub diffs against its own copy
  // of the live values, rules read the fields, and the wire form is encoded when sent.
  private onCameraStatus(e: BusEvents['camera.status']): void {
    const p = e.payload;
    const known = this.cameras.get(e.id);
    const c = known ?? emptyCamera(e.id);
    if (isOlder(e, c.lastSeen)) return;
    c.state = p.state;
    c.fps = p.fps ?? null;
    c.bitrateKbps = p.bitrateKbps ?? null;
    c.lastSeen = Math.max(p.ts, c.lastSeen ?? 0);
    c.stale = false;
    if (!known) this.cameras.set(e.id, c);
    this.bus.emit('state.change', known ? { kind: 'camera', camera: c } : { kind: 'camera', camera: c, site: true });
  }

  private touchCamera(id: string, ts: number): void {
    const prev = this.cameras.get(id);
    if (!prev || (prev.lastSeen !== null && ts <= prev.lastSeen)) return;
    const wasStale = prev.stale;
    prev.lastSeen = ts;
    prev.stale = false;
    if (wasStale) this.bus.emit('state.change', { kind: 'camera', camera: { ...prev } });
  }

  private onStationStatus(e: BusEvents['station.status']): void {
    const p = e.payload;
    const known = this.stations.get(e.id);
    const s = known ?? emptyStation(e.id);
    if (isOlder(e, s.lastSeen)) return;
    s.state = p.state;
    s.power = p.power;
    s.batteryPct = p.batteryPct ?? null;
    s.backhaul = p.backhaul;
    s.loadPct = p.loadPct ?? null;
    s.lastSeen = Math.max(p.ts, s.lastSeen ?? 0);
    s.stale = false;
    if (!known) this.stations.set(e.id, s);
    this.bus.emit('state.change', known ? { kind: 'station', station: s } : { kind: 'station', station: s, site: true });
  }

  private onLinkStatus(e: BusEvents['link.status']): void {
    const p = e.payload;
    const known = this.links.get(e.id);
    const l = known ?? emptyLink(e.id);
    if (isOlder(e, l.lastSeen)) return;
    l.state = p.state;
    l.latencyMs = p.latencyMs ?? null;
    l.lossPct = p.lossPct ?? null;
    l.lastSeen = Math.max(p.ts, l.lastSeen ?? 0);
    l.stale = false;
    if (!known) this.links.set(e.id, l);
    this.bus.emit('state.change', known ? { kind: 'link', link: l } : { kind: 'link', link: l, site: true });
  }

  /** A device silent past staleMs is stale: a camera that stops reporting is offline even without a last-will. */
  checkStale(): void {
    const cutoff = this.now() - this.staleMs;
    const mark = <T extends { lastSeen: number | null; stale: boolean }>(m: Map<string, T>, emit: (d: T) => void) => {
      for (const d of m.values()) {
        if (!d.stale && d.lastSeen !== null && d.lastSeen < cutoff) {
          d.stale = true;
          emit({ ...d });
        }
      }
    };
    mark(this.cameras, (camera) => this.bus.emit('state.change', { kind: 'camera', camera }));
    mark(this.stations, (station) => this.bus.emit('state.change', { kind: 'station', station }));
    mark(this.links, (link) => this.bus.emit('state.change', { kind: 'link', link }));
  }
}

/**
 * Older news than what we hold is ignored. A last-will (seq 0) is the
 * exception: its ts is the device's connect time, but the broker sends it
 * when the device is gone, so it is always current.
 */
function isOlder(e: { payload: { seq: number; ts: number } }, lastSeen: number | null): boolean {
  return e.payload.seq !== 0 && lastSeen !== null && e.payload.ts < lastSeen;
}

function emptyCamera(id: string): Camera {
  return { id, name: id, position: null, wardId: null, roadId: null, kind: 'traffic', state: 'unknown', fps: null, bitrateKbps: null, lastSeen: null, stale: false };
}
function emptyStation(id: string): Station {
  return {
    id,
    name: id,
    position: null,
    operator: null,
    techs: [],
    radiusM: 0,
    wardId: null,
    state: 'unknown',
    power: null,
    batteryPct: null,
    backhaul: null,
    loadPct: null,
    lastSeen: null,
    stale: false,
  };
}
function emptyLink(id: string): Link {
  return { id, name: id, from: '', to: '', path: [], state: 'unknown', latencyMs: null, lossPct: null, lastSeen: null, stale: false };
}
