/** One assigned incident on the responder's phone: what, where, how far, and the next step (one tap + confirm). */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CityPack } from '../../../../contract/citypack.js';
import type { Incident, LngLat } from '../../../../contract/domain.js';
import { formatTime } from '../../i18n/format.js';
import { MiniMap } from './MiniMap.js';
import { enqueue, isAccepted, type QueuedAction } from './queue.js';

type Step = 'accept' | 'on_scene' | 'resolve';

export function distanceM(a: LngLat, b: LngLat): number {
  const R = 6_371_008.8;
  const r = Math.PI / 180;
  const dLat = (b[1] - a[1]) * r;
  const dLon = (b[0] - a[0]) * r;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * r) * Math.cos(b[1] * r) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(h));
}

/** Status as it will be once the pending actions are through. */
function projected(inc: Incident, pending: QueuedAction[]): { status: Incident['status']; accepted: boolean } {
  let status = inc.status;
  let accepted = isAccepted(inc);
  for (const a of pending) {
    if (a.kind === 'accept') accepted = true;
    if (a.kind === 'on_scene' && status === 'dispatched') status = 'on_scene';
    if (a.kind === 'resolve' && status !== 'closed') status = 'resolved';
  }
  return { status, accepted };
}

export function IncidentCard(props: { incident: Incident; pack: CityPack; pending: QueuedAction[]; sendingId: string | null; me: LngLat | null; meIsGps: boolean }) {
  const { t, i18n } = useTranslation();
  const { incident: inc, pending } = props;
  const [confirm, setConfirm] = useState<Step | null>(null);
  const [note, setNote] = useState('');
  const p = projected(inc, pending);
  const label: Record<Step, string> = { accept: t('responder.accept'), on_scene: t('responder.onScene'), resolve: t('responder.resolve') };
  const steps: Step[] = [];
  if (!p.accepted) steps.push('accept');
  if (p.status === 'dispatched') steps.push('on_scene');
  if (p.status === 'dispatched' || p.status === 'on_scene') steps.push('resolve');
  const dist = props.me && inc.position ? distanceM(props.me, inc.position) : null;
  const distText = dist === null ? null : dist < 1000 ? `${Math.round(dist / 10) * 10} m` : `${(dist / 1000).toFixed(1)} km`;
  const run = (s: Step) => {
    setConfirm(null);
    enqueue(s === 'accept' ? { kind: 'accept', incidentId: inc.id } : { kind: s, incidentId: inc.id, ...(note.trim() && s === 'resolve' ? { note: note.trim() } : {}) });
    if (s === 'resolve') setNote('');
  };
  return (
    <article className={`rcard rcard--${inc.severity}`} data-testid="responder-incident" data-incident-id={inc.id} data-status={inc.status} data-projected={p.status} data-accepted={p.accepted}>
      <header className="rcard__head">
        <span className={`rchip rchip--${inc.severity}`}>{t(`severity.${inc.severity}`)}</span>
        <h2>{t(`wall.type.${inc.type}`)}</h2>
        <span className="rcard__status" data-testid="responder-status">{t(`wall.status.${p.status}`)}</span>
      </header>
      <p className="rcard__addr">{inc.address ?? t('responder.noAddress')}</p>
      {distText && (
        <p className="rcard__dist" data-testid="responder-distance">
          {t('responder.distance', { value: distText })} {!props.meIsGps && <small>{t('responder.fromUnit')}</small>}
        </p>
      )}
      {inc.position && <MiniMap pack={props.pack} at={inc.position} me={props.me} />}
      {inc.description && <p className="rcard__desc">{inc.description}</p>}
      {pending.length > 0 && (
        <ul className="rcard__pending" data-testid="responder-pending">
          {pending.map((a) => (
            <li key={a.qid} data-kind={a.kind} data-sending={props.sendingId === a.qid}>
              ⏳ {t('responder.pendingOne')}: {a.kind === 'note' ? a.note : a.kind === 'accept' ? label.accept : a.kind === 'on_scene' ? label.on_scene : a.kind === 'resolve' ? label.resolve : ''}
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
        <div className="rcard__actions">
          {steps.map((s) => (
            <button key={s} type="button" className={`rbtn rbtn--${s}`} data-action={s} onClick={() => setConfirm(s)}>
              {label[s]}
            </button>
          ))}
        </div>
      )}
      {p.status !== 'resolved' && (
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
      <ol className="rcard__timeline">
        {inc.timeline.slice(-3).map((e, i) => (
          <li key={i}>
            <time>{formatTime(e.at, i18n.language, props.pack.meta.timezone)}</time> {e.note?.startsWith('[accept]') ? t('responder.accepted') : e.to ? t(`wall.status.${e.to}`) : e.note ?? e.action}
          </li>
        ))}
      </ol>
    </article>
  );
}
