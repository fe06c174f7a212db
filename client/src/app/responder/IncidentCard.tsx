/**
 * One incident on the responder's phone: what, where (the address, else the ward), why (the
 * report's words), who to call back, a way there (the phone's own map app, by a geo: URI), how
 * far (until the crew is on scene), this unit's next step (one tap + confirm), the other units,
 * and the whole timeline in the console's words, scrollable.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CityPack } from '../../../../contract/citypack.js';
import { activeUnits, type Incident, type IncidentStatus, type IncidentUnitStatus, type LngLat } from '../../../../contract/domain.js';
import { distanceM } from '../../../../contract/geo.js';
import { unitStatus } from '../../../../contract/transitions.js';
import { formatTime } from '../../i18n/format.js';
import { placeOf, useWardName, useWords } from '../names.js';
import { MiniMap } from './MiniMap.js';
import { enqueue, partOf, type QueuedAction } from './queue.js';

type Step = 'accept' | 'on_scene' | 'resolve';

/** This unit's part, and the incident's status, as they will be once the pending actions are through. */
export function projected(inc: Incident, unitId: string | null, pending: readonly QueuedAction[]): { part: IncidentUnitStatus | null; status: IncidentStatus } {
  const mine = partOf(inc, unitId);
  let part = mine?.status ?? null;
  for (const a of pending) {
    if (part === null || part === 'released') break;
    if (a.kind === 'accept' && part === 'dispatched') part = 'accepted';
    if (a.kind === 'on_scene') part = 'on_scene';
    if (a.kind === 'resolve') part = 'released';
  }
  if (inc.status === 'resolved' || inc.status === 'closed' || part === (mine?.status ?? null)) return { part, status: inc.status };
  const others = activeUnits(inc).filter((u) => u.unitId !== unitId);
  // The last unit's "done" resolves the incident; otherwise it follows its units.
  if (part === 'released' && others.length === 0) return { part, status: 'resolved' };
  const units = part === 'released' ? others : [...others, { ...mine!, status: part! }];
  return { part, status: unitStatus(units) };
}

/** A geo: URI the phone's map app opens (Android: geo:lat,lon?q=lat,lon(label); iOS Safari hands it to Maps). */
export function geoUri(at: LngLat, label: string | null): string {
  const ll = `${at[1]},${at[0]}`;
  return `geo:${ll}?q=${ll}${label ? `(${encodeURIComponent(label)})` : ''}`;
}

export function IncidentCard(props: { incident: Incident; pack: CityPack; unitId: string | null; pending: QueuedAction[]; sendingId: string | null; me: LngLat | null; meIsGps: boolean }) {
  const { t, i18n } = useTranslation();
  const { incident: inc, pending } = props;
  const words = useWords(props.pack);
  const ward = useWardName(props.pack);
  const [confirm, setConfirm] = useState<Step | null>(null);
  const [note, setNote] = useState('');
  const p = projected(inc, props.unitId, pending);
  const label: Record<Step, string> = { accept: t('responder.accept'), on_scene: t('responder.onScene'), resolve: t('responder.resolve') };
  const steps: Step[] = [];
  if (p.part === 'dispatched') steps.push('accept');
  if (p.part === 'dispatched' || p.part === 'accepted') steps.push('on_scene');
  if (p.part === 'dispatched' || p.part === 'accepted' || p.part === 'on_scene') steps.push('resolve');
  const working = p.part !== null && p.part !== 'released';
  // How far: only while on the way (once there, or done, it is noise).
  const dist = working && p.part !== 'on_scene' && props.me && inc.position ? distanceM(props.me, inc.position) : null;
  const distText = dist === null ? null : dist < 1000 ? `${Math.round(dist / 10) * 10} m` : `${(dist / 1000).toFixed(1)} km`;
  const place = placeOf(inc, ward);
  const wardName = ward(inc.wardId);
  const others = activeUnits(inc).filter((u) => u.unitId !== props.unitId);
  // The latest note (an officer's "an ambulance is needed"), where the crew reads it first.
  const lastNote = [...inc.timeline].reverse().find((e) => e.action === 'note' && e.note && !e.note.startsWith('[accept]'));
  const run = (s: Step) => {
    setConfirm(null);
    enqueue(s === 'accept' ? { kind: 'accept', incidentId: inc.id } : { kind: s, incidentId: inc.id, ...(note.trim() && s === 'resolve' ? { note: note.trim() } : {}) });
    if (s === 'resolve') setNote('');
  };
  return (
    <article
      className={`rcard rcard--${inc.severity}`}
      data-testid="responder-incident"
      data-incident-id={inc.id}
      data-status={inc.status}
      data-projected={p.status}
      data-part={p.part ?? ''}
      data-accepted={p.part !== null && p.part !== 'dispatched'}
    >
      <header className="rcard__head">
        <span className={`rchip rchip--${inc.severity}`}>{t(`severity.${inc.severity}`)}</span>
        <h2>{words.type(inc.type)}</h2>
        <span className="rcard__status" data-testid="responder-status">
          {p.part ? words.part(p.part) : words.status(p.status)}
        </span>
      </header>
      <p className="rcard__addr" data-testid="responder-address">
        {place ?? t('responder.noAddress')}
        {inc.address && wardName && !inc.address.includes(wardName) && <small className="rcard__ward">{wardName}</small>}
      </p>
      {distText && (
        <p className="rcard__dist" data-testid="responder-distance">
          {t('responder.distance', { value: distText })} {!props.meIsGps && <small>{t('responder.fromUnit')}</small>}
        </p>
      )}
      {inc.hurt && (
        <p className="rcard__hurt" data-testid="responder-hurt">
          {inc.injured ? t('responder.injured', { count: inc.injured }) : t('responder.hurt')}
        </p>
      )}
      {inc.description && (
        <p className="rcard__desc" data-testid="responder-description">
          {inc.description}
        </p>
      )}
      {others.length > 0 && (
        <p className="rcard__others" data-testid="responder-others">
          {t('responder.others', { units: others.map((u) => `${words.unit(u.unitId)} (${words.part(u.status)})`).join(', ') })}
        </p>
      )}
      {lastNote && (
        <p className="rcard__lastnote" data-testid="responder-last-note">
          <span className="rcard__lastnote-by">{t('responder.lastNote', { by: words.actor(lastNote.by) ?? '' })}</span>
          {lastNote.note}
        </p>
      )}
      <div className="rcard__links">
        {inc.position && (
          <a className="rbtn rbtn--link" href={geoUri(inc.position, place)} data-testid="responder-navigate">
            {t('responder.navigate')}
          </a>
        )}
        {inc.callback && (
          <a className="rbtn rbtn--link" href={`tel:${inc.callback.replace(/[^\d+]/g, '')}`} data-testid="responder-callback">
            {t('responder.callback')} {inc.callback}
          </a>
        )}
      </div>
      {pending.length > 0 && (
        <ul className="rcard__pending" data-testid="responder-pending">
          {pending.map((a) => (
            <li key={a.qid} data-kind={a.kind} data-sending={props.sendingId === a.qid}>
              ⏳ {t('responder.pendingOne')}: {a.kind === 'note' ? a.note : a.kind === 'unit_status' ? '' : label[a.kind]}
            </li>
          ))}
        </ul>
      )}
      {confirm ? (
        <div className="rconfirm" data-testid="responder-confirm">
          <p>{t('responder.confirm', { action: label[confirm] })}</p>
          <button type="button" className="rbtn rbtn--go" data-testid="responder-confirm-yes" onClick={() => run(confirm)}>
            {t('responder.yes')}
          </button>
          <button type="button" className="rbtn" onClick={() => setConfirm(null)}>
            {t('responder.no')}
          </button>
        </div>
      ) : (
        steps.length > 0 && (
          <div className="rcard__actions">
            {steps.map((s) => (
              <button key={s} type="button" className={`rbtn rbtn--${s}`} data-action={s} onClick={() => setConfirm(s)}>
                {label[s]}
              </button>
            ))}
          </div>
        )
      )}
      {working && (
        <form
          className="rnote"
          onSubmit={(e) => {
            e.preventDefault();
            if (!note.trim()) return;
            enqueue({ kind: 'note', incidentId: inc.id, note: note.trim() });
            setNote('');
          }}
        >
          <input value={note} onChange={(e) => setNote(e.target.value)} placeholder={t('responder.notePlaceholder')} maxLength={500} data-testid="responder-note" />
          <button type="submit" className="rbtn">{t('responder.addNote')}</button>
        </form>
      )}
      {inc.position && <MiniMap pack={props.pack} at={inc.position} me={working && p.part !== 'on_scene' ? props.me : null} />}
      <h3 className="rcard__h3">{t('responder.timeline')}</h3>
      {/* The whole timeline, newest first, scrolling inside the card: an officer's note never falls off. */}
      <ol className="rcard__timeline" data-testid="responder-timeline" tabIndex={0}>
        {[...inc.timeline].reverse().map((e, k) => {
          const w = words.step(e);
          return (
            <li key={`${e.at}-${k}`} data-action={e.action}>
              <time>{formatTime(e.at, i18n.language, props.pack.meta.timezone)}</time>{' '}
              <span className="rcard__step">{w.text}</span>
              {w.by && <span className="rcard__by"> — {t('words.by', { actor: w.by })}</span>}
              {w.note && <span className="rcard__note">{w.note}</span>}
            </li>
          );
        })}
      </ol>
    </article>
  );
}
