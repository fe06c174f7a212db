/**
 * Map clicks: whatever is under the pointer (within a few pixels, so a 5 px
 * camera is easy to hit) becomes the selection; a cluster zooms in. Priority is
 * the drawing order: alerts over incidents over units over devices over links.
 */
import type { GeoJSONSource, MapMouseEvent } from 'maplibre-gl';
import type { WardFeature } from '../../../contract/citypack.js';
import type { LngLat } from '../../../contract/domain.js';
import { select, type Selection, type SelectionKind } from '../app/ui.js';
import type { LiveState } from '../live/store.js';
import { clusterLayerIds } from './cluster.js';
import type { EngineMap } from './engine.js';
import { alertPosition } from './features.js';
import { LAYER_IDS, SOURCE_IDS } from './layers.js';
import { wardLabelPoints } from './labels.js';

const TOLERANCE_PX = 6;

const PICK: [layer: string, kind: SelectionKind][] = [
  [LAYER_IDS.alerts, 'alert'],
  [LAYER_IDS.incidents, 'incident'],
  [LAYER_IDS.units, 'unit'],
  [LAYER_IDS.cameras, 'camera'],
  [clusterLayerIds('cameras').points, 'camera'],
  [LAYER_IDS.stations, 'station'],
  [clusterLayerIds('stations').points, 'station'],
  [LAYER_IDS.links, 'link'],
  [LAYER_IDS.wardCoverage, 'ward'],
];
const CLUSTERS: [layer: string, source: string][] = [
  [clusterLayerIds('cameras').clusters, SOURCE_IDS.camerasClustered],
  [clusterLayerIds('stations').clusters, SOURCE_IDS.stationsClustered],
];

export function wirePicking(map: EngineMap): () => void {
  const interactive = () => [...PICK.map(([l]) => l), ...CLUSTERS.map(([l]) => l)].filter((l) => map.getLayer(l));
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
    for (const [layer, source] of CLUSTERS) {
      const c = hits.find((f) => f.layer.id === layer);
      if (c && hits.every((f) => f.layer.id === layer || f.layer.id === LAYER_IDS.wardCoverage)) {
        const id = Number(c.properties.cluster_id);
        void (map.getSource(source) as GeoJSONSource).getClusterExpansionZoom(id).then((zoom) => {
          map.easeTo({ center: (c.geometry as unknown as { coordinates: [number, number] }).coordinates, zoom });
        });
        return;
      }
    }
    for (const [layer, kind] of PICK) {
      const f = hits.find((h) => h.layer.id === layer);
      const id = f?.properties.id;
      if (typeof id === 'string') return select({ kind, id }, true);
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
