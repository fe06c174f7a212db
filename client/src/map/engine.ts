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

/**
 * Whether WebGL runs in software (SwiftShader, llvmpipe: a workstation without a
 * usable GPU). There every map frame costs 100 ms and more of the main thread, so
 * the map jumps where it would fly (issue #27 point 8).
 */
export function softwareRendering(map: EngineMap): boolean {
  try {
    const gl = map.getCanvas().getContext('webgl2') ?? map.getCanvas().getContext('webgl');
    if (!gl) return false;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    return /swiftshader|llvmpipe|softpipe|software/i.test(renderer);
  } catch {
    return false;
  }
}
