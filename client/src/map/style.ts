/**
 * The offline base style, built from the city pack alone: no tiles, no sprite,
 * no glyphs URL, so the console renders with the network cable pulled.
 * Labels use `font-faces` (bundled Be Vietnam Pro) when given, else local fonts;
 * either way maplibre 6 draws Vietnamese diacritics correctly.
 */
import type { FontFacesSpecification, StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import type { GeoJSON } from 'geojson';
import type { CityPack } from '../../../contract/citypack.js';
import { baseLayers, LAYER_IDS, labelLayers, SOURCE_IDS } from './layers.js';
import { wardLabelPoints } from './labels.js';

export interface OfflineStyleOptions {
  /** Absolute font URLs for MAP_FONT; omit to fall back to local fonts (tests). */
  fontFaces?: FontFacesSpecification;
  /** Ward label text expression (name or nameEn); default the Vietnamese name. */
  labelField?: unknown;
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
  if (options.fontFaces) style['font-faces'] = options.fontFaces;
  return style;
}
