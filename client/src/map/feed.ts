/**
 * Store -> map sources, coalesced. A busy feed can change the store dozens of
 * times a second; unbounded setData grows memory (maplibre #6154), so changes are
 * marked dirty and flushed at most ~4 times a second, on an animation frame.
 * Only sources whose collection changed are rebuilt.
 *
 * Devices (cameras, stations and their coverage) are the dense ones: up to
 * 50,000 dots. Their sources are updated at most once a second, and incrementally:
 * the feed remembers what each dot was drawn from (position, state, ...) and sends
 * maplibre a diff (GeoJSONSource.updateData) of only the dots whose look changed,
 * found from the ids the store changed (../live/lineage.ts), not by walking every
 * device. Telemetry that changes nothing drawn (load, bitrate) costs no map update.
 * After a snapshot or a resync (no lineage) every key is compared instead. A full
 * setData is kept for the first fill, a style swap, a cluster-mode switch and
 * changes to most of a family at once.
 */
import type { GeoJSONSource, GeoJSONSourceDiff } from 'maplibre-gl';
import type { Feature, GeoJSON } from 'geojson';
import type { WardFeature } from '../../../contract/citypack.js';
import type { Camera, LngLat, Severity, Station } from '../../../contract/domain.js';
import { changedSince } from '../live/lineage.js';
import type { ById, LiveState, LiveStore } from '../live/store.js';
import { CLUSTER_ABOVE, type ClusterFamily } from './cluster.js';
import type { EngineMap } from './engine.js';
import {
  alertFeatures,
  cameraFeature,
  cameraKey,
  coverageFeature,
  coverageKey,
  incidentFeatures,
  linkFeatures,
  markerFeatures,
  type MarkerKinds,
  stationFeature,
  stationKey,
  unitFeatures,
  wardCoverageFeatures,
} from './features.js';
import { EMPTY_FC, SOURCE_IDS } from './layers.js';

const FLUSH_INTERVAL_MS = 250;
/** Dense device sources (dots and coverage) are updated at most this often. */
const DEVICE_INTERVAL_MS = 1_000;
/** Alerts are rebuilt at least this often so "new" (pulsing) ones age out without a delta. */
const ALERT_REFRESH_MS = 15_000;

type SourceId = (typeof SOURCE_IDS)[keyof typeof SOURCE_IDS];

/** A marker (incident or alert) holding something raised in the last minutes: where the pulse goes. */
export interface NewMarker {
  id: string;
  severity: Severity;
  position: LngLat;
}

export interface FeedOptions {
  wards: { features: WardFeature[] };
  /** Told which markers hold a "new" alert, and where, after each markers rebuild (drives the pulse). */
  onNewMarkers?: (markers: NewMarker[]) => void;
  /** Which of incidents and alerts the officer has on (default both): a kind switched off is left out of the markers. */
  markerKinds?: () => MarkerKinds;
  /** Told when a device family switches to or from its clustered source. */
  onClusterMode?: (family: ClusterFamily, clustered: boolean) => void;
  /** Where the selected thing is now (it may move), or null. */
  selectionPoint?: (s: LiveState) => LngLat | null;
}

export interface Feed {
  /** Rebuild every source now (after a style swap re-created them empty). */
  refreshAll(): void;
  /** The selection changed: redraw its ring. */
  refreshSelection(): void;
  /** The officer switched incidents or alerts on or off: rebuild the markers. */
  refreshMarkers(): void;
  clusterMode(family: ClusterFamily): boolean;
  stop(): void;
}

/**
 * One map source mirroring a family of devices: which feature each id has there
 * (by its key), so a change that draws nothing new is not sent.
 */
interface Mirror<T> {
  /** The collection the source reflects; null: none yet (the next sync fills it). */
  last: ById<T> | null;
  keys: Map<string, string>;
}

const mirror = <T>(): Mirror<T> => ({ last: null, keys: new Map() });

/** Past this share of a family changed at once, one setData is cheaper than the diff. */
const FULL_SHARE = 0.5;

/**
 * Brings a source from `m.last` to `items`: a diff of the features whose key
 * changed when they are few, else everything (`full`). Returns the number of
 * features the source now holds, or null when nothing was sent.
 */
function syncMirror<T>(
  m: Mirror<T>,
  items: ById<T>,
  key: (item: T | undefined) => string | null,
  feature: (item: T) => Feature,
  send: { full(features: Feature[]): void; diff(diff: GeoJSONSourceDiff): void },
  force = false,
): number | null {
  if (!force && m.last === items) return null;
  let ids = !force && m.last ? changedSince(items, m.last) : null;
  if (!ids && !force && m.last) {
    // Not a descendant of what the source holds (a snapshot, a resync, a replay jump):
    // compare every key, which is still far cheaper than sending every feature.
    ids = [];
    for (const id in items) if (key(items[id]) !== (m.keys.get(id) ?? null)) ids.push(id);
    for (const id of m.keys.keys()) if (!(id in items)) ids.push(id);
  }
  m.last = items;
  if (ids && ids.length <= Math.max(64, m.keys.size * FULL_SHARE)) {
    const add: Feature[] = [];
    const update: NonNullable<GeoJSONSourceDiff['update']> = [];
    const remove: string[] = [];
    for (const id of new Set(ids)) {
      const item = items[id];
      const k = key(item);
      const had = m.keys.get(id);
      if (k === (had ?? null)) continue;
      if (k === null) {
        remove.push(id);
        m.keys.delete(id);
        continue;
      }
      m.keys.set(id, k);
      const f = feature(item!);
      if (had === undefined) add.push(f);
      // Every property a feature has is set on each update, so none needs removing
      // (and geojson-vt drops the additions when removeAllProperties is set).
      else update.push({ id, newGeometry: f.geometry, addOrUpdateProperties: Object.entries(f.properties ?? {}).map(([k2, value]) => ({ key: k2, value })) });
    }
    if (add.length + update.length + remove.length === 0) return null;
    send.diff({ add, update, remove });
    return m.keys.size;
  }
  m.keys.clear();
  const features: Feature[] = [];
  for (const id in items) {
    const item = items[id];
    const k = key(item);
    if (k === null) continue;
    m.keys.set(id, k);
    features.push(feature(item!));
  }
  send.full(features);
  return features.length;
}

export function feedMap(map: EngineMap, store: LiveStore, options: FeedOptions): Feed {
  const dirty = new Set<SourceId>();
  const clustered: Record<ClusterFamily, boolean> = { cameras: false, stations: false };
  let timer: ReturnType<typeof setTimeout> | null = null;
  let frame: number | null = null;
  let selectionKey: string | null = null;
  /**
   * What each small source was last sent, as JSON: a rebuild that comes out the same
   * sends nothing, so the map does not redraw (a frame costs 100 ms and more of the
   * main thread under software rendering, issue #27 point 8).
   */
  const sent = new Map<SourceId, string>();
  let lastDeviceFlush = -Infinity;

  const cameras = mirror<Camera>();
  const stations = mirror<Station>();
  const coverage = mirror<Station>();
  /** Coverage drawn for outages only (a city of thousands of stations, see hasCoverage). */
  let coverageOutagesOnly = false;

  const source = (id: SourceId) => map.getSource(id) as GeoJSONSource | undefined;
  const setData = (id: SourceId, data: GeoJSON): void => {
    void source(id)?.setData(data);
  };
  const fc = (features: Feature[]): GeoJSON => ({ type: 'FeatureCollection', features });
  /** setData unless the source already holds exactly this (or a refill is forced). */
  const setDataIfChanged = (id: SourceId, data: GeoJSON & { features: Feature[] }, force: boolean): void => {
    const key = JSON.stringify(data.features);
    if (!force && sent.get(id) === key) return;
    sent.set(id, key);
    setData(id, data);
  };

  /**
   * One family's dots: the plain source when few, the clustered twin when many (the
   * other one emptied). Crossing the threshold refills the new one in full.
   */
  const syncDevices = <T>(family: ClusterFamily, m: Mirror<T>, items: ById<T>, key: (i: T | undefined) => string | null, feature: (i: T) => Feature, force: boolean): void => {
    const [plain, twin] = family === 'cameras' ? [SOURCE_IDS.cameras, SOURCE_IDS.camerasClustered] : [SOURCE_IDS.stations, SOURCE_IDS.stationsClustered];
    const target = () => (clustered[family] ? twin : plain);
    const count = syncMirror(m, items, key, feature, {
      full: (features) => {
        const many = features.length > CLUSTER_ABOVE;
        if (many !== clustered[family]) {
          setData(target(), EMPTY_FC as GeoJSON);
          clustered[family] = many;
        }
        setData(target(), fc(features));
      },
      diff: (diff) => void source(target())?.updateData(diff),
    }, force);
    if (count === null) return;
    if (count > CLUSTER_ABOVE !== clustered[family]) {
      // A diff took it across the threshold: refill the other source in full.
      syncMirror(m, items, key, feature, { full: (features) => {
        setData(target(), EMPTY_FC as GeoJSON);
        clustered[family] = !clustered[family];
        setData(target(), fc(features));
      }, diff: () => undefined }, true);
    }
  };

  const syncCoverage = (items: ById<Station>, force: boolean): void => {
    // Decided by the number of stations, so it does not flip as stations go down and up.
    const outagesOnly = clustered.stations;
    const modeChanged = outagesOnly !== coverageOutagesOnly;
    coverageOutagesOnly = outagesOnly;
    syncMirror(
      coverage,
      items,
      (s) => coverageKey(s, outagesOnly),
      coverageFeature as (s: Station) => Feature,
      {
        full: (features) => {
          // Down stations last so their hatch is not hidden under a neighbour's fill.
          features.sort((a, b) => Number(a.properties?.state === 'down') - Number(b.properties?.state === 'down'));
          setData(SOURCE_IDS.coverage, fc(features));
        },
        // A diff's additions go last: a station that went down is drawn over its neighbours.
        diff: (diff) => {
          const down = (diff.update ?? []).filter((u) => u.addOrUpdateProperties?.some((p) => p.key === 'state' && p.value === 'down'));
          if (down.length > 0) {
            const ids = new Set(down.map((u) => u.id));
            diff = {
              remove: [...(diff.remove ?? []), ...ids],
              add: [...(diff.add ?? []), ...down.map((u): Feature => ({ type: 'Feature', id: u.id, geometry: u.newGeometry!, properties: Object.fromEntries(u.addOrUpdateProperties!.map((p) => [p.key, p.value])) }))],
              update: (diff.update ?? []).filter((u) => !ids.has(u.id)),
            };
          }
          void source(SOURCE_IDS.coverage)?.updateData(diff);
        },
      },
      force || modeChanged,
    );
  };

  /** Sources to refill in full at the next flush (first fill, style swap). */
  const forced = new Set<SourceId>();

  const flush = (): void => {
    frame = null;
    const s = store.getState();
    const now = performance.now();
    const devicesDue = now - lastDeviceFlush >= DEVICE_INTERVAL_MS || forced.size > 0;
    let devicesFlushed = false;
    const wasClustered = { ...clustered };
    for (const id of dirty) {
      switch (id) {
        case SOURCE_IDS.cameras:
          if (!devicesDue) continue;
          syncDevices('cameras', cameras, s.cameras, cameraKey, cameraFeature as (c: Camera) => Feature, forced.has(id));
          devicesFlushed = true;
          break;
        case SOURCE_IDS.stations:
          if (!devicesDue) continue;
          syncDevices('stations', stations, s.stations, stationKey, stationFeature as (c: Station) => Feature, forced.has(id));
          devicesFlushed = true;
          break;
        case SOURCE_IDS.coverage:
          // Below, after the stations: their count decides what coverage is drawn.
          continue;
        case SOURCE_IDS.links:
          setDataIfChanged(id, linkFeatures(s.links), forced.has(id));
          break;
        case SOURCE_IDS.units:
          setDataIfChanged(id, unitFeatures(s.units), forced.has(id));
          break;
        case SOURCE_IDS.incidents:
          setDataIfChanged(id, incidentFeatures(s.incidents), forced.has(id));
          break;
        case SOURCE_IDS.wardCoverage:
          setDataIfChanged(id, wardCoverageFeatures(options.wards, s.alerts), forced.has(id));
          break;
        case SOURCE_IDS.markers: {
          const now = Date.now() + s.clockOffsetMs;
          const data = markerFeatures(s.incidents, s.alerts, s.cameras, s.stations, now, options.markerKinds?.());
          setDataIfChanged(id, data, forced.has(id));
          options.onNewMarkers?.(
            data.features
              .filter((f) => f.properties?.isNew)
              .map((f) => ({ id: String(f.properties!.id), severity: f.properties!.severity as Severity, position: f.geometry.coordinates as LngLat })),
          );
          break;
        }
        case SOURCE_IDS.selection: {
          // Only when the ring must move: a busy feed must not keep the map from going idle.
          const p = options.selectionPoint?.(s) ?? null;
          const key = p ? p.join(',') : '';
          if (key === selectionKey) break;
          selectionKey = key;
          setData(id, p ? { type: 'Feature', geometry: { type: 'Point', coordinates: p }, properties: {} } : (EMPTY_FC as GeoJSON));
          break;
        }
        case SOURCE_IDS.alerts:
          // Device changes mark alerts dirty (an alert may sit on its device); most move nothing.
          setDataIfChanged(id, alertFeatures(s.alerts, s.cameras, s.stations, Date.now() + s.clockOffsetMs), forced.has(id));
          break;
        default:
          break;
      }
      dirty.delete(id);
      forced.delete(id);
    }
    if (dirty.has(SOURCE_IDS.coverage) && devicesDue) {
      syncCoverage(s.stations, forced.has(SOURCE_IDS.coverage));
      dirty.delete(SOURCE_IDS.coverage);
      forced.delete(SOURCE_IDS.coverage);
      devicesFlushed = true;
    }
    if (devicesFlushed) lastDeviceFlush = now;
    for (const family of ['cameras', 'stations'] as const) {
      if (clustered[family] !== wasClustered[family]) options.onClusterMode?.(family, clustered[family]);
    }
    if (dirty.size > 0) schedule(Math.max(FLUSH_INTERVAL_MS, DEVICE_INTERVAL_MS - (now - lastDeviceFlush)));
  };

  const schedule = (delay = FLUSH_INTERVAL_MS): void => {
    if (timer !== null || frame !== null) return;
    timer = setTimeout(() => {
      timer = null;
      frame = requestAnimationFrame(flush);
    }, delay);
  };

  const markChanged = (s: LiveState, prev: LiveState | null): void => {
    if (!prev || s.cameras !== prev.cameras) dirty.add(SOURCE_IDS.cameras);
    if (!prev || s.stations !== prev.stations) {
      dirty.add(SOURCE_IDS.stations);
      dirty.add(SOURCE_IDS.coverage);
    }
    if (!prev || s.links !== prev.links) dirty.add(SOURCE_IDS.links);
    if (!prev || s.units !== prev.units) dirty.add(SOURCE_IDS.units);
    if (!prev || s.incidents !== prev.incidents) dirty.add(SOURCE_IDS.incidents);
    // Alerts fall back to device positions, so device changes can move them too.
    if (!prev || s.alerts !== prev.alerts || s.cameras !== prev.cameras || s.stations !== prev.stations) {
      dirty.add(SOURCE_IDS.alerts);
      dirty.add(SOURCE_IDS.markers);
      dirty.add(SOURCE_IDS.selection);
    }
    if (!prev || s.incidents !== prev.incidents) dirty.add(SOURCE_IDS.markers);
    if (!prev || s.alerts !== prev.alerts) dirty.add(SOURCE_IDS.wardCoverage);
    if (!prev || s.incidents !== prev.incidents || s.units !== prev.units) dirty.add(SOURCE_IDS.selection);
    if (dirty.size > 0) schedule();
  };

  const fillAll = (): void => {
    selectionKey = null;
    sent.clear();
    for (const m of [cameras, stations, coverage] as Mirror<unknown>[]) {
      m.last = null;
      m.keys.clear();
    }
    clustered.cameras = false;
    clustered.stations = false;
    coverageOutagesOnly = false;
    markChanged(store.getState(), null);
    for (const id of dirty) forced.add(id);
    flush();
  };

  // Fill synchronously once so the first frame already shows the picture (and tests need not wait a tick).
  fillAll();
  const unsubscribe = store.subscribe((s, prev) => markChanged(s, prev));
  const refresh = setInterval(() => {
    dirty.add(SOURCE_IDS.alerts);
    dirty.add(SOURCE_IDS.markers);
    schedule();
  }, ALERT_REFRESH_MS);

  return {
    refreshAll: fillAll,
    refreshSelection() {
      // On the next frame, not in the click: the panel the click opens paints before the map redraws.
      dirty.add(SOURCE_IDS.selection);
      schedule(0);
    },
    refreshMarkers() {
      dirty.add(SOURCE_IDS.markers);
      schedule(0);
    },
    clusterMode: (family) => clustered[family],
    stop() {
      unsubscribe();
      clearInterval(refresh);
      if (timer !== null) clearTimeout(timer);
      if (frame !== null) cancelAnimationFrame(frame);
    },
  };
}
