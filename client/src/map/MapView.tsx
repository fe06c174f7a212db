/**
 * The live map. React renders the container once; everything dense goes through
 * map sources fed imperatively from the store (./feed.ts), never one component
 * per marker (CONVENTIONS 7).
 */
import { useEffect, useMemo, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { CityPack } from '../../../contract/citypack.js';
import type { ClientConfig } from '../app/bootstrap.js';
import { selectAlert, setFlyHandler, uiStore } from '../app/ui.js';
import { useConnection } from '../live/hooks.js';
import { liveStore } from '../live/store.js';
import { getEngine, MapComponent, type EngineMap } from './engine.js';
import { feedMap, type Feed } from './feed.js';
import { mapFontFaces } from './fonts.js';
import { installLiveLayers } from './install.js';
import { LAYER_IDS } from './layers.js';
import { MapLegend } from './MapLegend.js';
import { createPulse, type Pulse } from './pulse.js';
import { buildOfflineStyle } from './style.js';

declare global {
  interface Window {
    /**
     * The map instance, for browser tests only: they assert what is drawn via
     * querySourceFeatures / queryRenderedFeatures, which a DOM query cannot see
     * (everything is on one WebGL canvas). App code must not read it.
     */
    __iocMap?: EngineMap;
  }
}

export function MapView({ pack, config }: { pack: CityPack; config: ClientConfig }) {
  const { t } = useTranslation();
  const { state } = useConnection();
  const engine = useMemo(getEngine, []);
  const mapStyle = useMemo(
    () => config.mapStyleUrl ?? buildOfflineStyle(pack, { fontFaces: mapFontFaces() }),
    [config.mapStyleUrl, pack],
  );
  const cleanup = useRef<(() => void) | null>(null);

  useEffect(() => () => cleanup.current?.(), []);

  const onLoad = (map: EngineMap): void => {
    let feed: Feed | null = null;
    const pulse: Pulse = createPulse(map);
    const install = () => {
      installLiveLayers(map, pack);
      feed?.refreshAll();
    };
    install();
    feed = feedMap(map, liveStore, { onNewAlerts: (n) => pulse.setActive(n > 0) });
    map.on('style.load', install);

    // Highlight the selected alert on the map; the selection itself lives in uiStore.
    const showSelection = (id: string | null) => {
      if (map.getLayer(LAYER_IDS.alertSelected)) map.setFilter(LAYER_IDS.alertSelected, ['==', ['get', 'id'], id ?? '']);
    };
    const unsubscribeUi = uiStore.subscribe((s) => showSelection(s.selectedAlertId));

    const onAlertClick = (e: { features?: { properties: Record<string, unknown> }[] }) => {
      const id = e.features?.[0]?.properties.id;
      if (typeof id === 'string') selectAlert(id);
    };
    const setPointer = () => (map.getCanvas().style.cursor = 'pointer');
    const clearPointer = () => (map.getCanvas().style.cursor = '');
    map.on('click', LAYER_IDS.alerts, onAlertClick);
    map.on('mouseenter', LAYER_IDS.alerts, setPointer);
    map.on('mouseleave', LAYER_IDS.alerts, clearPointer);

    setFlyHandler((position) =>
      map.flyTo({ center: position, zoom: Math.max(map.getZoom(), 15), speed: 1.4, essential: true }),
    );
    window.__iocMap = map;

    cleanup.current = () => {
      feed?.stop();
      pulse.stop();
      unsubscribeUi();
      setFlyHandler(null);
      map.off('style.load', install);
      if (window.__iocMap === map) delete window.__iocMap;
    };
  };

  const [west, south, east, north] = pack.meta.bbox;
  // Let officers pan a little past the city edge, but not lose the city entirely.
  const padLon = (east - west) * 0.5;
  const padLat = (north - south) * 0.5;

  return (
    <div className={`map${state === 'offline' ? ' map--stale' : ''}`} data-testid="map" aria-label={t('map.label')} role="region">
      <MapComponent
        mapLib={engine}
        mapStyle={mapStyle}
        // Fit the whole city on any screen size; meta.zoom suits only one.
        initialViewState={{ bounds: pack.meta.bbox, fitBoundsOptions: { padding: 24 } }}
        maxBounds={[west - padLon, south - padLat, east + padLon, north + padLat]}
        minZoom={9}
        maxZoom={19}
        dragRotate={false}
        pitchWithRotate={false}
        touchPitch={false}
        attributionControl={pack.meta.attribution ? { compact: true, customAttribution: pack.meta.attribution } : false}
        onLoad={(e) => onLoad(e.target)}
      />
      <MapLegend />
    </div>
  );
}
