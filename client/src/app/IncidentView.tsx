/**
 * One incident: what and where, the actions its status allows (each a Socket.IO
 * command with the version the store holds), its units each with its own part and a
 * confirmed release, the dispatch list, notes, the timeline in sentences, linked alerts
 * and the cameras around it. Resolving one no unit reached asks first, saying so; closing
 * asks for the closing note the server requires (issue #27). Keys while it is in the panel:
 * d dispatch, n note, r resolve, c close (ShortcutHelp.tsx lists them all).
 */
import { useRef, useState } from 'react';
import { videoWall } from '../video/wall-store.js';
import { watchOnOpen } from '../video/intent.js';
import { useTranslation } from 'react-i18next';
import type { CityPack } from '../../../contract/citypack.js';
import { INCIDENT_CHANNELS, type Incident, type IncidentChannel, type IncidentUnit } from '../../../contract/domain.js';
import type { IncidentAction } from '../../../contract/socket.js';
import { allowedActions } from '../../../contract/transitions.js';
import { formatTime } from '../i18n/format.js';
import { useAlerts, useCameras, useUnits } from '../live/hooks.js';
import { liveStore } from '../live/store.js';
import { CommandStatus } from './CommandStatus.js';
import { DispatchPicker } from './DispatchPicker.js';
import { Fact } from './Facts.js';
import { formatDistance } from './incidents.js';
import { placeOf, useAlertLabels, useWardName, useWords } from './names.js';
import { SeverityIcon } from './SeverityIcon.js';
import { flyTo, select } from './ui.js';
import { step, useCommands } from './useCommand.js';
import { CloseConfirm } from './CloseConfirm.js';
import { InlineConfirm } from './InlineConfirm.js';
import { useShortcuts } from './useShortcuts.js';
import { resolveQuestion } from './review.js';

const isChannel = (by: string): by is IncidentChannel => (INCIDENT_CHANNELS as readonly string[]).includes(by);

/** The incident's own buttons, in the order of the lifecycle; a unit's steps are on its row, dispatch has its list. */
const BUTTONS = ['acknowledge', 'resolve', 'close', 'reopen'] as const;

export function IncidentView({ incident: i, pack }: { incident: Incident; pack: CityPack }) {
  const { t, i18n } = useTranslation();
  const cmd = useCommands();
  const ward = useWardName(pack);
  const words = useWords(pack);
  const tz = pack.meta.timezone;
  const allowed = allowedActions(i.status);
  const state = cmd.stateOf(i.id);
  const busy = state.phase === 'sending';
  const [note, setNote] = useState('');
  const [confirm, setConfirm] = useState<'resolve' | 'close' | null>(null);
  const [dispatchFocus, setDispatchFocus] = useState(0);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const actionsRef = useRef<HTMLDivElement>(null);
  // The version as the store holds it at the moment of the click, not of the last render.
  const version = () => liveStore.getState().incidents[i.id]?.version ?? i.version;

  const act = (action: (typeof BUTTONS)[number], withNote?: string) =>
    cmd.run(i.id, [step(`incident:${action}`, { id: i.id, version: version(), ...(withNote ? { note: withNote } : {}) })]);
  const question = resolveQuestion(i);
  /** A button of the lifecycle: resolve (when no unit worked it) and close ask first. */
  const press = (action: (typeof BUTTONS)[number]) => {
    if (!allowed.includes(action)) return;
    if (action === 'close' || (action === 'resolve' && question)) setConfirm(action);
    else void act(action);
  };
  /** The question is answered "no": back to its button. */
  const cancel = () => {
    const was = confirm;
    setConfirm(null);
    requestAnimationFrame(() => actionsRef.current?.querySelector<HTMLElement>(`[data-action="${was}"]`)?.focus());
  };
  const closeNow = async (text: string) => {
    if (await act('close', text)) setConfirm(null);
  };
  useShortcuts({
    d: () => allowed.includes('dispatch') && setDispatchFocus((n) => n + 1),
    n: () => noteRef.current?.focus(),
    r: () => press('resolve'),
    c: () => press('close'),
  });
  const dispatch = (unitId: string, reassign: boolean) =>
    void cmd.run(i.id, [step('incident:dispatch', { id: i.id, version: version(), unitId, ...(reassign ? { reassign: true } : {}) })]);
  const unitStep = (action: 'on_scene' | 'release', unitId: string) => void cmd.run(i.id, [step(`incident:${action}`, { id: i.id, version: version(), unitId })]);
  const addNote = async () => {
    if (note.trim() === '') return;
    if (await cmd.run(i.id, [step('incident:note', { id: i.id, note: note.trim() })])) setNote('');
  };
  const wardName = ward(i.wardId);
  // Every channel that reported it: the one that opened it, then those whose reports joined (a camera's alert, then a 115 call).
  const sources = [...new Set([i.channel, ...i.timeline.filter((e) => e.action === 'report' && isChannel(e.by)).map((e) => e.by as IncidentChannel)])];
  // The server's address may already end with the ward: said once.
  const where = i.address && wardName && !i.address.includes(wardName) ? `${i.address} · ${wardName}` : placeOf(i, ward);

  return (
    <article className={`incident alert-row--${i.severity}`} data-testid="incident-view" data-incident-id={i.id} data-status={i.status} data-version={i.version}>
      <header className="detail__head">
        <SeverityIcon severity={i.severity} />
        <h2 className="detail__title" tabIndex={-1}>
          {words.type(i.type)}
        </h2>
        <span className={`status status--${i.status}`} data-testid="incident-status">
          {words.status(i.status)}
        </span>
      </header>
      {i.hurt && (
        <p className="incident__hurt" data-testid="incident-hurt">
          {i.injured ? t('ops.incident.injured', { count: i.injured }) : t('ops.incident.hurt')}
        </p>
      )}
      <p className="incident__desc">{i.description}</p>
      <dl className="facts">
        <Fact label={t('ops.incident.address')} value={where ?? '—'} />
        <Fact label={t('ops.incident.channel')} value={sources.map((c) => words.channel(c)).join(' · ')} />
        {i.callback && (
          <Fact
            label={t('ops.incident.callback')}
            value={
              <a href={`tel:${i.callback.replace(/[^\d+]/g, '')}`} data-testid="incident-callback">
                {i.callback}
              </a>
            }
          />
        )}
        {i.externalRef && <Fact label={t('ops.incident.ref')} value={i.externalRef} />}
        <Fact label={t('ops.detail.firstSeen')} value={formatTime(i.createdAt, i18n.language, tz)} />
      </dl>

      <div className="actions" data-testid="incident-actions" ref={actionsRef}>
        {confirm === 'resolve' && question ? (
          <InlineConfirm
            message={t(`desk.confirm.${question}`)}
            yesLabel={t('desk.confirm.resolveYes')}
            testId="resolve-confirm"
            busy={busy}
            onYes={() => {
              setConfirm(null);
              void act('resolve');
            }}
            onNo={cancel}
          />
        ) : confirm === 'close' ? (
          <CloseConfirm busy={busy} onClose={(text) => void closeNow(text)} onCancel={cancel} />
        ) : (
          BUTTONS.filter((a) => allowed.includes(a)).map((a) => (
            <button key={a} type="button" className={`btn${a === 'acknowledge' || a === 'resolve' ? ' btn--primary' : ''}`} disabled={busy} data-action={a} onClick={() => press(a)}>
              {t(`ops.incidentAction.${a}`)}
            </button>
          ))
        )}
      </div>
      <CommandStatus state={state} onDismiss={() => cmd.dismiss(i.id)} />
      <IncidentUnits incident={i} pack={pack} busy={busy} onStep={unitStep} />
      {allowed.includes('dispatch') && <DispatchPicker incident={i} pack={pack} busy={busy} onDispatch={dispatch} focusSeq={dispatchFocus} />}

      <form
        className="note"
        onSubmit={(e) => {
          e.preventDefault();
          void addNote();
        }}
      >
        <textarea
          ref={noteRef}
          className="note__input"
          rows={2}
          value={note}
          maxLength={2000}
          placeholder={t('ops.incident.notePlaceholder')}
          aria-label={t('ops.incidentAction.note')}
          data-testid="note-input"
          onChange={(e) => setNote(e.target.value)}
          onKeyDown={(e) => {
            // Enter sends (Shift+Enter is a new line); Esc leaves the field, back to the keys.
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              void addNote();
            } else if (e.key === 'Escape') {
              e.preventDefault();
              e.currentTarget.blur();
              e.currentTarget.closest<HTMLElement>('.detail')?.querySelector<HTMLElement>('.detail__title')?.focus();
            }
          }}
        />
        <button type="submit" className="btn btn--sm" disabled={busy || note.trim() === ''} data-testid="note-add">
          {t('ops.incidentAction.note')}
        </button>
      </form>

      <LinkedAlerts ids={i.alertIds} pack={pack} />
      <NearbyCameras incident={i} />
      <Timeline incident={i} pack={pack} />
    </article>
  );
}

/** The incident's units, each with its own part; release (confirmed) and arrival per unit, the others untouched. */
function IncidentUnits({ incident: i, pack, busy, onStep }: { incident: Incident; pack: CityPack; busy: boolean; onStep: (action: 'on_scene' | 'release', unitId: string) => void }) {
  const { t, i18n } = useTranslation();
  const units = useUnits();
  const words = useWords(pack);
  const [confirm, setConfirm] = useState<string | null>(null);
  const allowed = allowedActions(i.status);
  // Working units first (in dispatch order), then the released ones, for the record.
  const list = [...i.units.filter((u) => u.status !== 'released'), ...i.units.filter((u) => u.status === 'released')];
  const time = (at: number | null) => (at === null ? null : formatTime(at, i18n.language, pack.meta.timezone));
  const since = (u: IncidentUnit) => time(u.releasedAt ?? u.arrivedAt ?? u.acceptedAt ?? u.dispatchedAt);
  return (
    <section className="detail__section" data-testid="incident-units">
      <h3 className="detail__h3">{t('ops.incident.units')}</h3>
      {list.length === 0 ? (
        <p className="incident__nounit" data-testid="incident-no-unit">
          {t('ops.incident.noUnitYet')}
        </p>
      ) : (
        <ul className="iunits">
          {list.map((u, k) => {
            const unit = units[u.unitId];
            const active = u.status !== 'released';
            return (
              <li key={`${u.unitId}-${k}`} className={`iunits__row iunits__row--${u.status}`} data-testid="incident-unit" data-unit-id={u.unitId} data-status={u.status}>
                <span className="iunits__name">
                  {words.unit(u.unitId)}
                  {unit && <span className="units__kind">{words.unitKind(unit.kind)}</span>}
                </span>
                <span className={`iunits__part iunits__part--${u.status}`} data-testid="incident-unit-status">
                  {words.part(u.status)}
                  <time className="iunits__time"> · {since(u)}</time>
                </span>
                {active && confirm === u.unitId ? (
                  <InlineConfirm
                    message={t('ops.incident.confirmRelease', { unit: words.unit(u.unitId) })}
                    testId="release-confirm"
                    busy={busy}
                    onYes={() => {
                      setConfirm(null);
                      onStep('release', u.unitId);
                    }}
                    onNo={() => setConfirm(null)}
                  />
                ) : (
                  active && (
                    <span className="iunits__actions">
                      {(u.status === 'dispatched' || u.status === 'accepted') && allowed.includes('on_scene') && (
                        <button type="button" className="btn btn--sm" disabled={busy} data-action="on_scene" onClick={() => onStep('on_scene', u.unitId)}>
                          {t('ops.incidentAction.on_scene')}
                        </button>
                      )}
                      {allowed.includes('release') && (
                        <button type="button" className="btn btn--sm" disabled={busy} data-action="release" onClick={() => setConfirm(u.unitId)}>
                          {t('ops.incidentAction.release')}
                        </button>
                      )}
                    </span>
                  )
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** The steps as sentences, newest first: "Đã điều động Cấp cứu 115 — bởi hoang.dv". */
export function Timeline({ incident: i, pack }: { incident: Incident; pack: CityPack }) {
  const { t, i18n } = useTranslation();
  const words = useWords(pack);
  return (
    <section className="detail__section">
      <h3 className="detail__h3">{t('ops.incident.timeline')}</h3>
      <ol className="timeline" data-testid="timeline">
        {[...i.timeline].reverse().map((e, k) => {
          const w = words.step(e);
          return (
            <li key={`${e.at}-${k}`} className={`timeline__item timeline__item--${e.action}`} data-action={e.action} data-testid="timeline-entry">
              <time className="timeline__time">{formatTime(e.at, i18n.language, pack.meta.timezone, true)}</time>
              <span className="timeline__what">
                <strong>{w.text}</strong>
                {w.by && <span className="timeline__by"> — {t('words.by', { actor: w.by })}</span>}
              </span>
              {w.note && <span className="timeline__note">{w.note}</span>}
            </li>
          );
        })}
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
      <h3 className="detail__h3 detail__h3--with-action">
        {t('ops.incident.cameras')}
        {i.cameraIds.length > 0 && (
          <button type="button" className="btn btn--small" data-testid="incident-video-wall" onClick={() => videoWall.show(i.cameraIds)}>
            {t('video.wallOpen')}
          </button>
        )}
      </h3>
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
                    watchOnOpen(id);
                    select({ kind: 'camera', id }, true);
                    if (c?.position) flyTo(c.position);
                  }}
                >
                  {/* An icon, not a picture: the click opens the camera's detail, its live video playing. */}
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
