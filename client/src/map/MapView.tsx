/**
 * The live map. React renders the container once; everything dense goes through
 * map sources fed imperatively from the store (./feed.ts), never one component
 * per marker (CONVENTIONS 7).
 */
import { useEffect, useMemo, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { CityPack } from '../../../contract/citypack.js';
import type { ClientConfig } from '../app/bootstrap.js';
import { setFlyHandler, uiStore } from '../app/ui.js';
import { wardMapStore } from '../app/ward.js';
import { useConnection } from '../live/hooks.js';
import { liveStore } from '../live/store.js';
import { getEngine, MapComponent, softwareRendering, type EngineMap } from './engine.js';
import { feedMap, type Feed } from './feed.js';
import { mapFontFaces } from './fonts.js';
import { installLiveLayers } from './install.js';
import { selectionPoint, wirePicking } from './interaction.js';
import { LayerControl } from './LayerControl.js';
import { LAYER_IDS } from './layers.js';
import { MapLegend } from './MapLegend.js';
import { createPulse, type Pulse } from './pulse.js';
import { basemapIconsRef, offlineBasemap, pageTheme } from './basemap.js';
import { buildOfflineStyle } from './style.js';
import { applyVisibility } from './visibility.js';
import { consoleVcStore } from '../app/vcStore.js';
import { installVcLayer } from './vc-layer.js';

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

/** Runs fn once the browser has painted the current frame. */
const afterPaint = (fn: () => void) => requestAnimationFrame(() => setTimeout(fn, 0));

const labelField = (lng: string): ['get', string] => ['get', lng === 'en' ? 'nameEn' : 'name'];

export function MapView({ pack, config }: { pack: CityPack; config: ClientConfig }) {
  const { t, i18n } = useTranslation();
  const { state } = useConnection();
  const engine = useMemo(getEngine, []);
  const mapStyle = useMemo(
    () => config.mapStyleUrl ?? buildOfflineStyle(pack, { fontFaces: mapFontFaces(), labelField: labelField(i18n.language), basemap: offlineBasemap(engine, config) }),
    // Built once per pack: a language switch changes the label field in place (effect below), not the style.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [config.mapStyleUrl, pack],
  );
  const mapRef = useRef<EngineMap | null>(null);
  const iconsRef = useMemo(() => basemapIconsRef(pageTheme(), !!config.basemap), [config.basemap]);
  const cleanup = useRef<(() => void) | null>(null);

  useEffect(() => () => cleanup.current?.(), []);

  // Ward names in the officer's language (review item 6).
  useEffect(() => {
    const map = mapRef.current;
    if (map?.getLayer(LAYER_IDS.wardLabels)) map.setLayoutProperty(LAYER_IDS.wardLabels, 'text-field', labelField(i18n.language));
  }, [i18n.language]);

  const onLoad = (map: EngineMap): void => {
    mapRef.current = map;
    let feed: Feed | null = null;
    const pulse: Pulse = createPulse(map);
    const visibility = () =>
      applyVisibility(map, {
        layers: uiStore.getState().layers,
        clustered: { cameras: feed?.clusterMode('cameras') ?? false, stations: feed?.clusterMode('stations') ?? false },
        stale: liveStore.getState().connection.state === 'offline',
      });
    const install = () => {
      installLiveLayers(map, pack);
      if (map.getLayer(LAYER_IDS.wardLabels)) map.setLayoutProperty(LAYER_IDS.wardLabels, 'text-field', labelField(i18n.language));
      feed?.refreshAll();
      visibility();
    };
    install();
    // Fed the picture narrowed to the screen's ward filter (the whole city when none: app/ward.ts).
    feed = feedMap(map, wardMapStore(), {
      wards: pack.wards,
      onNewMarkers: (markers) => pulse.show(markers),
      markerKinds: () => {
        const { alerts, incidents } = uiStore.getState().layers;
        return { alerts, incidents };
      },
      onClusterMode: visibility,
      selectionPoint: (s) => selectionPoint(uiStore.getState().selection, s, pack.wards),
    });
    visibility();
    map.on('style.load', install);

    const unsubscribeUi = uiStore.subscribe((s, prev) => {
      if (s.selection !== prev.selection) feed?.refreshSelection();
      if (s.layers !== prev.layers) {
        visibility();
        if (s.layers.alerts !== prev.layers.alerts || s.layers.incidents !== prev.layers.incidents) feed?.refreshMarkers();
      }
    });
    const unsubscribeLive = liveStore.subscribe((s, prev) => {
      if (s.connection.state !== prev.connection.state) visibility();
    });
    const unwirePicking = wirePicking(map);
    const uninstallVc = installVcLayer(map, consoleVcStore);

    // The panel that asked paints first, then the map moves: a map frame in the
    // same frame as the panel would hold the panel back by its whole cost. Without
    // a GPU the map jumps (one frame) rather than flies (dozens of 100+ ms frames).
    const software = softwareRendering(map);
    setFlyHandler((position) =>
      afterPaint(() => {
        const view = { center: position, zoom: Math.max(map.getZoom(), 15) };
        if (software) map.jumpTo(view);
        else map.flyTo({ ...view, speed: 1.4, essential: true });
      }),
    );
    window.__iocMap = map;

    cleanup.current = () => {
      feed?.stop();
      pulse.stop();
      unsubscribeUi();
      unsubscribeLive();
      unwirePicking();
      uninstallVc();
      setFlyHandler(null);
      map.off('style.load', install);
      if (window.__iocMap === map) delete window.__iocMap;
      mapRef.current = null;
    };
  };

  const [west, south, east, north] = pack.meta.bbox;
  // Let officers pan a little past the city edge, but not lose the city entirely.
  const padLon = (east - west) * 0.5;
  const padLat = (north - south) * 0.5;
  // The pack's attribution is English; a demonstration pack's fixed disclaimer is translated (review item 6).
  const attribution = pack.meta.approximate ? t('ops.attribution') : pack.meta.attribution;

  return (
    <div className={`map${state === 'offline' ? ' map--stale' : ''}`} data-testid="map" data-stale={state === 'offline' || undefined} aria-label={t('map.label')} role="region">
      <MapComponent
        ref={iconsRef}
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
        attributionControl={false}
        // No label fade: each fade is several more frames, and a frame costs 100 ms and more without a GPU (issue #27 point 8).
        fadeDuration={0}
        onLoad={(e) => onLoad(e.target)}
      />
      <LayerControl />
      <MapLegend />
      {attribution && (
        <p className="map__attrib" data-testid="map-attribution">
          {attribution}
        </p>
      )}
    </div>
  );
}
