/**
 * Layer and source specs for the console map, plus the palette they draw with.
 *
 * Source and layer ids are part of the test contract: browser tests call
 * `map.querySourceFeatures(SOURCE_IDS.cameras)` and
 * `map.queryRenderedFeatures({ layers: [LAYER_IDS.alerts] })`. Do not rename.
 * Dense layers are circle/line/fill only (icon symbols break above 32k, maplibre #2891).
 */
import type {
  ExpressionSpecification,
  GeoJSONSourceSpecification,
  LayerSpecification,
} from '@maplibre/maplibre-gl-style-spec';

export const SOURCE_IDS = {
  wards: 'wards',
  wardLabels: 'ward-labels',
  roads: 'roads',
  coverage: 'coverage',
  links: 'links',
  stations: 'stations',
  cameras: 'cameras',
  alerts: 'alerts',
} as const;

export const LAYER_IDS = {
  background: 'background',
  wardsFill: 'wards-fill',
  wardsOutline: 'wards-outline',
  wardLabels: 'ward-labels',
  roads: 'roads',
  roadLabels: 'road-labels',
  coverage: 'coverage',
  coverageDown: 'coverage-down',
  coverageOutline: 'coverage-outline',
  linksCasing: 'links-casing',
  links: 'links',
  stations: 'stations',
  cameras: 'cameras',
  alertsPulse: 'alerts-pulse',
  alerts: 'alerts',
  alertsMark: 'alerts-mark',
  alertSelected: 'alert-selected',
} as const;

/** Sprite generated at runtime (no sprite URL: the map must work offline). */
export const HATCH_IMAGE = 'hatch-down';

/** Map font name; style.ts maps it to the bundled Be Vietnam Pro files via `font-faces`. */
export const MAP_FONT = 'Be Vietnam Pro Medium';

/** Colours tuned for a dim room: muted base map, saturated state colours only where action is needed. */
export const MAP_COLORS = {
  background: '#070c16',
  wardFill: '#0f1828',
  wardOutline: '#2c3d5c',
  wardLabel: '#8ea2c4',
  halo: '#070c16',
  road: { national: '#55627c', provincial: '#475269', urban: '#363f53', local: '#283041' },
  roadLabel: '#7d8aa3',
  ok: '#2dd4bf',
  linkOk: '#5eead4',
  camOk: '#22c55e',
  degraded: '#f59e0b',
  down: '#ef4444',
  unknown: '#7c8799',
  severity: { critical: '#ef4444', major: '#f97316', minor: '#eab308', info: '#3b82f6' },
  selected: '#f8fafc',
} as const;

const byState = (ok: string): ExpressionSpecification => [
  'match',
  ['get', 'state'],
  ['up', 'online'],
  ok,
  'degraded',
  MAP_COLORS.degraded,
  ['down', 'offline'],
  MAP_COLORS.down,
  MAP_COLORS.unknown,
];

const bySeverity: ExpressionSpecification = [
  'match',
  ['get', 'severity'],
  'critical',
  MAP_COLORS.severity.critical,
  'major',
  MAP_COLORS.severity.major,
  'minor',
  MAP_COLORS.severity.minor,
  MAP_COLORS.severity.info,
];

/** Bigger marks for more urgent alerts: size carries severity as well as colour. */
const alertRadius: ExpressionSpecification = [
  'interpolate',
  ['linear'],
  ['zoom'],
  11,
  ['match', ['get', 'severity'], 'critical', 8, 'major', 7, 'minor', 6, 5],
  16,
  ['match', ['get', 'severity'], 'critical', 14, 'major', 12, 'minor', 10, 9],
];

export const EMPTY_FC: GeoJSONSourceSpecification['data'] = { type: 'FeatureCollection', features: [] };

/** Live sources start empty and are filled by setData from the store (./feed.ts). */
export function liveSources(): Record<string, GeoJSONSourceSpecification> {
  const src = (): GeoJSONSourceSpecification => ({ type: 'geojson', data: EMPTY_FC });
  return {
    [SOURCE_IDS.coverage]: src(),
    [SOURCE_IDS.links]: src(),
    [SOURCE_IDS.stations]: src(),
    [SOURCE_IDS.cameras]: src(),
    [SOURCE_IDS.alerts]: src(),
  };
}

/** Base layers over the city pack's wards and roads (offline style only). */
export function baseLayers(): LayerSpecification[] {
  return [
    { id: LAYER_IDS.background, type: 'background', paint: { 'background-color': MAP_COLORS.background } },
    { id: LAYER_IDS.wardsFill, type: 'fill', source: SOURCE_IDS.wards, paint: { 'fill-color': MAP_COLORS.wardFill } },
    wardsOutlineLayer(),
    {
      id: LAYER_IDS.roads,
      type: 'line',
      source: SOURCE_IDS.roads,
      layout: {
        'line-cap': 'round',
        'line-join': 'round',
        // Bigger roads drawn last so they sit on top at junctions.
        'line-sort-key': ['match', ['get', 'class'], 'national', 4, 'provincial', 3, 'urban', 2, 1],
      },
      paint: {
        'line-color': [
          'match',
          ['get', 'class'],
          'national',
          MAP_COLORS.road.national,
          'provincial',
          MAP_COLORS.road.provincial,
          'urban',
          MAP_COLORS.road.urban,
          MAP_COLORS.road.local,
        ],
        'line-width': [
          'interpolate',
          ['exponential', 1.6],
          ['zoom'],
          10,
          ['match', ['get', 'class'], 'national', 1.6, 'provincial', 1.2, 'urban', 0.7, 0.4],
          17,
          ['match', ['get', 'class'], 'national', 12, 'provincial', 9, 'urban', 6, 3],
        ],
      },
    },
  ];
}

export function wardsOutlineLayer(): LayerSpecification {
  return {
    id: LAYER_IDS.wardsOutline,
    type: 'line',
    source: SOURCE_IDS.wards,
    paint: { 'line-color': MAP_COLORS.wardOutline, 'line-width': ['interpolate', ['linear'], ['zoom'], 10, 0.8, 16, 2] },
  };
}

/** Label layers; drawn above coverage and links but below devices and alerts. */
export function labelLayers(): LayerSpecification[] {
  return [
    {
      id: LAYER_IDS.roadLabels,
      type: 'symbol',
      source: SOURCE_IDS.roads,
      minzoom: 13,
      filter: ['in', ['get', 'class'], ['literal', ['national', 'provincial', 'urban']]],
      layout: {
        'symbol-placement': 'line',
        'text-field': ['get', 'name'],
        'text-font': [MAP_FONT],
        'text-size': ['interpolate', ['linear'], ['zoom'], 13, 11, 17, 14],
        'text-max-angle': 30,
      },
      paint: { 'text-color': MAP_COLORS.roadLabel, 'text-halo-color': MAP_COLORS.halo, 'text-halo-width': 1.5 },
    },
    {
      id: LAYER_IDS.wardLabels,
      type: 'symbol',
      source: SOURCE_IDS.wardLabels,
      layout: {
        'text-field': ['get', 'name'],
        'text-font': [MAP_FONT],
        'text-size': ['interpolate', ['linear'], ['zoom'], 11, 11, 15, 15],
        'text-letter-spacing': 0.04,
        'text-max-width': 8,
        'text-padding': 4,
      },
      paint: { 'text-color': MAP_COLORS.wardLabel, 'text-halo-color': MAP_COLORS.halo, 'text-halo-width': 1.6 },
    },
  ];
}

export function coverageLayers(): LayerSpecification[] {
  const isDown: ExpressionSpecification = ['==', ['get', 'state'], 'down'];
  return [
    {
      id: LAYER_IDS.coverage,
      type: 'fill',
      source: SOURCE_IDS.coverage,
      filter: ['!', isDown],
      paint: { 'fill-color': byState(MAP_COLORS.ok), 'fill-opacity': 0.035 },
    },
    {
      // A coverage hole: red hatch so it reads as "missing" even in greyscale.
      id: LAYER_IDS.coverageDown,
      type: 'fill',
      source: SOURCE_IDS.coverage,
      filter: isDown,
      paint: { 'fill-pattern': HATCH_IMAGE, 'fill-opacity': 0.45 },
    },
    {
      id: LAYER_IDS.coverageOutline,
      type: 'line',
      source: SOURCE_IDS.coverage,
      paint: {
        'line-color': byState(MAP_COLORS.ok),
        'line-opacity': ['case', isDown, 0.8, 0.14],
        'line-width': ['case', isDown, 1.5, 0.8],
        'line-dasharray': ['case', isDown, ['literal', [3, 2]], ['literal', [1, 0]]],
      },
    },
  ];
}

export function linkLayers(): LayerSpecification[] {
  const isDown: ExpressionSpecification = ['==', ['get', 'state'], 'down'];
  return [
    {
      // Dark casing only under problem links, so they read over coverage fills.
      id: LAYER_IDS.linksCasing,
      type: 'line',
      source: SOURCE_IDS.links,
      filter: ['!=', ['get', 'state'], 'up'],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': MAP_COLORS.halo, 'line-width': ['interpolate', ['linear'], ['zoom'], 11, 4, 16, 7] },
    },
    {
      id: LAYER_IDS.links,
      type: 'line',
      source: SOURCE_IDS.links,
      layout: { 'line-join': 'round' },
      paint: {
        'line-color': byState(MAP_COLORS.linkOk),
        // Healthy links recede; degraded/down ones are drawn at full strength.
        'line-opacity': ['match', ['get', 'state'], 'up', 0.55, 1],
        'line-width': ['interpolate', ['linear'], ['zoom'], 11, ['match', ['get', 'state'], 'up', 1.2, 2.4], 16, ['match', ['get', 'state'], 'up', 3, 5]],
        // Dashes make a cut link legible without colour.
        'line-dasharray': ['case', isDown, ['literal', [2, 1.5]], ['literal', [1, 0]]],
      },
    },
  ];
}

export function deviceLayers(): LayerSpecification[] {
  // Offline/down devices are drawn hollow (dark centre, thick coloured ring): shape carries state too.
  const hollow: ExpressionSpecification = ['in', ['get', 'state'], ['literal', ['down', 'offline']]];
  return [
    {
      id: LAYER_IDS.stations,
      type: 'circle',
      source: SOURCE_IDS.stations,
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 11, 4.5, 16, 9],
        'circle-color': ['case', hollow, MAP_COLORS.halo, byState(MAP_COLORS.ok)],
        'circle-stroke-color': ['case', hollow, MAP_COLORS.down, '#e2e8f0'],
        'circle-stroke-width': ['case', hollow, 3, 1.5],
      },
    },
    {
      id: LAYER_IDS.cameras,
      type: 'circle',
      source: SOURCE_IDS.cameras,
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 11, 2.5, 16, 6],
        'circle-color': ['case', hollow, MAP_COLORS.halo, byState(MAP_COLORS.camOk)],
        'circle-stroke-color': ['case', hollow, MAP_COLORS.down, MAP_COLORS.halo],
        'circle-stroke-width': ['case', hollow, 2, 1],
      },
    },
  ];
}

export function alertLayers(): LayerSpecification[] {
  return [
    {
      // Radius and opacity are animated by ./pulse.ts for alerts raised in the last minutes.
      id: LAYER_IDS.alertsPulse,
      type: 'circle',
      source: SOURCE_IDS.alerts,
      filter: ['==', ['get', 'isNew'], true],
      paint: {
        'circle-radius': 18,
        'circle-color': 'rgba(0,0,0,0)',
        'circle-stroke-color': bySeverity,
        'circle-stroke-width': 2.5,
        'circle-stroke-opacity': 0.7,
      },
    },
    {
      id: LAYER_IDS.alerts,
      type: 'circle',
      source: SOURCE_IDS.alerts,
      layout: { 'circle-sort-key': ['-', 3, ['get', 'rank']] },
      paint: {
        'circle-radius': alertRadius,
        'circle-color': bySeverity,
        'circle-opacity': ['case', ['==', ['get', 'state'], 'acknowledged'], 0.55, 1],
        'circle-stroke-color': '#f8fafc',
        'circle-stroke-width': 2,
      },
    },
    {
      // "!" for critical, "!!" would crowd: critical and major carry a mark, minor/info none.
      id: LAYER_IDS.alertsMark,
      type: 'symbol',
      source: SOURCE_IDS.alerts,
      minzoom: 10,
      filter: ['in', ['get', 'severity'], ['literal', ['critical', 'major']]],
      layout: {
        'text-field': '!',
        'text-font': [MAP_FONT],
        'text-size': ['interpolate', ['linear'], ['zoom'], 11, 10, 16, 16],
        'text-allow-overlap': true,
        'text-ignore-placement': true,
      },
      paint: { 'text-color': '#0b0f19' },
    },
    {
      id: LAYER_IDS.alertSelected,
      type: 'circle',
      source: SOURCE_IDS.alerts,
      filter: ['==', ['get', 'id'], ''],
      paint: {
        'circle-radius': 22,
        'circle-color': 'rgba(0,0,0,0)',
        'circle-stroke-color': MAP_COLORS.selected,
        'circle-stroke-width': 2,
      },
    },
  ];
}

/** Everything we draw above the base map, bottom to top. */
export function liveLayers(): LayerSpecification[] {
  return [...coverageLayers(), ...linkLayers(), ...deviceLayers(), ...alertLayers()];
}
