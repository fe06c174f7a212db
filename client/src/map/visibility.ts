/**
 * Which live layers are shown: the officer's layer toggles, the cluster mode of
 * each device family, and whether the picture is stale (link down).
 */
import type { LayerVisibility } from '../app/ui.js';
import { clusterLayerIds, GROUP_LAYER_IDS, type ClusterFamily } from './cluster.js';
import type { EngineMap } from './engine.js';
import { LAYER_IDS } from './layers.js';

type Toggle = keyof LayerVisibility;

const PLAIN: Record<Toggle, string[]> = {
  alerts: [LAYER_IDS.alerts],
  incidents: [LAYER_IDS.incidents, LAYER_IDS.incidentAlertsBadge, LAYER_IDS.incidentAlertsCount],
  units: [LAYER_IDS.units],
  cameras: [],
  stations: [LAYER_IDS.coverage, LAYER_IDS.coverageDown, LAYER_IDS.coverageOutline],
  links: [LAYER_IDS.linksCasing, LAYER_IDS.links],
  wardCoverage: [LAYER_IDS.wardCoverage],
};

export interface VisibilityInput {
  layers: LayerVisibility;
  clustered: Record<ClusterFamily, boolean>;
  stale: boolean;
}

export function layerVisibility({ layers, clustered, stale }: VisibilityInput): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const [toggle, ids] of Object.entries(PLAIN) as [Toggle, string[]][]) for (const id of ids) out[id] = layers[toggle];
  for (const family of ['cameras', 'stations'] as const) {
    const ids = clusterLayerIds(family);
    const on = layers[family];
    out[family === 'cameras' ? LAYER_IDS.cameras : LAYER_IDS.stations] = on && !clustered[family];
    if (family === 'cameras') out[GROUP_LAYER_IDS.cameraGroups] = out[GROUP_LAYER_IDS.cameraGroupCount] = on && !clustered[family];
    out[ids.clusters] = on && clustered[family];
    out[ids.count] = on && clustered[family];
    out[ids.points] = on && clustered[family];
  }
  // Incidents and alerts share one source (the feed leaves out a kind switched off): rings and clusters serve both.
  const markers = layers.alerts || layers.incidents;
  for (const id of [LAYER_IDS.alertsPulse, LAYER_IDS.alertsEscalated, GROUP_LAYER_IDS.markerClusters]) out[id] = markers;
  out[LAYER_IDS.staleVeil] = stale;
  out[LAYER_IDS.alertsStale] = stale && markers;
  return out;
}

export function applyVisibility(map: EngineMap, input: VisibilityInput): void {
  for (const [id, on] of Object.entries(layerVisibility(input))) {
    if (!map.getLayer(id)) continue;
    const want = on ? 'visible' : 'none';
    if (map.getLayoutProperty(id, 'visibility') !== want) map.setLayoutProperty(id, 'visibility', want);
  }
}
