/**
 * The map engine and live layers (client/src/map) bound to any live-shaped
 * store: the wall gives it the live store read-only, replay its own store of
 * the past. No click handlers in read-only mode; the parent gets a fly handle.
 * Cleans up everything it added on unmount (a wall runs for days).
 */
import { useEffect, useMemo, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { CityPack } from '../../../../contract/citypack.js';
import type { LngLat } from '../../../../contract/domain.js';
import type { ClientConfig } from '../bootstrap.js';
import type { LiveStore } from '../../live/store.js';
import { getEngine, MapComponent, type EngineMap } from '../../map/engine.js';
import { feedMap, type Feed } from '../../map/feed.js';
import { mapFontFaces } from '../../map/fonts.js';
import { installLiveLayers } from '../../map/install.js';
import { MapLegend } from '../../map/MapLegend.js';
import { createPulse } from '../../map/pulse.js';
import { basemapIconsRef, offlineBasemap, pageTheme } from '../../map/basemap.js';
import { buildOfflineStyle } from '../../map/style.js';
import { applyVisibility } from '../../map/visibility.js';

const ALL_LAYERS = { alerts: true, incidents: true, units: true, cameras: true, stations: true, links: true, wardCoverage: true };

export interface MapHandle {
  flyTo(position: LngLat, zoom?: number): void;
  /** Back to the whole city (`jump`: at once, for a screen that changed size; else flown). */
  home(opts?: { jump?: boolean }): void;
}

export function StoreMap(props: {
  pack: CityPack;
  config: ClientConfig;
  store: LiveStore;
  readOnly?: boolean;
  stale?: boolean;
  legend?: boolean;
  onReady?: (handle: MapHandle | null) => void;
  testId?: string;
  /** Layers of the screen's own, installed on the loaded map; returns their undo (the wall's video-conference points). */
  extraLayers?: (map: EngineMap) => () => void;
  /** Room kept around the city when it is fitted (px), read at each fit: the wall keeps its legend's band clear. */
  fitPadding?: () => { top: number; bottom: number; left: number; right: number };
}) {
  const { pack, config, store, readOnly = false } = props;
  const fitPadding = props.fitPadding;
  const padding = () => fitPadding?.() ?? 24;
  const { t } = useTranslation();
  const engine = useMemo(getEngine, []);
  const mapStyle = useMemo(() => config.mapStyleUrl ?? buildOfflineStyle(pack, { fontFaces: mapFontFaces(), basemap: offlineBasemap(engine, config) }), [config, engine, pack]);
  const cleanup = useRef<(() => void) | null>(null);
  const iconsRef = useMemo(() => basemapIconsRef(pageTheme(), !!config.basemap), [config.basemap]);
  const onReady = useRef(props.onReady);
  onReady.current = props.onReady;

  useEffect(
    () => () => {
      cleanup.current?.();
      cleanup.current = null;
    },
    [],
  );

  const onLoad = (map: EngineMap): void => {
    let feed: Feed | null = null;
    const pulse = createPulse(map);
    // Every layer on; devices cluster when zoomed out, as on the console.
    const visibility = () =>
      applyVisibility(map, {
        layers: ALL_LAYERS,
        clustered: { cameras: feed?.clusterMode('cameras') ?? false, stations: feed?.clusterMode('stations') ?? false },
        stale: store.getState().connection.state === 'offline',
      });
    const install = () => {
      installLiveLayers(map, pack);
      feed?.refreshAll();
      visibility();
    };
    install();
    feed = feedMap(map, store, { wards: pack.wards, onNewMarkers: (markers) => pulse.show(markers), onClusterMode: visibility });
    visibility();
    map.on('style.load', install);
    const unsubscribe = store.subscribe((s, prev) => {
      if (s.connection.state !== prev.connection.state) visibility();
    });
    const uninstallExtra = props.extraLayers?.(map);
    window.__iocMap = map;
    const handle: MapHandle = {
      flyTo: (position, zoom = 15) => map.flyTo({ center: position, zoom, speed: 1.2, essential: true }),
      home: (o) => {
        // The map's own resize observer waits for a frame, which a busy screen at 4K may not have
        // drawn yet: the fit is made for the container's size now, not the canvas's last one.
        map.resize();
        map.fitBounds(pack.meta.bbox, { padding: padding(), essential: true, ...(o?.jump ? { duration: 0 } : {}) });
      },
    };
    onReady.current?.(handle);
    cleanup.current = () => {
      feed?.stop();
      pulse.stop();
      unsubscribe();
      map.off('style.load', install);
      uninstallExtra?.();
      onReady.current?.(null);
      if (window.__iocMap === map) delete window.__iocMap;
    };
  };

  const [west, south, east, north] = pack.meta.bbox;
  const padLon = (east - west) * 0.5;
  const padLat = (north - south) * 0.5;
  // As on the console (MapView): a demonstration pack's disclaimer in the screen's language, not the pack's English (issue #27.6).
  const attribution = pack.meta.approximate ? t('ops.attribution') : pack.meta.attribution;
  return (
    <div className={`map${props.stale ? ' map--stale' : ''}`} data-testid={props.testId ?? 'map'} role="region">
      <MapComponent
        ref={iconsRef}
        mapLib={engine}
        mapStyle={mapStyle}
        initialViewState={{ bounds: pack.meta.bbox, fitBoundsOptions: { padding: padding() } }}
        maxBounds={[west - padLon, south - padLat, east + padLon, north + padLat]}
        minZoom={9}
        maxZoom={19}
        interactive={!readOnly}
        dragRotate={false}
        pitchWithRotate={false}
        touchPitch={false}
        attributionControl={false}
        onLoad={(e) => onLoad(e.target)}
      />
      {props.legend !== false && <MapLegend />}
      {attribution && (
        <p className="map__attrib" data-testid="map-attribution">
          {attribution}
        </p>
      )}
    </div>
  );
}
