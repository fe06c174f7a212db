/**
 * One incident: what and where, the actions its status allows (each a Socket.IO
 * command with the version the store holds), dispatch to the nearest available
 * unit, notes, the timeline, linked alerts and the cameras around it.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CityPack } from '../../../contract/citypack.js';
import type { Incident } from '../../../contract/domain.js';
import type { IncidentAction } from '../../../contract/socket.js';
import { allowedActions } from '../../../contract/transitions.js';
import { formatTime } from '../i18n/format.js';
import { useAlerts, useCameras, useUnits } from '../live/hooks.js';
import { liveStore } from '../live/store.js';
import { CommandStatus } from './CommandStatus.js';
import { DispatchPicker } from './DispatchPicker.js';
import { Fact } from './Facts.js';
import { formatDistance } from './incidents.js';
import { useAlertLabels, useWardName } from './names.js';
import { SeverityIcon } from './SeverityIcon.js';
import { flyTo, select } from './ui.js';
import { step, useCommands } from './useCommand.js';

/** Buttons in the order of the lifecycle; dispatch has its own picker. */
const BUTTONS: Exclude<IncidentAction, 'dispatch'>[] = ['acknowledge', 'on_scene', 'resolve', 'close', 'reopen'];

export function IncidentView({ incident: i, pack }: { incident: Incident; pack: CityPack }) {
  const { t, i18n } = useTranslation();
  const cmd = useCommands();
  const units = useUnits();
  const ward = useWardName(pack);
  const tz = pack.meta.timezone;
  const allowed = allowedActions(i.status);
  const state = cmd.stateOf(i.id);
  const busy = state.phase === 'sending';
  const [note, setNote] = useState('');
  const unit = i.unitId ? units[i.unitId] : undefined;
  // The version as the store holds it at the moment of the click, not of the last render.
  const version = () => liveStore.getState().incidents[i.id]?.version ?? i.version;

  const act = (action: Exclude<IncidentAction, 'dispatch'>) => void cmd.run(i.id, [step(`incident:${action}`, { id: i.id, version: version() })]);
  const dispatch = (unitId: string) => void cmd.run(i.id, [step('incident:dispatch', { id: i.id, version: version(), unitId })]);
  const addNote = async () => {
    if (note.trim() === '') return;
    if (await cmd.run(i.id, [step('incident:note', { id: i.id, note: note.trim() })])) setNote('');
  };

  return (
    <article className={`incident alert-row--${i.severity}`} data-testid="incident-view" data-incident-id={i.id} data-status={i.status} data-version={i.version}>
      <header className="detail__head">
        <SeverityIcon severity={i.severity} />
        <h2 className="detail__title">{t(`ops.incidentType.${i.type}`)}</h2>
        <span className={`status status--${i.status}`} data-testid="incident-status">
          {t(`ops.status.${i.status}`)}
        </span>
      </header>
      <p className="incident__desc">{i.description}</p>
      <dl className="facts">
        <Fact label={t('ops.incident.address')} value={[i.address, ward(i.wardId)].filter(Boolean).join(' · ') || '—'} />
        <Fact label={t('ops.incident.channel')} value={t(`ops.channel.${i.channel}`)} />
        {i.externalRef && <Fact label={t('ops.incident.ref')} value={i.externalRef} />}
        <Fact label={t('ops.detail.firstSeen')} value={formatTime(i.createdAt, i18n.language, tz)} />
        <Fact label={t('ops.incident.unit')} value={unit ? unit.name : t('ops.incidents.unassigned')} />
      </dl>

      <div className="actions" data-testid="incident-actions">
        {BUTTONS.filter((a) => allowed.includes(a)).map((a) => (
          <button key={a} type="button" className={`btn${a === 'acknowledge' || a === 'resolve' ? ' btn--primary' : ''}`} disabled={busy} data-action={a} onClick={() => act(a)}>
            {t(`ops.incidentAction.${a}`)}
          </button>
        ))}
      </div>
      <CommandStatus state={state} onDismiss={() => cmd.dismiss(i.id)} />
      {allowed.includes('dispatch') &&
        (i.unitId ? (
          // Already dispatched: re-assigning is rare, so the list stays folded and the timeline in view.
          <details className="detail__section redispatch">
            <summary className="detail__h3">{t('ops.incident.dispatchTo')}</summary>
            <DispatchPicker incident={i} busy={busy} onDispatch={dispatch} />
          </details>
        ) : (
          <DispatchPicker incident={i} busy={busy} onDispatch={dispatch} />
        ))}

      <form
        className="note"
        onSubmit={(e) => {
          e.preventDefault();
          void addNote();
        }}
      >
        <textarea className="note__input" rows={2} value={note} maxLength={2000} placeholder={t('ops.incident.notePlaceholder')} aria-label={t('ops.incidentAction.note')} data-testid="note-input" onChange={(e) => setNote(e.target.value)} />
        <button type="submit" className="btn btn--sm" disabled={busy || note.trim() === ''} data-testid="note-add">
          {t('ops.incidentAction.note')}
        </button>
      </form>

      <LinkedAlerts ids={i.alertIds} pack={pack} />
      <NearbyCameras incident={i} />
      <Timeline incident={i} tz={tz} />
    </article>
  );
}

function Timeline({ incident: i, tz }: { incident: Incident; tz: string }) {
  const { t, i18n } = useTranslation();
  const units = useUnits();
  return (
    <section className="detail__section">
      <h3 className="detail__h3">{t('ops.incident.timeline')}</h3>
      <ol className="timeline" data-testid="timeline">
        {[...i.timeline].reverse().map((e, k) => (
          <li key={`${e.at}-${k}`} className={`timeline__item timeline__item--${e.action}`} data-action={e.action}>
            <time className="timeline__time">{formatTime(e.at, i18n.language, tz, true)}</time>
            <span className="timeline__what">
              <strong>{t(`ops.incidentAction.${e.action}`)}</strong>
              {e.to && e.action !== 'created' && <> → {t(`ops.status.${e.to}`)}</>}
              {e.unitId && <> · {units[e.unitId]?.name ?? e.unitId}</>}
              <span className="timeline__by"> {t('ops.incident.by', { by: e.by })}</span>
            </span>
            {e.note && e.action !== 'link_alert' && <span className="timeline__note">{e.note}</span>}
          </li>
        ))}
      </ol>
    </section>
  );
}

function LinkedAlerts({ ids, pack }: { ids: string[]; pack: CityPack }) {
  const { t } = useTranslation();
  const alerts = useAlerts();
  const labelOf = useAlertLabels(pack);
  const held = ids.map((id) => alerts[id]).filter((a) => a !== undefined);
  if (held.length === 0) return null;
  return (
    <section className="detail__section">
      <h3 className="detail__h3">{t('ops.incident.alerts')}</h3>
      <ul className="linked" data-testid="linked-alerts">
        {held.map((a) => (
          <li key={a.id}>
            <button type="button" className={`linked__btn alert-row--${a.severity}`} data-alert-id={a.id} onClick={() => select({ kind: 'alert', id: a.id }, true)}>
              <SeverityIcon severity={a.severity} />
              {labelOf(a).full}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function NearbyCameras({ incident: i }: { incident: Incident }) {
  const { t, i18n } = useTranslation();
  const cameras = useCameras();
  return (
    <section className="detail__section">
      <h3 className="detail__h3">{t('ops.incident.cameras')}</h3>
      {i.cameraIds.length === 0 ? (
        <p className="muted">{t('ops.incident.noCameras')}</p>
      ) : (
        <ul className="cams" data-testid="nearby-cameras">
          {i.cameraIds.slice(0, 4).map((id, k) => {
            const c = cameras[id];
            const state = c ? (c.stale ? 'stale' : c.state) : 'unknown';
            return (
              <li key={id}>
                <button
                  type="button"
                  className="cam"
                  data-camera-id={id}
                  onClick={() => {
                    select({ kind: 'camera', id }, true);
                    if (c?.position) flyTo(c.position);
                  }}
                >
                  {/* Placeholder until a snapshot endpoint exists: the tile says so rather than faking a picture. */}
                  <span className={`cam__tile cam__tile--${state}`} aria-label={t('ops.incident.snapshot')}>
                    <svg viewBox="0 0 24 24" aria-hidden="true">
                      <path d="M3 7h12v10H3zM15 10l6-3v10l-6-3z" fill="currentColor" />
                    </svg>
                  </span>
                  <span className="cam__name">{c?.name ?? id}</span>
                  <span className="cam__meta">
                    <span className={`dot dot--${state}`} /> {t(`ops.state.${state}`)}
                    {i.cameraDistancesM[k] !== undefined && <> · {formatDistance(i.cameraDistancesM[k]!, i18n.language)}</>}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
