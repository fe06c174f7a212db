/**
 * The live layers above the base map: devices (plain or clustered), units,
 * incidents, alerts, the ward coverage choropleth, the stale veil, the selection.
 * Ids are in ./layers.ts (part of the browser-test contract).
 * Dense layers (cameras, stations) are circles; icon symbols are used only for
 * the few things that need a shape: alerts, incidents, units.
 */
import type { ExpressionSpecification, GeoJSONSourceSpecification, LayerSpecification } from '@maplibre/maplibre-gl-style-spec';
import { cameraGroupLayers, camerasSource, clusterLayers, clusteredSource, markerClusterLayers, markersSource, notCluster } from './cluster.js';
import { alertIcon, incidentIcon, STALE_ICON, unitIcon } from './icons.js';
import { byState, bySeverity, coverageLayers, EMPTY_FC, LAYER_IDS, linkLayers, MAP_COLORS, MAP_FONT, SOURCE_IDS } from './layers.js';

/** Live sources start empty and are filled by setData from the store (./feed.ts). */
export function liveSources(): Record<string, GeoJSONSourceSpecification> {
  const src = (): GeoJSONSourceSpecification => ({ type: 'geojson', data: EMPTY_FC });
  return {
    [SOURCE_IDS.wardCoverage]: src(),
    [SOURCE_IDS.coverage]: src(),
    [SOURCE_IDS.links]: src(),
    [SOURCE_IDS.stations]: src(),
    // Clustered when zoomed out (./cluster.ts); every camera its own dot from zoom 13.
    [SOURCE_IDS.cameras]: camerasSource(),
    [SOURCE_IDS.stationsClustered]: clusteredSource(),
    [SOURCE_IDS.camerasClustered]: clusteredSource(),
    [SOURCE_IDS.units]: src(),
    [SOURCE_IDS.incidents]: src(),
    [SOURCE_IDS.alerts]: src(),
    [SOURCE_IDS.markers]: markersSource(),
    [SOURCE_IDS.selection]: src(),
  };
}

const hollow: ExpressionSpecification = ['in', ['get', 'state'], ['literal', ['down', 'offline']]];

/** Paint of a station dot; shared by the plain and the clustered layer. */
export const stationPaint = {
  'circle-radius': ['interpolate', ['linear'], ['zoom'], 11, 5, 16, 9],
  'circle-color': ['case', hollow, MAP_COLORS.halo, byState(MAP_COLORS.stationOk)],
  'circle-stroke-color': ['case', hollow, MAP_COLORS.down, '#ede9fe'],
  'circle-stroke-width': ['case', hollow, 3, 1.5],
} as const;

/** Cameras: readable at city zoom (review item 7), green when online, hollow red when offline. */
export const cameraPaint = {
  'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 3.5, 12, 4.5, 16, 7.5],
  'circle-color': ['case', hollow, MAP_COLORS.halo, byState(MAP_COLORS.camOk)],
  'circle-stroke-color': ['case', hollow, MAP_COLORS.down, MAP_COLORS.halo],
  'circle-stroke-width': ['case', hollow, 2.2, 1.3],
} as const;

/** Ward shading by the share of its area that lost coverage (from coverage_loss alerts). */
export function wardCoverageLayers(): LayerSpecification[] {
  return [
    {
      id: LAYER_IDS.wardCoverage,
      type: 'fill',
      source: SOURCE_IDS.wardCoverage,
      filter: ['>', ['get', 'uncoveredPct'], 0],
      paint: {
        'fill-color': MAP_COLORS.down,
        'fill-opacity': ['interpolate', ['linear'], ['get', 'uncoveredPct'], 0, 0.04, 25, 0.16, 60, 0.32, 100, 0.45],
      },
    },
  ];
}

export function deviceLayers(): LayerSpecification[] {
  return [
    { id: LAYER_IDS.stations, type: 'circle', source: SOURCE_IDS.stations, paint: stationPaint as never },
    { id: LAYER_IDS.cameras, type: 'circle', source: SOURCE_IDS.cameras, filter: notCluster, paint: cameraPaint as never },
    ...cameraGroupLayers(SOURCE_IDS.cameras),
    ...clusterLayers('stations', SOURCE_IDS.stationsClustered, stationPaint),
    ...clusterLayers('cameras', SOURCE_IDS.camerasClustered, cameraPaint),
  ];
}

/** Dims everything under it while the link is down; alerts and incidents stay above it, coloured. */
export function staleLayers(): LayerSpecification[] {
  return [{ id: LAYER_IDS.staleVeil, type: 'background', layout: { visibility: 'none' }, paint: { 'background-color': MAP_COLORS.veil } }];
}

/** Icon scale by zoom; bigger marks for more urgent alerts (size carries severity too). Zoom must be the top-level input. */
const bySeverityScale = (base: number): ExpressionSpecification => ['match', ['get', 'severity'], 'critical', base * 1.15, 'major', base, base * 0.85];
const alertIconSize: ExpressionSpecification = ['interpolate', ['linear'], ['zoom'], 10, bySeverityScale(0.75), 13, bySeverityScale(0.95), 17, bySeverityScale(1.3)];

export function unitLayers(): LayerSpecification[] {
  return [
    {
      id: LAYER_IDS.units,
      type: 'symbol',
      source: SOURCE_IDS.units,
      layout: {
        'icon-image': ['match', ['get', 'status'], 'available', unitIcon('available'), 'busy', unitIcon('busy'), unitIcon('off_duty')],
        'icon-size': ['interpolate', ['linear'], ['zoom'], 10, 0.6, 13, 0.8, 17, 1.1],
        'icon-allow-overlap': true,
        // Its callsign at every zoom, in its status colour (issue #27.7); the full name once zoomed in.
        'text-field': ['step', ['zoom'], ['get', 'callsign'], 15, ['concat', ['get', 'callsign'], ' · ', ['get', 'name']]],
        'text-font': [MAP_FONT],
        'text-size': ['interpolate', ['linear'], ['zoom'], 10, 11, 15, 12],
        'text-offset': [0, 1.1],
        'text-anchor': 'top',
        'text-optional': true,
        'text-max-width': 12,
      },
      paint: {
        'text-color': ['match', ['get', 'status'], 'available', MAP_COLORS.unit.available, 'busy', MAP_COLORS.unit.busy, MAP_COLORS.unit.off_duty],
        'text-halo-color': MAP_COLORS.halo,
        'text-halo-width': 1.8,
      },
    },
  ];
}

const isKind = (kind: 'incident' | 'alert'): ExpressionSpecification => ['all', notCluster, ['==', ['get', 'kind'], kind]];

/**
 * Draw nothing, but keep the `alerts` and `incidents` sources in use: maplibre loads
 * a source's tiles (what querySourceFeatures reads) only while a visible layer uses it.
 */
export function indexLayers(): LayerSpecification[] {
  const none = { 'circle-radius': 0, 'circle-opacity': 0, 'circle-stroke-width': 0 };
  return [
    { id: LAYER_IDS.alertsIndex, type: 'circle', source: SOURCE_IDS.alerts, paint: none },
    { id: LAYER_IDS.incidentsIndex, type: 'circle', source: SOURCE_IDS.incidents, paint: none },
  ];
}

/**
 * An incident: one marker for it and its alerts, with the number of alerts at its
 * corner when it holds several (a "1" on every marker would only be clutter).
 */
export function incidentLayers(): LayerSpecification[] {
  const corner: [number, number] = [11, -11];
  const isIncident = isKind('incident');
  return [
    {
      id: LAYER_IDS.incidents,
      type: 'symbol',
      source: SOURCE_IDS.markers,
      filter: isIncident,
      layout: {
        'icon-image': ['match', ['get', 'severity'], 'critical', incidentIcon('critical'), 'major', incidentIcon('major'), 'minor', incidentIcon('minor'), incidentIcon('info')],
        'icon-size': ['interpolate', ['linear'], ['zoom'], 10, 0.95, 13, 1.1, 17, 1.4],
        'icon-allow-overlap': true,
        // The worst drawn last, on top (overlapping symbols stack by ascending key).
        'symbol-sort-key': ['get', 'level'],
      },
      paint: { 'icon-opacity': ['case', ['==', ['get', 'status'], 'resolved'], 0.55, 1] },
    },
    {
      id: LAYER_IDS.incidentAlertsBadge,
      type: 'circle',
      source: SOURCE_IDS.markers,
      filter: ['all', isIncident, ['>', ['get', 'alertCount'], 1]],
      paint: { 'circle-radius': 7, 'circle-color': '#f8fafc', 'circle-stroke-color': MAP_COLORS.halo, 'circle-stroke-width': 1.5, 'circle-translate': corner },
    },
    {
      id: LAYER_IDS.incidentAlertsCount,
      type: 'symbol',
      source: SOURCE_IDS.markers,
      filter: ['all', isIncident, ['>', ['get', 'alertCount'], 1]],
      layout: { 'text-field': ['to-string', ['get', 'alertCount']], 'text-font': [MAP_FONT], 'text-size': 10, 'text-allow-overlap': true, 'text-ignore-placement': true },
      paint: { 'text-color': '#0b0f19', 'text-translate': corner },
    },
  ];
}

export function alertLayers(): LayerSpecification[] {
  return [
    {
      // A still ring around what was raised in the last minutes; ./pulse.ts adds the motion outside the map canvas.
      id: LAYER_IDS.alertsPulse,
      type: 'circle',
      source: SOURCE_IDS.markers,
      filter: ['all', notCluster, ['==', ['get', 'isNew'], true]],
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 14, 16, 20],
        'circle-color': 'rgba(0,0,0,0)',
        'circle-stroke-color': bySeverity,
        'circle-stroke-width': 2.5,
        'circle-stroke-opacity': 0.8,
      },
    },
    {
      // Escalated: a bright double ring that survives greyscale.
      id: LAYER_IDS.alertsEscalated,
      type: 'circle',
      source: SOURCE_IDS.markers,
      filter: ['all', notCluster, ['==', ['get', 'escalated'], true]],
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 11, 16, 17],
        'circle-color': 'rgba(0,0,0,0)',
        'circle-stroke-color': MAP_COLORS.escalated,
        'circle-stroke-width': 2.5,
      },
    },
    {
      id: LAYER_IDS.alerts,
      type: 'symbol',
      source: SOURCE_IDS.markers,
      filter: isKind('alert'),
      layout: {
        'icon-image': ['match', ['get', 'severity'], 'critical', alertIcon('critical'), 'major', alertIcon('major'), 'minor', alertIcon('minor'), alertIcon('info')],
        'icon-size': alertIconSize,
        'icon-allow-overlap': true,
        // Most urgent drawn last, on top (a 115 call 60 m from a crash must not hide the crash).
        'symbol-sort-key': ['get', 'level'],
      },
      paint: { 'icon-opacity': ['case', ['==', ['get', 'state'], 'acknowledged'], 0.6, 1] },
    },
    {
      // Shown only while disconnected: a clock on each alert says "as of then".
      id: LAYER_IDS.alertsStale,
      type: 'symbol',
      source: SOURCE_IDS.markers,
      filter: notCluster,
      layout: {
        visibility: 'none',
        'icon-image': STALE_ICON,
        'icon-offset': [11, -11],
        'icon-allow-overlap': true,
        'icon-ignore-placement': true,
      },
    },
    {
      id: LAYER_IDS.alertSelected,
      type: 'circle',
      source: SOURCE_IDS.selection,
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 16, 16, 24],
        'circle-color': 'rgba(0,0,0,0)',
        'circle-stroke-color': MAP_COLORS.selected,
        'circle-stroke-width': 2.5,
      },
    },
  ];
}

/** Below the labels (so names stay legible over fills), bottom to top. */
export const underLabels = (): LayerSpecification[] => [...wardCoverageLayers(), ...coverageLayers(), ...linkLayers(), ...deviceLayers()];
/** Above the labels, bottom to top. */
export const overLabels = (): LayerSpecification[] => [
  ...indexLayers(),
  ...unitLayers(),
  ...staleLayers(),
  ...incidentLayers(),
  ...markerClusterLayers(SOURCE_IDS.markers),
  ...alertLayers(),
];
/** Everything we draw above the base map, bottom to top. */
export const liveLayers = (): LayerSpecification[] => [...underLabels(), ...overLabels()];
