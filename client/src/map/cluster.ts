/**
 * Clustering for dense device layers. A city of a few hundred devices draws
 * every dot (tests and officers can see each one); past CLUSTER_ABOVE devices the
 * feed switches a family to its clustered twin source (maplibre's supercluster in
 * the worker), so 10,000 cameras stay fluid. The switch is a choice of which
 * source gets the data and which layers are visible, so it needs no style reload.
 *
 * Each cluster counts its down members (clusterProperties) and shows a red ring
 * when any is down: a problem never hides inside a cluster.
 */
import type { GeoJSONSourceSpecification, LayerSpecification } from '@maplibre/maplibre-gl-style-spec';
import { EMPTY_FC, MAP_COLORS, MAP_FONT } from './layers.js';

export const CLUSTER_ABOVE = 1500;

export type ClusterFamily = 'cameras' | 'stations';

export const clusterLayerIds = (family: ClusterFamily) => ({
  clusters: `${family}-clusters`,
  count: `${family}-cluster-count`,
  points: `${family}-clustered`,
});

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

export function clusterLayers(family: ClusterFamily, source: string, pointPaint: object): LayerSpecification[] {
  const ids = clusterLayerIds(family);
  const base = family === 'cameras' ? MAP_COLORS.camOk : MAP_COLORS.stationOk;
  const hidden = { visibility: 'none' as const };
  return [
    {
      id: ids.clusters,
      type: 'circle',
      source,
      filter: ['has', 'point_count'],
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
      filter: ['has', 'point_count'],
      layout: { ...hidden, 'text-field': ['get', 'point_count_abbreviated'], 'text-font': [MAP_FONT], 'text-size': 11, 'text-allow-overlap': true },
      paint: { 'text-color': '#f8fafc' },
    },
    { id: ids.points, type: 'circle', source, filter: ['!', ['has', 'point_count']], layout: hidden, paint: pointPaint as never },
  ];
}
