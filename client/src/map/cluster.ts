/**
 * Clustering (maplibre's supercluster, in the worker). Three uses:
 *
 * - Incidents and alerts (the `markers` source, issue #27 point 4): below
 *   MARKER_CLUSTER.maxZoom + 1 nearby markers merge into one badge that shows how
 *   many it holds and takes the colour of the worst severity inside (`worst`, the
 *   maximum of the members' `level`); clicking it zooms in until it splits.
 * - Cameras of a demo-sized city: the plain `cameras` source is clustered below
 *   zoom CAMERA_CLUSTER.maxZoom + 1, so a zoomed-out city shows camera groups with
 *   a count, coloured by the worst camera inside, instead of a pile of dots (or
 *   none). Above it every camera is its own dot, as the tests and officers expect.
 * - Dense device layers: past CLUSTER_ABOVE devices the feed switches a family to
 *   its clustered twin source, so 10,000 cameras stay fluid. The switch is a
 *   choice of which source gets the data and which layers are visible, so it needs
 *   no style reload. Each twin cluster counts its down members and shows a red
 *   ring when any is down: a problem never hides inside a cluster.
 */
import type { ExpressionSpecification, GeoJSONSourceSpecification, LayerSpecification } from '@maplibre/maplibre-gl-style-spec';
import { markerClusterIcon } from './icons.js';
import { EMPTY_FC, MAP_COLORS, MAP_FONT } from './layers.js';

export const CLUSTER_ABOVE = 1500;

/** Markers merge below zoom 14: a demo city fits at about 12 on a 1920×1080 console. */
export const MARKER_CLUSTER = { radius: 36, maxZoom: 13 } as const;
/** Cameras merge below zoom 13, so the test town (which fits at about 13.5) shows every camera. */
export const CAMERA_CLUSTER = { radius: 28, maxZoom: 12 } as const;

export type ClusterFamily = 'cameras' | 'stations';

export const clusterLayerIds = (family: ClusterFamily) => ({
  clusters: `${family}-clusters`,
  count: `${family}-cluster-count`,
  points: `${family}-clustered`,
});

/** Layers of the clusters on the markers source and on the plain cameras source. */
export const GROUP_LAYER_IDS = {
  markerClusters: 'markers-clusters',
  markerClusterCount: 'markers-cluster-count',
  cameraGroups: 'cameras-groups',
  cameraGroupCount: 'cameras-group-count',
} as const;

const isCluster: ExpressionSpecification = ['has', 'point_count'];
export const notCluster: ExpressionSpecification = ['!', isCluster];

/** The worst `level` among the members (features carry it, ./features.ts). */
const worstOf = { worst: ['max', ['get', 'level']] } as GeoJSONSourceSpecification['clusterProperties'];

export function clusteredSource(): GeoJSONSourceSpecification {
  return {
    type: 'geojson',
    data: EMPTY_FC,
    cluster: true,
    clusterRadius: 40,
    clusterMaxZoom: 15,
    clusterProperties: {
      down: ['+', ['case', ['in', ['get', 'state'], ['literal', ['down', 'offline']]], 1, 0]],
    },
  };
}

export function markersSource(): GeoJSONSourceSpecification {
  return { type: 'geojson', data: EMPTY_FC, cluster: true, clusterRadius: MARKER_CLUSTER.radius, clusterMaxZoom: MARKER_CLUSTER.maxZoom, clusterProperties: worstOf };
}

export function camerasSource(): GeoJSONSourceSpecification {
  return { type: 'geojson', data: EMPTY_FC, cluster: true, clusterRadius: CAMERA_CLUSTER.radius, clusterMaxZoom: CAMERA_CLUSTER.maxZoom, clusterProperties: worstOf };
}

/** The colour of a camera group by its worst camera: online, unknown, degraded, offline. */
const cameraWorstColour: ExpressionSpecification = ['match', ['get', 'worst'], 3, MAP_COLORS.down, 2, MAP_COLORS.degraded, 1, MAP_COLORS.unknown, MAP_COLORS.camOk];

/** An incident/alert cluster: the incident's rounded square, severity-coloured, with the count on it. */
export function markerClusterLayers(source: string): LayerSpecification[] {
  return [
    {
      id: GROUP_LAYER_IDS.markerClusters,
      type: 'symbol',
      source,
      filter: isCluster,
      layout: {
        'icon-image': ['match', ['get', 'worst'], 3, markerClusterIcon('critical'), 2, markerClusterIcon('major'), 1, markerClusterIcon('minor'), markerClusterIcon('info')],
        'icon-size': ['step', ['get', 'point_count'], 1, 5, 1.15, 15, 1.3],
        'icon-allow-overlap': true,
        // The worst on top, as the markers (worst is a level: higher is worse).
        'symbol-sort-key': ['get', 'worst'],
        'text-field': ['to-string', ['get', 'point_count']],
        'text-font': [MAP_FONT],
        'text-size': 13,
        'text-allow-overlap': true,
      },
      // Light figures on red and blue, dark on orange and yellow: legible either way.
      paint: { 'text-color': ['match', ['get', 'worst'], [3, 0], '#f8fafc', '#0b0f19'] },
    },
  ];
}

/** A camera group: a dot in the worst camera's colour, bigger than one camera, with the count. */
export function cameraGroupLayers(source: string): LayerSpecification[] {
  return [
    {
      id: GROUP_LAYER_IDS.cameraGroups,
      type: 'circle',
      source,
      filter: isCluster,
      paint: {
        'circle-color': cameraWorstColour,
        'circle-radius': ['step', ['get', 'point_count'], 8, 5, 10, 15, 12],
        'circle-stroke-color': MAP_COLORS.halo,
        'circle-stroke-width': 1.5,
      },
    },
    {
      id: GROUP_LAYER_IDS.cameraGroupCount,
      type: 'symbol',
      source,
      filter: isCluster,
      layout: { 'text-field': ['to-string', ['get', 'point_count']], 'text-font': [MAP_FONT], 'text-size': 10, 'text-allow-overlap': true, 'text-ignore-placement': true },
      paint: { 'text-color': '#0b0f19' },
    },
  ];
}

export function clusterLayers(family: ClusterFamily, source: string, pointPaint: object): LayerSpecification[] {
  const ids = clusterLayerIds(family);
  const base = family === 'cameras' ? MAP_COLORS.camOk : MAP_COLORS.stationOk;
  const hidden = { visibility: 'none' as const };
  return [
    {
      id: ids.clusters,
      type: 'circle',
      source,
      filter: isCluster,
      layout: hidden,
      paint: {
        'circle-color': `${base}33`,
        'circle-radius': ['step', ['get', 'point_count'], 12, 50, 16, 500, 22],
        'circle-stroke-color': ['case', ['>', ['get', 'down'], 0], MAP_COLORS.down, base],
        'circle-stroke-width': ['case', ['>', ['get', 'down'], 0], 3, 1.5],
      },
    },
    {
      id: ids.count,
      type: 'symbol',
      source,
      filter: isCluster,
      layout: { ...hidden, 'text-field': ['get', 'point_count_abbreviated'], 'text-font': [MAP_FONT], 'text-size': 11, 'text-allow-overlap': true },
      paint: { 'text-color': '#f8fafc' },
    },
    { id: ids.points, type: 'circle', source, filter: notCluster, layout: hidden, paint: pointPaint as never },
  ];
}
