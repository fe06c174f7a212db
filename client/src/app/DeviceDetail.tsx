/** Detail bodies for devices and units: live state, history, related alerts, actions. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LiveVideo } from '../video/LiveVideo.js';
import { takeWatchIntent } from '../video/intent.js';
import type { CityPack } from '../../../contract/citypack.js';
import type { UnitStatus } from '../../../contract/domain.js';
import { formatAge, formatNumber } from '../i18n/format.js';
import { useAlerts, useCameras, useClockOffset, useIncidents, useLinks, useStations, useUnits } from '../live/hooks.js';
import { liveStore } from '../live/store.js';
import { CommandStatus } from './CommandStatus.js';
import { History } from './History.js';
import { DetectionHistory } from './DetectionHistory.js';
import { Fact, Gone } from './Facts.js';
import { useAlertLabels, useWardName } from './names.js';
import { SeverityIcon } from './SeverityIcon.js';
import { select } from './ui.js';
import { step, useCommands } from './useCommand.js';
import { useNow } from './useNow.js';

const CAMERA_FIELDS = ['fps', 'bitrate_kbps', 'state_code'];
const STATION_FIELDS = ['load_pct', 'battery_pct', 'state_code'];
const LINK_FIELDS = ['latency_ms', 'loss_pct', 'state_code'];

function StateChip({ state, stale }: { state: string; stale: boolean }) {
  const { t } = useTranslation();
  const s = stale ? 'stale' : state;
  return (
    <span className={`status status--dev-${s}`} data-testid="device-state" data-state={s}>
      <span className={`dot dot--${s}`} /> {t(`ops.state.${s}`)}
    </span>
  );
}

function LastSeen({ at }: { at: number | null }) {
  const { t, i18n } = useTranslation();
  const now = useNow(10_000) + useClockOffset();
  return <Fact label={t('ops.detail.lastSeen')} value={at ? formatAge(at, now, i18n.language) : t('ops.detail.never')} />;
}

/** Open alerts about this device, each opens its own detail. */
function DeviceAlerts({ kind, id, pack }: { kind: 'camera' | 'station' | 'link'; id: string; pack: CityPack }) {
  const alerts = useAlerts();
  const labelOf = useAlertLabels(pack);
  const mine = Object.values(alerts).filter((a) => a.source.kind === kind && a.source.id === id);
  if (mine.length === 0) return null;
  return (
    <ul className="linked" data-testid="device-alerts">
      {mine.map((a) => (
        <li key={a.id}>
          <button type="button" className={`linked__btn alert-row--${a.severity}`} onClick={() => select({ kind: 'alert', id: a.id }, true)}>
            <SeverityIcon severity={a.severity} />
            {labelOf(a).what}
          </button>
        </li>
      ))}
    </ul>
  );
}

export function CameraDetail({ id, pack }: { id: string; pack: CityPack }) {
  const { t, i18n } = useTranslation();
  const c = useCameras()[id];
  // Per camera: the detail may be reused for another one, which starts still unless asked to play.
  const [w, setW] = useState(() => ({ id, on: takeWatchIntent(id) }));
  if (w.id !== id) setW({ id, on: takeWatchIntent(id) });
  const watching = w.id === id && w.on;
  const setWatching = (on: boolean) => setW({ id, on });
  const ward = useWardName(pack);
  if (!c) return <Gone />;
  const n = (v: number | null, unit = '') => (v === null ? '—' : `${formatNumber(v, i18n.language)}${unit}`);
  return (
    <article data-testid="camera-detail">
      <header className="detail__head">
        <h2 className="detail__title">{c.name}</h2>
        <StateChip state={c.state} stale={c.stale} />
      </header>
      <div className="actions">
        <button type="button" className={`btn${watching ? '' : ' btn--primary'}`} data-testid="camera-watch" aria-pressed={watching} onClick={() => setWatching(!watching)}>
          {t(watching ? 'video.hide' : 'video.watch')}
        </button>
      </div>
      {watching && (
        <div className="camera-live">
          <LiveVideo cameraId={id} name={c.name} />
        </div>
      )}
      <dl className="facts">
        <Fact label={t('ops.detail.kind')} value={t(c.kind === 'traffic' ? 'ops.ruleGroup.traffic' : 'ops.unitKind.security')} />
        {c.wardId && <Fact label={t('ops.detail.ward')} value={ward(c.wardId)} />}
        <Fact label={t('ops.detail.fps')} value={n(c.fps)} />
        <Fact label={t('ops.detail.bitrate')} value={n(c.bitrateKbps, ' kbps')} />
        <LastSeen at={c.lastSeen} />
      </dl>
      <DeviceAlerts kind="camera" id={id} pack={pack} />
      <History measurement="camera_status" id={id} fields={CAMERA_FIELDS} />
      <DetectionHistory cameraId={id} />
    </article>
  );
}

export function StationDetail({ id, pack }: { id: string; pack: CityPack }) {
  const { t, i18n } = useTranslation();
  const s = useStations()[id];
  const ward = useWardName(pack);
  if (!s) return <Gone />;
  const n = (v: number | null, unit = '') => (v === null ? '—' : `${formatNumber(v, i18n.language)}${unit}`);
  return (
    <article data-testid="station-detail">
      <header className="detail__head">
        <h2 className="detail__title">{s.name}</h2>
        <StateChip state={s.state} stale={s.stale} />
      </header>
      <dl className="facts">
        <Fact label={t('ops.detail.operator')} value={`${s.operator ?? '—'} · ${s.techs.join('/')}`} />
        {s.wardId && <Fact label={t('ops.detail.ward')} value={ward(s.wardId)} />}
        <Fact label={t('ops.detail.power')} value={s.power === null ? '—' : t(s.power === 'mains' ? 'ops.detail.mains' : 'ops.detail.batteryPower')} />
        <Fact label={t('ops.detail.battery')} value={n(s.batteryPct, ' %')} />
        <Fact label={t('ops.detail.backhaul')} value={s.backhaul === null ? '—' : t(s.backhaul === 'up' ? 'ops.detail.up' : 'ops.detail.down')} />
        <Fact label={t('ops.detail.load')} value={n(s.loadPct, ' %')} />
        <LastSeen at={s.lastSeen} />
      </dl>
      <DeviceAlerts kind="station" id={id} pack={pack} />
      <History measurement="station_status" id={id} fields={STATION_FIELDS} />
    </article>
  );
}

export function LinkDetail({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const l = useLinks()[id];
  if (!l) return <Gone />;
  const n = (v: number | null, unit = '') => (v === null ? '—' : `${formatNumber(v, i18n.language)}${unit}`);
  return (
    <article data-testid="link-detail">
      <header className="detail__head">
        <h2 className="detail__title">{l.name}</h2>
        <StateChip state={l.state} stale={l.stale} />
      </header>
      <dl className="facts">
        <Fact label={t('ops.detail.latency')} value={n(l.latencyMs, ' ms')} />
        <Fact label={t('ops.detail.loss')} value={n(l.lossPct, ' %')} />
        <LastSeen at={l.lastSeen} />
      </dl>
      <History measurement="link_status" id={id} fields={LINK_FIELDS} />
    </article>
  );
}

export function UnitDetail({ id }: { id: string }) {
  const { t } = useTranslation();
  const u = useUnits()[id];
  const incidents = useIncidents();
  const cmd = useCommands();
  if (!u) return <Gone />;
  const inc = u.incidentId ? incidents[u.incidentId] : undefined;
  const state = cmd.stateOf(u.id);
  const setStatus = (status: UnitStatus) =>
    void cmd.run(u.id, [step('unit:status', { id: u.id, status, version: liveStore.getState().units[u.id]?.version ?? u.version })]);
  return (
    <article data-testid="unit-detail" data-unit-id={u.id} data-status={u.status}>
      <header className="detail__head">
        <h2 className="detail__title">{u.name}</h2>
        <span className={`status status--unit-${u.status}`}>{t(`ops.unitStatus.${u.status}`)}</span>
      </header>
      <dl className="facts">
        <Fact label={t('ops.detail.kind')} value={t(`ops.unitKind.${u.kind}`)} />
        {inc && (
          <Fact
            label={t('ops.legend.incident')}
            value={
              <button type="button" className="linkish" onClick={() => select({ kind: 'incident', id: inc.id }, true)}>
                {t(`ops.incidentType.${inc.type}`)} · {t(`ops.status.${inc.status}`)}
              </button>
            }
          />
        )}
      </dl>
      {!u.incidentId && (
        <div className="actions" aria-label={t('ops.detail.setStatus')}>
          {(['available', 'off_duty'] as const)
            .filter((s) => s !== u.status)
            .map((s) => (
              <button key={s} type="button" className="btn" disabled={state.phase === 'sending'} onClick={() => setStatus(s)}>
                {t(`ops.unitStatus.${s}`)}
              </button>
            ))}
        </div>
      )}
      <CommandStatus state={state} onDismiss={() => cmd.dismiss(u.id)} />
    </article>
  );
}
