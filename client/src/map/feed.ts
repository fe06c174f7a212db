/**
 * Store -> map sources, coalesced. A busy feed can change the store dozens of
 * times a second; unbounded setData grows memory (maplibre #6154), so changes are
 * marked dirty and flushed at most ~4 times a second, on an animation frame.
 * Only sources whose collection changed are rebuilt.
 */
import type { GeoJSONSource } from 'maplibre-gl';
import type { GeoJSON } from 'geojson';
import type { WardFeature } from '../../../contract/citypack.js';
import type { LngLat } from '../../../contract/domain.js';
import type { LiveState, LiveStore } from '../live/store.js';
import { CLUSTER_ABOVE, type ClusterFamily } from './cluster.js';
import type { EngineMap } from './engine.js';
import {
  alertFeatures,
  cameraFeatures,
  coverageFeatures,
  incidentFeatures,
  linkFeatures,
  stationFeatures,
  unitFeatures,
  wardCoverageFeatures,
} from './features.js';
import { EMPTY_FC, SOURCE_IDS } from './layers.js';

const FLUSH_INTERVAL_MS = 250;
/** Alerts are rebuilt at least this often so "new" (pulsing) ones age out without a delta. */
const ALERT_REFRESH_MS = 15_000;

type SourceId = (typeof SOURCE_IDS)[keyof typeof SOURCE_IDS];

export interface FeedOptions {
  wards: { features: WardFeature[] };
  /** Told how many alerts are "new" after each alerts rebuild (drives the pulse). */
  onNewAlerts?: (count: number) => void;
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
  clusterMode(family: ClusterFamily): boolean;
  stop(): void;
}

export function feedMap(map: EngineMap, store: LiveStore, options: FeedOptions): Feed {
  const dirty = new Set<SourceId>();
  const clustered: Record<ClusterFamily, boolean> = { cameras: false, stations: false };
  let timer: ReturnType<typeof setTimeout> | null = null;
  let frame: number | null = null;
  let selectionKey: string | null = null;

  const setData = (id: SourceId, data: GeoJSON): void => {
    const source = map.getSource(id) as GeoJSONSource | undefined;
    void source?.setData(data);
  };

  /** Plain source when few, the clustered twin when many; the other one is emptied. */
  const setDevices = (family: ClusterFamily, data: GeoJSON & { features: unknown[] }): void => {
    const many = data.features.length > CLUSTER_ABOVE;
    const [plain, twin] = family === 'cameras' ? [SOURCE_IDS.cameras, SOURCE_IDS.camerasClustered] : [SOURCE_IDS.stations, SOURCE_IDS.stationsClustered];
    setData(many ? twin : plain, data);
    if (many !== clustered[family]) {
      setData(many ? plain : twin, EMPTY_FC as GeoJSON);
      clustered[family] = many;
      options.onClusterMode?.(family, many);
    }
  };

  const flush = (): void => {
    frame = null;
    const s = store.getState();
    for (const id of dirty) {
      switch (id) {
        case SOURCE_IDS.cameras:
          setDevices('cameras', cameraFeatures(s.cameras));
          break;
        case SOURCE_IDS.stations:
          setDevices('stations', stationFeatures(s.stations));
          break;
        case SOURCE_IDS.coverage:
          setData(id, coverageFeatures(s.stations));
          break;
        case SOURCE_IDS.links:
          setData(id, linkFeatures(s.links));
          break;
        case SOURCE_IDS.units:
          setData(id, unitFeatures(s.units));
          break;
        case SOURCE_IDS.incidents:
          setData(id, incidentFeatures(s.incidents));
          break;
        case SOURCE_IDS.wardCoverage:
          setData(id, wardCoverageFeatures(options.wards, s.alerts));
          break;
        case SOURCE_IDS.selection: {
          // Only when the ring must move: a busy feed must not keep the map from going idle.
          const p = options.selectionPoint?.(s) ?? null;
          const key = p ? p.join(',') : '';
          if (key === selectionKey) break;
          selectionKey = key;
          setData(id, p ? { type: 'Feature', geometry: { type: 'Point', coordinates: p }, properties: {} } : (EMPTY_FC as GeoJSON));
          break;
        }
        case SOURCE_IDS.alerts: {
          const fc = alertFeatures(s.alerts, s.cameras, s.stations, Date.now() + s.clockOffsetMs);
          setData(id, fc);
          options.onNewAlerts?.(fc.features.filter((f) => f.properties?.isNew).length);
          break;
        }
        default:
          break;
      }
    }
    dirty.clear();
  };

  const schedule = (): void => {
    if (timer !== null || frame !== null) return;
    timer = setTimeout(() => {
      timer = null;
      frame = requestAnimationFrame(flush);
    }, FLUSH_INTERVAL_MS);
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
      dirty.add(SOURCE_IDS.selection);
    }
    if (!prev || s.alerts !== prev.alerts) dirty.add(SOURCE_IDS.wardCoverage);
    if (!prev || s.incidents !== prev.incidents || s.units !== prev.units) dirty.add(SOURCE_IDS.selection);
    if (dirty.size > 0) schedule();
  };

  markChanged(store.getState(), null);
  // Fill synchronously once so the first frame already shows the picture (and tests need not wait a tick).
  flush();
  const unsubscribe = store.subscribe((s, prev) => markChanged(s, prev));
  const refresh = setInterval(() => {
    dirty.add(SOURCE_IDS.alerts);
    schedule();
  }, ALERT_REFRESH_MS);

  return {
    refreshAll() {
      selectionKey = null;
      clustered.cameras = false;
      clustered.stations = false;
      markChanged(store.getState(), null);
      flush();
    },
    refreshSelection() {
      dirty.add(SOURCE_IDS.selection);
      flush();
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
