/**
 * The wall display (/wall): full screen, read-only, no pointer. The live map
 * on the left, a rotating panel on the right (playlist and interval from the
 * server), a banner that interrupts the rotation and flies the map to a new
 * critical alert, and a full-screen "connection lost since HH:MM" overlay.
 * Reloads itself when a new client build is deployed.
 */
import { useEffect, useRef, useState } from 'react';
import { LiveVideo } from '../../video/LiveVideo.js';
import { useTranslation } from 'react-i18next';
import type { CityPack } from '../../../../contract/citypack.js';
import type { Alert } from '../../../../contract/alerts.js';
import { formatDate, formatTime } from '../../i18n/format.js';
import { useConnection, useKpis } from '../../live/hooks.js';
import { liveStore } from '../../live/store.js';
import type { ClientConfig } from '../bootstrap.js';
import { useNow } from '../useNow.js';
import { StoreMap, type MapHandle } from '../replay/StoreMap.js';
import { usePolled, useRotation } from './hooks.js';
import { CamerasPanel, CoveragePanel, IncidentsPanel, ResponsePanel, TrendsPanel } from './panels.js';
import { DigitalPanel } from './digital.js';
import { VcReadinessPanel, wallVcStore } from './vc.js';
import { installVcLayer } from '../../map/vc-layer.js';
import { registerScreenStrings } from './strings.js';
import './wall.css';

registerScreenStrings();

interface WallConfig {
  playlist: string[];
  rotateS: number;
  /** Inside a critical alert's interrupt, its camera plays (VIDEO_ON_WALL; the server checks it too). */
  videoOnWall?: boolean;
  buildId: string;
}

/**
 * How old (by the server's clock) a critical alert may be and still interrupt.
 * A reconnect, a failover or a late delta can bring alerts the wall has not
 * seen but that were raised long ago: those show on the map and in the counts,
 * and do not take over the room (issue #27.6).
 */
const INTERRUPT_WINDOW_MS = 60_000;

/** A critical alert raised while the wall is up and within the last minute (not those already open when it loaded, nor old ones replayed). */
function useCriticalInterrupt(holdMs: number): Alert | null {
  const [current, setCurrent] = useState<Alert | null>(null);
  useEffect(() => {
    let known: Set<string> | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const check = () => {
      const s = liveStore.getState();
      if (s.seq === null) return;
      const critical = Object.values(s.alerts).filter((a) => a.severity === 'critical' && a.state === 'active');
      const ids = new Set(critical.map((a) => a.id));
      if (known === null) {
        known = ids;
        return;
      }
      const serverNow = Date.now() + s.clockOffsetMs;
      const fresh = critical.filter((a) => !known!.has(a.id) && serverNow - a.firstSeen <= INTERRUPT_WINDOW_MS).sort((a, b) => b.firstSeen - a.firstSeen)[0];
      known = ids; // only what is open now: the set never grows beyond the open alerts
      if (fresh) {
        setCurrent(fresh);
        clearTimeout(timer);
        timer = setTimeout(() => setCurrent(null), holdMs);
      }
    };
    check();
    const unsubscribe = liveStore.subscribe((s, prev) => {
      if (s.alerts !== prev.alerts || s.seq !== prev.seq) check();
    });
    return () => {
      unsubscribe();
      clearTimeout(timer);
    };
  }, [holdMs]);
  return current;
}

/**
 * The city fitted above the legend's band at the map's foot (wall.css: five
 * rows of entries under a title and a heading, about 9 lines of the wall's
 * type, which is 1.25vw between 16 and 60 px).
 */
function legendClearance() {
  const em = Math.min(60, Math.max(16, window.innerWidth * 0.0125));
  return { top: em, left: em, right: em, bottom: Math.round(9.5 * em) };
}

const PANELS: Record<string, (p: { pack: CityPack }) => React.ReactNode> = {
  incidents: () => <IncidentsPanel />,
  cameras: ({ pack }) => <CamerasPanel pack={pack} />,
  coverage: () => <CoveragePanel />,
  trends: () => <TrendsPanel />,
  response: () => <ResponsePanel />,
  digital: () => <DigitalPanel />,
  vc: ({ pack }) => <VcReadinessPanel pack={pack} />,
};

/** Always on screen under the rotating panel: the city's live KPIs. */
function KpiStrip() {
  const { t } = useTranslation();
  const k = useKpis();
  if (!k) return null;
  const open = k.openIncidents.critical + k.openIncidents.major + k.openIncidents.minor + k.openIncidents.info;
  const pct = (v: number | null) => (v === null ? '—' : `${Math.round(v)}%`);
  const items: [string, string, string][] = [
    [t('wall.kpiIncidents'), String(open), k.openIncidents.critical > 0 ? 'var(--critical-text)' : 'var(--text)'],
    [t('wall.kpiAlerts'), String(k.activeAlerts), k.activeAlerts > 0 ? 'var(--major-text)' : 'var(--text)'],
    [t('wall.kpiCameras'), pct(k.cameraAvailabilityPct), 'var(--text)'],
    [t('wall.kpiStations'), pct(k.stationAvailabilityPct), 'var(--text)'],
    [t('wall.kpiCoverage'), pct(k.coveragePct), 'var(--text)'],
  ];
  return (
    <dl className="wkpis" data-testid="wall-kpis">
      {items.map(([label, value, color]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd style={{ color }}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

export function WallPage({ pack, config }: { pack: CityPack; config: ClientConfig }) {
  const { t, i18n } = useTranslation();
  const tz = pack.meta.timezone;
  const { data: wall } = usePolled<WallConfig>('/api/wall/config', 60_000);
  const firstBuild = useRef<string | null>(null);
  // A new build deployed: reload (the wall then runs the new client, fresh memory too).
  useEffect(() => {
    if (!wall) return;
    if (firstBuild.current === null) firstBuild.current = wall.buildId;
    else if (wall.buildId !== firstBuild.current && wall.buildId !== 'none') window.location.reload();
  }, [wall]);

  // /wall?panel=trends pins one panel (a second screen that always shows the same thing); else the server's playlist.
  const pinned = new URLSearchParams(window.location.search).get('panel');
  const playlist = pinned && pinned in PANELS ? [pinned] : (wall?.playlist ?? ['incidents']).filter((p) => p in PANELS);
  const rotateS = wall?.rotateS ?? 20;
  // The banner holds the rotation for two intervals (15 s to 60 s), then the rotation resumes.
  const critical = useCriticalInterrupt(Math.max(15, Math.min(60, 2 * rotateS)) * 1000);
  const index = useRotation(playlist.length, rotateS, critical !== null);
  const panel = playlist[index] ?? 'incidents';
  const { state, since } = useConnection();
  const now = useNow(1000);
  const map = useRef<MapHandle | null>(null);

  useEffect(() => {
    if (critical?.position) map.current?.flyTo(critical.position, 15);
    else if (!critical) map.current?.home();
  }, [critical]);
  // A screen that changes resolution (a 4K display waking up at 1080p) fits the city again, once the
  // resizing is over and the map has taken its new size.
  useEffect(() => {
    if (critical) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refit = () => {
      clearTimeout(timer);
      timer = setTimeout(() => map.current?.home({ jump: true }), 300);
    };
    window.addEventListener('resize', refit);
    return () => {
      window.removeEventListener('resize', refit);
      clearTimeout(timer);
    };
  }, [critical]);

  const onMapReady = (h: MapHandle | null) => {
    map.current = h;
    // An interrupt that came while the map was still loading flies once the map can.
    if (h && critical?.position) h.flyTo(critical.position, 15);
  };

  return (
    <div className="wall" data-testid="wall" data-panel={panel} data-interrupted={critical ? 'true' : 'false'} data-state={state}>
      <header className="wall__head">
        <span className="wall__city">{i18n.language === 'en' ? pack.meta.nameEn : pack.meta.name}</span>
        <span className="wall__title">{t('wall.title')}</span>
        <span className="wall__clock" data-testid="wall-clock">
          {formatTime(now, i18n.language, tz)}
          <small>{formatDate(now, i18n.language, tz)}</small>
        </span>
      </header>
      <main className="wall__body">
        <div className="wall__map">
          <StoreMap pack={pack} config={config} store={liveStore} readOnly stale={state === 'offline'} onReady={onMapReady} fitPadding={legendClearance} extraLayers={(m) => installVcLayer(m, wallVcStore)} />
          {/* Over the map it flies to, never over the panel's figures (issue #27.6); the camera's
              picture, when the wall plays it, stacks below the banner rather than behind it. */}
          {critical && (
            <div className="wall__interrupt">
              <div className="wall__critical" role="alert" data-testid="wall-critical" data-alert-id={critical.id}>
                <span className="wall__critical-tag">{t('wall.critical')}</span>
                <span className="wall__critical-title">{critical.title}</span>
                <span className="wall__critical-time">{formatTime(critical.firstSeen, i18n.language, tz)}</span>
              </div>
              {wall?.videoOnWall && critical.source.kind === 'camera' && (
                <div className="wall__critical-video">
                  <LiveVideo cameraId={critical.source.id} name={critical.title} />
                </div>
              )}
            </div>
          )}
        </div>
        <section className="wpanel" data-testid="wall-panel" data-panel={panel} key={panel}>
          <h2 className="wpanel__title">{t(`wall.panels.${panel}`)}</h2>
          {PANELS[panel]!({ pack })}
          <KpiStrip />
          <ol className="wpanel__dots" aria-hidden="true">
            {playlist.map((p, i) => (
              <li key={p} className={i === index ? 'on' : ''} />
            ))}
          </ol>
        </section>
      </main>
      {state === 'offline' && (
        <div className="wall__offline" role="alert" data-testid="wall-offline">
          <strong>{t('wall.offline', { time: formatTime(since, i18n.language, tz) })}</strong>
          <span>{t('wall.offlineSub')}</span>
        </div>
      )}
    </div>
  );
}
