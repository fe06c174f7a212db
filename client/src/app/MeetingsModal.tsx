/**
 * The video-conference meeting schedule, for supervisors (permission vc:manage): a title, a
 * start time in the city's time zone, a duration and the points that must join (grouped by
 * commune); the meetings to come, each with a cancel button. POST and DELETE /api/vc/meetings.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { CityPack } from '../../../contract/citypack.js';
import type { VcBoardView } from '../../../contract/vc.js';
import { authFetch } from '../auth/session.js';
import { formatTime } from '../i18n/format.js';
import { Modal } from './Modal.js';

/** `datetime-local` (the city's wall clock) → epoch ms, for a zone without daylight saving (UTC+7). */
function localToEpoch(v: string, timeZone: string): number {
  const asUtc = Date.parse(`${v}:00Z`);
  const probe = new Date(asUtc);
  const local = new Date(probe.toLocaleString('en-US', { timeZone }));
  const utc = new Date(probe.toLocaleString('en-US', { timeZone: 'UTC' }));
  return asUtc - (local.getTime() - utc.getTime());
}

export function MeetingsModal(props: { pack: CityPack; board: VcBoardView; onChange: () => void; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const { pack, board } = props;
  const tz = pack.meta.timezone;
  const [title, setTitle] = useState('');
  const [startsAt, setStartsAt] = useState('');
  const [duration, setDuration] = useState('120');
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const points = pack.sites.vcPoints;
  const toggle = (id: string) => setChosen((s) => {
    const n = new Set(s);
    if (n.has(id)) n.delete(id);
    else n.add(id);
    return n;
  });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const res = await authFetch('/api/vc/meetings', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title, startsAt: localToEpoch(startsAt, tz), durationMin: Number(duration), pointIds: [...chosen] }),
    });
    const body = (await res.json()) as { ok: boolean; error?: { message: string } };
    if (!body.ok) return setError(body.error?.message ?? `HTTP ${res.status}`);
    setTitle('');
    setChosen(new Set());
    props.onChange();
  };
  const cancel = async (id: string) => {
    const res = await authFetch(`/api/vc/meetings/${encodeURIComponent(id)}`, { method: 'DELETE' });
    if (!res.ok) setError(`HTTP ${res.status}`);
    props.onChange();
  };
  return (
    <Modal title={t('ops.vc.meetings')} testId="vc-meetings" onClose={props.onClose} className="vc-modal">
      <ul className="vc-modal__list" data-testid="vc-meeting-list">
        {board.meetings.length === 0 && <li>{t('ops.vc.none')}</li>}
        {board.meetings.map((m) => (
          <li key={m.id} data-meeting={m.id}>
            <span>
              <b>{m.title}</b> · {formatTime(m.startsAt, i18n.language, tz)} · {m.durationMin}′ · {m.pointIds.length}
            </span>
            <button type="button" className="btn btn--sm" onClick={() => void cancel(m.id)}>
              {t('ops.vc.cancel')}
            </button>
          </li>
        ))}
      </ul>
      <form className="vc-modal__form" onSubmit={(e) => void submit(e)} data-testid="vc-meeting-form">
        <label>
          {t('ops.vc.titleField')}
          <input value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={200} />
        </label>
        <label>
          {t('ops.vc.startsAt')}
          <input type="datetime-local" value={startsAt} onChange={(e) => setStartsAt(e.target.value)} required />
        </label>
        <label>
          {t('ops.vc.duration')}
          <input type="number" min={5} max={720} value={duration} onChange={(e) => setDuration(e.target.value)} required />
        </label>
        <fieldset>
          <legend>
            {t('ops.vc.points')}{' '}
            <button type="button" className="btn btn--sm btn--ghost" onClick={() => setChosen(new Set(points.map((p) => p.id)))}>
              {t('ops.vc.all')}
            </button>
          </legend>
          <div className="vc-modal__points">
            {points.map((p) => (
              <label key={p.id}>
                <input type="checkbox" checked={chosen.has(p.id)} onChange={() => toggle(p.id)} data-point={p.id} /> {p.name}
              </label>
            ))}
          </div>
        </fieldset>
        {error && (
          <p className="vc-modal__error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="btn" disabled={chosen.size === 0}>
          {t('ops.vc.add')}
        </button>
      </form>
    </Modal>
  );
}
