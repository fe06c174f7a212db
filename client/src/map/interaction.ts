/**
 * Map clicks: whatever is under the pointer (within a few pixels, so a 5 px
 * camera is easy to hit) becomes the selection; a cluster zooms in. Priority is
 * the drawing order: alerts over incidents (and their clusters) over units over
 * devices over links.
 */
import type { GeoJSONSource, MapMouseEvent } from 'maplibre-gl';
import type { WardFeature } from '../../../contract/citypack.js';
import type { LngLat } from '../../../contract/domain.js';
import { select, type Selection, type SelectionKind } from '../app/ui.js';
import type { LiveState } from '../live/store.js';
import { clusterLayerIds, GROUP_LAYER_IDS } from './cluster.js';
import type { EngineMap } from './engine.js';
import { alertPosition } from './features.js';
import { LAYER_IDS, SOURCE_IDS } from './layers.js';
import { wardLabelPoints } from './labels.js';

const TOLERANCE_PX = 6;

/**
 * What a click takes, topmost first: a thing to select, or a cluster (with its
 * source) to zoom into until it splits.
 */
type Target = { layer: string; kind: SelectionKind } | { layer: string; cluster: string };
const TARGETS: Target[] = [
  { layer: LAYER_IDS.alerts, kind: 'alert' },
  { layer: LAYER_IDS.incidents, kind: 'incident' },
  { layer: LAYER_IDS.incidentAlertsBadge, kind: 'incident' },
  { layer: GROUP_LAYER_IDS.markerClusters, cluster: SOURCE_IDS.markers },
  { layer: LAYER_IDS.units, kind: 'unit' },
  { layer: LAYER_IDS.cameras, kind: 'camera' },
  { layer: GROUP_LAYER_IDS.cameraGroups, cluster: SOURCE_IDS.cameras },
  { layer: clusterLayerIds('cameras').points, kind: 'camera' },
  { layer: clusterLayerIds('cameras').clusters, cluster: SOURCE_IDS.camerasClustered },
  { layer: LAYER_IDS.stations, kind: 'station' },
  { layer: clusterLayerIds('stations').points, kind: 'station' },
  { layer: clusterLayerIds('stations').clusters, cluster: SOURCE_IDS.stationsClustered },
  { layer: LAYER_IDS.links, kind: 'link' },
  { layer: LAYER_IDS.wardCoverage, kind: 'ward' },
];

export function wirePicking(map: EngineMap): () => void {
  const interactive = () => TARGETS.map((t) => t.layer).filter((l) => map.getLayer(l));
  const at = (e: MapMouseEvent) => {
    const { x, y } = e.point;
    return map.queryRenderedFeatures(
      [
        [x - TOLERANCE_PX, y - TOLERANCE_PX],
        [x + TOLERANCE_PX, y + TOLERANCE_PX],
      ],
      { layers: interactive() },
    );
  };
  const onClick = (e: MapMouseEvent) => {
    const hits = at(e);
    for (const t of TARGETS) {
      const f = hits.find((h) => h.layer.id === t.layer);
      if (!f) continue;
      if ('cluster' in t) {
        const id = Number(f.properties.cluster_id);
        const center = (f.geometry as unknown as { coordinates: [number, number] }).coordinates;
        void (map.getSource(t.cluster) as GeoJSONSource).getClusterExpansionZoom(id).then((zoom) => {
          map.easeTo({ center, zoom: Math.min(zoom, map.getMaxZoom()) });
        });
        return;
      }
      const id = f.properties.id;
      if (typeof id === 'string') return select({ kind: t.kind, id }, true);
    }
  };
  const onMove = (e: MapMouseEvent) => {
    map.getCanvas().style.cursor = at(e).length > 0 ? 'pointer' : '';
  };
  map.on('click', onClick);
  map.on('mousemove', onMove);
  return () => {
    map.off('click', onClick);
    map.off('mousemove', onMove);
  };
}

/** Where a selection is on the map now, from the live picture. */
export function selectionPoint(sel: Selection | null, s: LiveState, wards: { features: WardFeature[] }): LngLat | null {
  if (!sel) return null;
  switch (sel.kind) {
    case 'alert': {
      const a = s.alerts[sel.id];
      return a ? alertPosition(a, s.cameras, s.stations) : null;
    }
    case 'incident':
      return s.incidents[sel.id]?.position ?? null;
    case 'camera':
      return s.cameras[sel.id]?.position ?? null;
    case 'station':
      return s.stations[sel.id]?.position ?? null;
    case 'unit':
      return s.units[sel.id]?.position ?? null;
    case 'link': {
      const path = s.links[sel.id]?.path ?? [];
      return path.length > 0 ? path[Math.floor((path.length - 1) / 2)]! : null;
    }
    case 'ward':
      return wardPoint(wards, sel.id);
  }
}

const wardPoints = new WeakMap<object, Map<string, LngLat>>();
function wardPoint(wards: { features: WardFeature[] }, id: string): LngLat | null {
  let m = wardPoints.get(wards);
  if (!m) {
    m = new Map(wardLabelPoints(wards).features.map((f) => [String(f.properties?.id), f.geometry.coordinates as LngLat]));
    wardPoints.set(wards, m);
  }
  return m.get(id) ?? null;
}
