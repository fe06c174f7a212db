/**
 * Layer and source specs for the console map, plus the palette they draw with.
 *
 * Source and layer ids are part of the test contract: browser tests call
 * `map.querySourceFeatures(SOURCE_IDS.cameras)` and
 * `map.queryRenderedFeatures({ layers: [LAYER_IDS.alerts] })`. Do not rename.
 * The `alerts` and `incidents` layers draw from the `markers` source (clustered);
 * the `alerts` and `incidents` sources keep every open one for querySourceFeatures.
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
  wardCoverage: 'ward-coverage',
  roads: 'roads',
  coverage: 'coverage',
  links: 'links',
  stations: 'stations',
  cameras: 'cameras',
  /** Clustered twins of cameras/stations, fed instead of them when a city has thousands (./cluster.ts). */
  stationsClustered: 'stations-clustered',
  camerasClustered: 'cameras-clustered',
  units: 'units',
  incidents: 'incidents',
  alerts: 'alerts',
  /**
   * What the officer sees of incidents and alerts: one clustered source, an incident
   * drawn once with its alerts (./features.ts markerFeatures). `alerts` and
   * `incidents` above still hold every open one, for queries and tests.
   */
  markers: 'markers',
  selection: 'selection',
} as const;

export const LAYER_IDS = {
  background: 'background',
  wardsFill: 'wards-fill',
  wardsOutline: 'wards-outline',
  wardCoverage: 'ward-coverage',
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
  staleVeil: 'stale-veil',
  units: 'units',
  incidents: 'incidents',
  /** The number of alerts an incident's marker holds (when several), on a small light disc at its corner. */
  incidentAlertsBadge: 'incident-alerts-badge',
  incidentAlertsCount: 'incident-alerts-count',
  alertsIndex: 'alerts-index',
  incidentsIndex: 'incidents-index',
  alertsPulse: 'alerts-pulse',
  alertsEscalated: 'alerts-escalated',
  alerts: 'alerts',
  alertsStale: 'alerts-stale',
  alertSelected: 'alert-selected',
} as const;

/** Sprite generated at runtime (no sprite URL: the map must work offline). */
export const HATCH_IMAGE = 'hatch-down';

/** Map font name; style.ts maps it to the bundled Be Vietnam Pro files via `font-faces`. */
export const MAP_FONT = 'Be Vietnam Pro Medium';

/**
 * Colours tuned for a dim room: muted base map, saturated colours only where action
 * is needed. Each device family has its own hue when healthy (cameras green,
 * stations violet, links neutral slate) so they never read as one another; amber
 * and red mean degraded and down for all of them.
 */
export const MAP_COLORS = {
  background: '#070c16',
  wardFill: '#0f1828',
  wardOutline: '#2c3d5c',
  wardLabel: '#a3b3cf',
  halo: '#070c16',
  road: { national: '#55627c', provincial: '#475269', urban: '#363f53', local: '#283041' },
  roadLabel: '#7d8aa3',
  ok: '#a78bfa',
  stationOk: '#a78bfa',
  linkOk: '#8b9bb8',
  camOk: '#4ade80',
  degraded: '#f59e0b',
  down: '#ef4444',
  unknown: '#7c8799',
  severity: { critical: '#ef4444', major: '#f97316', minor: '#eab308', info: '#3b82f6' },
  unit: { available: '#22d3ee', busy: '#e879f9', off_duty: '#64748b' },
  escalated: '#fde047',
  selected: '#f8fafc',
  veil: 'rgba(38, 42, 52, 0.62)',
} as const;

export const byState = (ok: string): ExpressionSpecification => [
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

export const bySeverity: ExpressionSpecification = [
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

export const EMPTY_FC: GeoJSONSourceSpecification['data'] = { type: 'FeatureCollection', features: [] };

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

/** Label layers; drawn above coverage, links and device dots (a dot never cuts a name) but below the stale veil, incidents and alerts. */
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
        // Alert and incident icons are placed first (they are above): a ward name moves
        // aside rather than sit under one (visual review item 5).
        'text-variable-anchor': ['center', 'top', 'bottom', 'left', 'right'],
        'text-radial-offset': 1.1,
        'text-justify': 'auto',
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
      paint: { 'fill-color': byState(MAP_COLORS.stationOk), 'fill-opacity': 0.03 },
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
        'line-color': byState(MAP_COLORS.stationOk),
        'line-opacity': ['case', isDown, 0.8, 0.12],
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
        'line-opacity': ['match', ['get', 'state'], 'up', 0.6, 1],
        'line-width': ['interpolate', ['linear'], ['zoom'], 11, ['match', ['get', 'state'], 'up', 1.2, 2.4], 16, ['match', ['get', 'state'], 'up', 3, 5]],
        // Dashes make a cut link legible without colour.
        'line-dasharray': ['case', isDown, ['literal', [2, 1.5]], ['literal', [1, 0]]],
      },
    },
  ];
}

