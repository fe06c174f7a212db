/**
 * The video-conference points on the map (console and wall): a dot per point, green when
 * ready, red when a point expected at the next meeting is not, grey when not expected or never
 * heard from; its name at closer zooms. Fed by setData from the board store, on each poll.
 */
import type { VcBoardView } from '../../../contract/vc.js';
import { vcReady } from '../../../contract/vc.js';
import type { VcBoardStore } from '../app/vcStore.js';
import type { EngineMap } from './engine.js';
import { LAYER_IDS } from './layers.js';

export const VC_SOURCE = 'vc-points';
export const VC_LAYER = 'vc-points';
const VC_LABELS = 'vc-points-labels';

function features(b: VcBoardView | null) {
  const expected = new Set(b?.readiness.meeting?.pointIds ?? []);
  return {
    type: 'FeatureCollection' as const,
    features: (b?.points ?? []).map((p) => ({
      type: 'Feature' as const,
      id: p.id,
      geometry: { type: 'Point' as const, coordinates: p.position },
      properties: { id: p.id, name: p.name, status: vcReady(p) ? 'ready' : expected.has(p.id) ? 'missing' : p.state === 'unknown' ? 'unknown' : 'down', expected: expected.has(p.id) },
    })),
  };
}

/** Adds the layer (again after a style swap) and keeps it fed; returns the undo. */
export function installVcLayer(map: EngineMap, store: VcBoardStore): () => void {
  const install = () => {
    if (!map.getSource(VC_SOURCE)) map.addSource(VC_SOURCE, { type: 'geojson', data: features(store.get()) } as never);
    if (!map.getLayer(VC_LAYER)) {
      map.addLayer({
        id: VC_LAYER,
        type: 'circle',
        source: VC_SOURCE,
        paint: {
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 11, 5, 16, 10],
          'circle-color': ['match', ['get', 'status'], 'ready', '#22c55e', 'missing', '#ef4444', 'down', '#f59e0b', '#64748b'],
          'circle-stroke-color': '#f8fafc',
          'circle-stroke-width': ['case', ['get', 'expected'], 2.5, 1],
        },
      } as never);
      map.addLayer({
        id: VC_LABELS,
        type: 'symbol',
        source: VC_SOURCE,
        minzoom: 14,
        layout: { 'text-field': ['get', 'name'], 'text-size': 11, 'text-offset': [0, 1.2], 'text-anchor': 'top', 'text-optional': true },
        paint: { 'text-color': '#e2e8f0', 'text-halo-color': '#0f172a', 'text-halo-width': 1.2 },
      } as never);
    }
    // With the other devices, under units, incidents, alerts and their clusters: a point must never
    // hide what an officer acts on (the live layers may be added after this one, so it moves each time).
    if (map.getLayer(LAYER_IDS.units)) {
      map.moveLayer(VC_LAYER, LAYER_IDS.units);
      map.moveLayer(VC_LABELS, LAYER_IDS.units);
    }
  };
  install();
  const update = () => (map.getSource(VC_SOURCE) as { setData?: (d: unknown) => void } | undefined)?.setData?.(features(store.get()));
  const unsubscribe = store.subscribe(update);
  map.on('style.load', install);
  return () => {
    unsubscribe();
    map.off('style.load', install);
  };
}
