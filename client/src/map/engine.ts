/**
 * The one place the map engine is chosen. Everything else talks to `EngineMap`
 * and the `MapComponent` exported here; switching to mapbox-gl (for sites with a
 * token and internet) means changing this file: `react-map-gl/mapbox` + `mapbox-gl`,
 * and mapbox needs a `glyphs` URL for labels.
 */
import * as maplibregl from 'maplibre-gl';
// Under Vite the worker must be pointed at explicitly, else "Worker failed to load".
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';

export { Map as MapComponent, type MapRef } from 'react-map-gl/maplibre';
export type EngineMap = maplibregl.Map;
export const ENGINE_NAME = 'maplibre' as const;

let configured = false;

/** The engine module, configured once (worker URL). Pass it as `mapLib` to MapComponent. */
export function getEngine(): typeof maplibregl {
  if (!configured) {
    maplibregl.setWorkerUrl(new URL(workerUrl, window.location.href).href);
    configured = true;
  }
  return maplibregl;
}
