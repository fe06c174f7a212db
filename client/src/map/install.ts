/**
 * Adds our sources, the icons and the live layers to a loaded map. Runs on
 * every `style.load`, so a style swap (offline <-> configured URL) keeps them.
 */
import type { LayerSpecification } from '@maplibre/maplibre-gl-style-spec';
import type { CityPack } from '../../../contract/citypack.js';
import type { EngineMap } from './engine.js';
import { installIcons } from './icons.js';
import { HATCH_IMAGE, LAYER_IDS, MAP_COLORS, SOURCE_IDS, wardsOutlineLayer } from './layers.js';
import { liveSources, overLabels, underLabels } from './layers-live.js';

/** Diagonal red stripes on transparent: a coverage hole reads as "missing", not as another zone. */
function hatchImage(size = 12): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(size * size * 4);
  const [r, g, b] = [0xef, 0x44, 0x44];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const on = (x + y) % size < 3;
      const i = (y * size + x) * 4;
      data[i] = r;
      data[i + 1] = g;
      data[i + 2] = b;
      data[i + 3] = on ? 255 : 40;
    }
  }
  return { width: size, height: size, data };
}

function addLayer(map: EngineMap, layer: LayerSpecification, beforeId?: string): void {
  if (map.getLayer(layer.id)) return;
  map.addLayer(layer as Parameters<EngineMap['addLayer']>[0], beforeId && map.getLayer(beforeId) ? beforeId : undefined);
}

export function installLiveLayers(map: EngineMap, pack: CityPack): void {
  if (!map.hasImage(HATCH_IMAGE)) map.addImage(HATCH_IMAGE, hatchImage());
  installIcons(map);
  for (const [id, spec] of Object.entries(liveSources())) {
    if (!map.getSource(id)) map.addSource(id, spec as Parameters<EngineMap['addSource']>[1]);
  }
  // A configured (online) style has no wards of ours: overlay the outlines so ward borders still show.
  if (!map.getSource(SOURCE_IDS.wards)) {
    map.addSource(SOURCE_IDS.wards, { type: 'geojson', data: pack.wards as never });
    const outline = wardsOutlineLayer();
    addLayer(map, { ...outline, paint: { 'line-color': MAP_COLORS.wardLabel, 'line-opacity': 0.6, 'line-width': 1.2 } } as LayerSpecification);
  }
  // Fills, links and device dots go under the labels (offline style) so names stay legible;
  // the stale veil, incidents and alerts above them (their icons push labels aside).
  for (const layer of underLabels()) addLayer(map, layer, LAYER_IDS.roadLabels);
  for (const layer of overLabels()) addLayer(map, layer);
}
