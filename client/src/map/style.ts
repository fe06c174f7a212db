/**
 * The offline base style, built from the city pack alone: no tiles, no sprite,
 * no glyphs URL, so the console renders with the network cable pulled.
 * Labels use `font-faces` (bundled Be Vietnam Pro) when given, else local fonts;
 * either way maplibre 6 draws Vietnamese diacritics correctly. With BASEMAP_PMTILES
 * the archive's streets and water go under the city (./basemap.ts), still offline.
 */
import type { FontFacesSpecification, LayerSpecification, SourceSpecification, StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import type { GeoJSON } from 'geojson';
import type { CityPack } from '../../../contract/citypack.js';
import { BASEMAP_SOURCE } from './basemap.js';
import { baseLayers, LAYER_IDS, labelLayers, SOURCE_IDS } from './layers.js';
import { wardLabelPoints } from './labels.js';

export interface OfflineStyleOptions {
  /** Absolute font URLs for MAP_FONT; omit to fall back to local fonts (tests). */
  fontFaces?: FontFacesSpecification;
  /** Ward label text expression (name or nameEn); default the Vietnamese name. */
  labelField?: unknown;
  /** An offline basemap (./basemap.ts) drawn between our background and the wards. */
  basemap?: { source: SourceSpecification; layers: LayerSpecification[] };
}

export function buildOfflineStyle(pack: Pick<CityPack, 'meta' | 'wards' | 'roads'>, options: OfflineStyleOptions = {}): StyleSpecification {
  const style: StyleSpecification = {
    version: 8,
    name: `ioc-console offline: ${pack.meta.nameEn}`,
    center: pack.meta.center,
    zoom: pack.meta.zoom,
    sources: {
      [SOURCE_IDS.wards]: { type: 'geojson', data: pack.wards as GeoJSON },
      [SOURCE_IDS.roads]: { type: 'geojson', data: pack.roads as GeoJSON },
      [SOURCE_IDS.wardLabels]: { type: 'geojson', data: wardLabelPoints(pack.wards) },
    },
    // Labels are added after the live fills (see liveLayersInstall) so they stay readable over coverage.
    layers: [...baseLayers(), ...labelLayers()],
  };
  if (options.labelField) {
    const ward = style.layers.find((l) => l.id === LAYER_IDS.wardLabels);
    if (ward?.type === 'symbol') ward.layout = { ...ward.layout, 'text-field': options.labelField as never };
  }
  if (options.basemap) {
    style.sources[BASEMAP_SOURCE] = options.basemap.source;
    // Under everything of the city: right after the background. The ward fill turns
    // translucent so the streets show through it; outlines, roads and labels stay as they are.
    const [background, ...rest] = style.layers;
    style.layers = [background!, ...options.basemap.layers, ...rest];
    const fill = style.layers.find((l) => l.id === LAYER_IDS.wardsFill);
    if (fill?.type === 'fill') fill.paint = { ...fill.paint, 'fill-opacity': 0.45 };
  }
  if (options.fontFaces) style['font-faces'] = options.fontFaces;
  return style;
}
