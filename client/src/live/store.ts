/**
 * The live picture, held outside React (CONVENTIONS 7) in a zustand vanilla store.
 *
 * Delivery model (contract/socket.ts): one `state:snapshot` with a seq, then
 * `state:delta`s with seq = previous + 1. `applySnapshot` / `applyDelta` are pure
 * so the seq rules can be unit-tested without a socket; the socket layer
 * (./socket.ts) only wires events to them.
 *
 * Each collection is a fresh object only when something in it changed, so a
 * selector on `cameras` does not fire when only alerts moved.
 */
import { createStore } from 'zustand/vanilla';
import type { Camera, FeedHealth, Incident, Link, Station, Unit } from '../../../contract/domain.js';
import type { Alert } from '../../../contract/alerts.js';
import type { Delta, Kpis, Snapshot } from '../../../contract/socket.js';
import { readLiveRow } from '../../../contract/live.js';
import { noteStep } from './lineage.js';

export type ById<T> = Readonly<Record<string, T>>;

export type ConnectionState = 'connecting' | 'live' | 'offline';

export interface Connection {
  state: ConnectionState;
  /** Epoch ms when `state` last changed: "offline since HH:MM" reads this. */
  since: number;
  /** Epoch ms when the last snapshot or delta was applied; null before the first one. */
  lastUpdate: number | null;
}

export interface LiveData {
  /** The server run the seq belongs to; sent back on reconnect to resume with deltas. */
  epoch: string | null;
  /** Sequence number of the last applied snapshot/delta; null until the first snapshot. */
  seq: number | null;
  /** serverTime - local clock at the last snapshot, to age alerts against the server's clock. */
  clockOffsetMs: number;
  cameras: ById<Camera>;
  stations: ById<Station>;
  links: ById<Link>;
  alerts: ById<Alert>;
  incidents: ById<Incident>;
  units: ById<Unit>;
  kpis: Kpis | null;
  feeds: readonly FeedHealth[];
}

export interface LiveState extends LiveData {
  connection: Connection;
}

export const EMPTY_DATA: LiveData = {
  epoch: null,
  seq: null,
  clockOffsetMs: 0,
  cameras: {},
  stations: {},
  links: {},
  alerts: {},
  incidents: {},
  units: {},
  kpis: null,
  feeds: [],
};

function byId<T extends { id: string }>(items: readonly T[], keep: (item: T) => boolean = () => true): Record<string, T> {
  const out: Record<string, T> = {};
  for (const item of items) if (keep(item)) out[item.id] = item;
  return out;
}

/**
 * Cleared alerts and closed incidents leave the store: the console shows what needs
 * attention, and a long shift must not grow memory without bound.
 */
const keepAlert = (a: Alert): boolean => a.state !== 'cleared';
const keepIncident = (i: Incident): boolean => i.status !== 'closed';

/** Replace everything with a snapshot. Used on connect and after a resync. */
export function applySnapshot(snapshot: Snapshot, now: number): LiveData {
  return {
    epoch: snapshot.epoch,
    seq: snapshot.seq,
    clockOffsetMs: snapshot.serverTime - now,
    cameras: byId(snapshot.cameras),
    stations: byId(snapshot.stations),
    links: byId(snapshot.links),
    alerts: byId(snapshot.alerts, keepAlert),
    incidents: byId(snapshot.incidents, keepIncident),
    units: byId(snapshot.units),
    kpis: snapshot.kpis,
    feeds: snapshot.feeds,
  };
}

/**
 * - `applied`: seq was last + 1; `data` is the new picture.
 * - `stale`: seq <= last (duplicate or late); ignore, `data` is unchanged.
 * - `gap`: seq > last + 1, or no snapshot yet; the caller must resync. `data` is unchanged.
 */
export type DeltaOutcome = 'applied' | 'stale' | 'gap';

export function applyDelta(data: LiveData, delta: Delta): { outcome: DeltaOutcome; data: LiveData } {
  const r = applyDeltas(data, [delta]);
  return { outcome: r.stoppedAt ? r.stoppedAt.outcome : r.applied > 0 ? 'applied' : 'stale', data: r.data };
}

/**
 * Several consecutive deltas at once, in order: each touched collection is copied
 * once for all of them, not once per delta (a collection of 50,000 devices costs
 * tens of milliseconds to copy). Stale ones are skipped; at a gap it stops, with
 * everything before it applied, and says which delta it stopped at.
 */
export function applyDeltas(
  data: LiveData,
  deltas: readonly Delta[],
): { data: LiveData; applied: number; stoppedAt: { delta: Delta; outcome: 'gap' } | null } {
  let seq = data.seq;
  if (seq === null) return { data, applied: 0, stoppedAt: deltas.length > 0 ? { delta: deltas[0]!, outcome: 'gap' } : null };

  // Copy each touched collection once, not once per change.
  let cameras: Record<string, Camera> | null = null;
  let stations: Record<string, Station> | null = null;
  let links: Record<string, Link> | null = null;
  let alerts: Record<string, Alert> | null = null;
  let incidents: Record<string, Incident> | null = null;
  let units: Record<string, Unit> | null = null;
  let kpis = data.kpis;
  let feeds = data.feeds;
  // Device ids changed, for readers that follow the changes (./lineage.ts).
  const cameraIds: string[] = [];
  const stationIds: string[] = [];
  const linkIds: string[] = [];
  let applied = 0;
  let stoppedAt: { delta: Delta; outcome: 'gap' } | null = null;

  for (const delta of deltas) {
    if (delta.seq <= seq!) continue;
    if (delta.seq !== seq! + 1) {
      stoppedAt = { delta, outcome: 'gap' };
      break;
    }
    seq = delta.seq;
    applied += 1;
    for (const change of delta.changes) {
      switch (change.kind) {
        case 'camera':
          (cameras ??= { ...data.cameras })[change.camera.id] = change.camera;
          cameraIds.push(change.camera.id);
          break;
        case 'station':
          (stations ??= { ...data.stations })[change.station.id] = change.station;
          stationIds.push(change.station.id);
          break;
        case 'link':
          (links ??= { ...data.links })[change.link.id] = change.link;
          linkIds.push(change.link.id);
          break;
        // Known devices' live fields: merged into the device held (its site data never rides along).
        case 'live':
          if (change.entity === 'camera') {
            const map = (cameras ??= { ...data.cameras });
            for (const row of change.rows) mergeLive(map, readLiveRow({ entity: 'camera', t: change.t }, row), cameraIds);
          } else if (change.entity === 'station') {
            const map = (stations ??= { ...data.stations });
            for (const row of change.rows) mergeLive(map, readLiveRow({ entity: 'station', t: change.t }, row), stationIds);
          } else if (change.entity === 'link') {
            const map = (links ??= { ...data.links });
            for (const row of change.rows) mergeLive(map, readLiveRow({ entity: 'link', t: change.t }, row), linkIds);
          }
          break;
        case 'alert': {
          const map = (alerts ??= { ...data.alerts });
          if (keepAlert(change.alert)) map[change.alert.id] = change.alert;
          else delete map[change.alert.id];
          break;
        }
        case 'incident': {
          const map = (incidents ??= { ...data.incidents });
          if (keepIncident(change.incident)) map[change.incident.id] = change.incident;
          else delete map[change.incident.id];
          break;
        }
        case 'unit':
          (units ??= { ...data.units })[change.unit.id] = change.unit;
          break;
        case 'kpis':
          kpis = change.kpis;
          break;
        case 'feeds':
          feeds = change.feeds;
          break;
        case 'gone':
          // Left this screen's view (e.g. an incident reassigned to another unit).
          if (change.entity === 'alert') delete (alerts ??= { ...data.alerts })[change.id];
          else if (change.entity === 'incident') delete (incidents ??= { ...data.incidents })[change.id];
          else delete (units ??= { ...data.units })[change.id];
          break;
        default: {
          // A newer server may send kinds this client does not know: skip them, keep the seq.
          const unknown: never = change;
          void unknown;
        }
      }
    }
  }

  if (applied === 0) return { data, applied, stoppedAt };
  if (cameras) noteStep(cameras, data.cameras, cameraIds);
  if (stations) noteStep(stations, data.stations, stationIds);
  if (links) noteStep(links, data.links, linkIds);
  return {
    applied,
    stoppedAt,
    data: {
      ...data,
      seq,
      cameras: cameras ?? data.cameras,
      stations: stations ?? data.stations,
      links: links ?? data.links,
      alerts: alerts ?? data.alerts,
      incidents: incidents ?? data.incidents,
      units: units ?? data.units,
      kpis,
      feeds,
    },
  };
}

/** A device's changed live fields over the one held (a device not held yet is left to its snapshot or whole change). */
function mergeLive<T extends { id: string }>(map: Record<string, T>, live: Partial<T> & { id: string }, ids: string[]): void {
  const held = map[live.id];
  if (!held) return;
  map[live.id] = { ...held, ...live };
  ids.push(live.id);
}

export type LiveStore = ReturnType<typeof createLiveStore>;

export function createLiveStore(now: () => number = Date.now) {
  return createStore<LiveState>()(() => ({
    ...EMPTY_DATA,
    connection: { state: 'connecting', since: now(), lastUpdate: null },
  }));
}

/** Pick the data part of the state (what applyDelta works on). */
export function dataOf(state: LiveState): LiveData {
  const { connection: _connection, ...data } = state;
  return data;
}

/** Change the connection state; keeps `since` when the state is unchanged so "offline since" holds still. */
export function setConnection(store: LiveStore, state: ConnectionState, now: number): void {
  const current = store.getState().connection;
  if (current.state === state) return;
  store.setState({ connection: { ...current, state, since: now } });
}

/** The app's one store. Tests build their own with createLiveStore(). */
export const liveStore = createLiveStore();
