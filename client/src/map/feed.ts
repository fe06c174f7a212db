/**
 * Store -> map sources, coalesced. A busy feed can change the store dozens of
 * times a second; unbounded setData grows memory (maplibre #6154), so changes are
 * marked dirty and flushed at most ~4 times a second, on an animation frame.
 * Only sources whose collection changed are rebuilt.
 */
import type { GeoJSONSource } from 'maplibre-gl';
import type { GeoJSON } from 'geojson';
import type { LiveState, LiveStore } from '../live/store.js';
import type { EngineMap } from './engine.js';
import { alertFeatures, cameraFeatures, coverageFeatures, linkFeatures, stationFeatures } from './features.js';
import { SOURCE_IDS } from './layers.js';

const FLUSH_INTERVAL_MS = 250;
/** Alerts are rebuilt at least this often so "new" (pulsing) ones age out without a delta. */
const ALERT_REFRESH_MS = 15_000;

type SourceId = (typeof SOURCE_IDS)[keyof typeof SOURCE_IDS];

export interface FeedOptions {
  /** Told how many alerts are "new" after each alerts rebuild (drives the pulse). */
  onNewAlerts?: (count: number) => void;
}

export interface Feed {
  /** Rebuild every source now (after a style swap re-created them empty). */
  refreshAll(): void;
  stop(): void;
}

export function feedMap(map: EngineMap, store: LiveStore, options: FeedOptions = {}): Feed {
  const dirty = new Set<SourceId>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let frame: number | null = null;

  const setData = (id: SourceId, data: GeoJSON): void => {
    const source = map.getSource(id) as GeoJSONSource | undefined;
    void source?.setData(data);
  };

  const flush = (): void => {
    frame = null;
    const s = store.getState();
    for (const id of dirty) {
      switch (id) {
        case SOURCE_IDS.cameras:
          setData(id, cameraFeatures(s.cameras));
          break;
        case SOURCE_IDS.stations:
          setData(id, stationFeatures(s.stations));
          break;
        case SOURCE_IDS.coverage:
          setData(id, coverageFeatures(s.stations));
          break;
        case SOURCE_IDS.links:
          setData(id, linkFeatures(s.links));
          break;
        case SOURCE_IDS.alerts:
        {
          const fc = alertFeatures(s.alerts, s.cameras, s.stations, Date.now() + s.clockOffsetMs);
          setData(id, fc);
          options.onNewAlerts?.(fc.features.filter((f) => f.properties?.isNew).length);
          break;
        }
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
    // Alerts fall back to device positions, so device changes can move them too.
    if (!prev || s.alerts !== prev.alerts || s.cameras !== prev.cameras || s.stations !== prev.stations) {
      dirty.add(SOURCE_IDS.alerts);
    }
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
      markChanged(store.getState(), null);
      flush();
    },
    stop() {
      unsubscribe();
      clearInterval(refresh);
      if (timer !== null) clearTimeout(timer);
      if (frame !== null) cancelAnimationFrame(frame);
    },
  };
}
