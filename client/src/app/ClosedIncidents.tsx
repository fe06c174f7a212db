/**
 * Closed incidents, for review and reopening (issue #27). The live picture drops an
 * incident once it is closed (live/store.ts), so these read REST:
 *  - ClosedIncident: the detail panel's body for a selected incident no longer in the
 *    live store (GET /api/incidents/:id): read only, with its closing note and timeline,
 *    and "Mở lại" (reopen, the transition table's closed → acknowledged);
 *  - ClosedList: today's closed incidents (GET /api/incidents/closed?day=, the city's
 *    calendar day), searched by id, type, address and ward, accent-blind ("nga tu"
 *    finds "Ngã tư"); each line opens the incident in the panel.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { CityPack } from '../../../contract/citypack.js';
import type { Incident } from '../../../contract/domain.js';
import { formatTime } from '../i18n/format.js';
import { apiData } from './api.js';
import { CommandStatus } from './CommandStatus.js';
import { Fact } from './Facts.js';
import { Timeline } from './IncidentView.js';
import { Modal } from './Modal.js';
import { placeOf, useWardName, useWords } from './names.js';
import { addDays } from '../../../contract/shift.js';
import { closingOf, dayLabel, matchesQuery } from './review.js';
import { SeverityIcon } from './SeverityIcon.js';
import { select } from './ui.js';
import { step, useCommands } from './useCommand.js';

/** Whether the list is open, and the incidents it last showed (a copy for review of one the server no longer holds). */
const listStore = createStore<{ open: boolean; shown: readonly Incident[] }>()(() => ({ open: false, shown: [] }));
export const openClosedList = () => listStore.setState({ open: true });
const closeClosedList = () => listStore.setState({ open: false });

/** The address with its ward, the ward said once (the server's address may already end with it). */
const whereOf = (i: Incident, wardName: string | null) => (i.address && wardName && !i.address.includes(wardName) ? `${i.address} · ${wardName}` : (i.address ?? wardName));

/** The panel's body for an incident the live picture no longer holds. */
export function ClosedIncident({ id, pack }: { id: string; pack: CityPack }) {
  const [got, setGot] = useState<{ id: string; incident: Incident | null } | null>(null);
  useEffect(() => {
    let current = true;
    apiData<{ incident: Incident }>(`/api/incidents/${encodeURIComponent(id)}`)
      .then((d) => current && setGot({ id, incident: d.incident }))
      // The server holds closed incidents for a day: an older one (listed from the database) is reviewed from the list's copy.
      .catch(() => current && setGot({ id, incident: null }));
    return () => {
      current = false;
    };
  }, [id]);
  if (!got || got.id !== id) return <p className="muted">{'…'}</p>;
  // Held by the server but not closed: out of this screen's view (another district), not for review here.
  const copy = got.incident ? null : listStore.getState().shown.find((i) => i.id === id);
  if (copy) return <ClosedIncidentView incident={copy} pack={pack} canReopen={false} />;
  if (!got.incident || got.incident.status !== 'closed') return <NotFound />;
  return <ClosedIncidentView incident={got.incident} pack={pack} canReopen />;
}

function NotFound() {
  const { t } = useTranslation();
  return (
    <p className="muted" data-testid="incident-not-found">
      {t('desk.closed.gone')}
    </p>
  );
}

function ClosedIncidentView({ incident: i, pack, canReopen }: { incident: Incident; pack: CityPack; canReopen: boolean }) {
  const { t, i18n } = useTranslation();
  const words = useWords(pack);
  const ward = useWardName(pack);
  const cmd = useCommands();
  const state = cmd.stateOf(i.id);
  const closing = closingOf(i);
  const by = closing ? words.step(closing).by : null;
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    // Loaded after the panel opened, or just closed from it: the heading takes the focus the panel held.
    const at = document.activeElement;
    if (!at || at === document.body || at.classList.contains('detail')) heading.current?.focus();
  }, []);
  const reopen = () => void cmd.run(i.id, [step('incident:reopen', { id: i.id, version: i.version })]);
  return (
    <article className={`incident incident--closed alert-row--${i.severity}`} data-testid="closed-incident" data-incident-id={i.id} data-status={i.status} data-version={i.version}>
      <header className="detail__head">
        <SeverityIcon severity={i.severity} />
        <h2 className="detail__title" tabIndex={-1} ref={heading}>
          {words.type(i.type)}
        </h2>
        <span className="status status--closed" data-testid="incident-status">
          {words.status(i.status)}
        </span>
      </header>
      <p className="closed__ro">{t('desk.closed.readOnly')}</p>
      <dl className="facts">
        <Fact label={t('ops.incident.address')} value={placeOf(i, ward) ?? '—'} />
        <Fact label={t('ops.detail.firstSeen')} value={formatTime(i.createdAt, i18n.language, pack.meta.timezone)} />
        {closing && <Fact label={t('desk.closed.closedAt')} value={formatTime(closing.at, i18n.language, pack.meta.timezone)} />}
        {by && <Fact label={t('desk.closed.closedBy')} value={by} />}
      </dl>
      {closing?.note && (
        <section className="detail__section">
          <h3 className="detail__h3">{t('desk.closed.closingNote')}</h3>
          <p className="closed__note" data-testid="closing-note">
            {closing.note}
          </p>
        </section>
      )}
      {canReopen ? (
        <div className="actions">
          <button type="button" className="btn btn--primary" data-testid="reopen" disabled={state.phase === 'sending'} onClick={reopen}>
            {t('desk.closed.reopen')}
          </button>
        </div>
      ) : (
        <p className="muted" data-testid="reopen-unavailable">
          {t('desk.closed.tooOld')}
        </p>
      )}
      <CommandStatus state={state} onDismiss={() => cmd.dismiss(i.id)} />
      <Timeline incident={i} pack={pack} />
    </article>
  );
}

/** The closed-incidents dialog, when open (the incidents panel's button, or `l`). */
export function ClosedList({ pack }: { pack: CityPack }) {
  const open = useStore(listStore, (s) => s.open);
  return open ? <ClosedListDialog pack={pack} /> : null;
}

function ClosedListDialog({ pack }: { pack: CityPack }) {
  const { t, i18n } = useTranslation();
  const words = useWords(pack);
  const ward = useWardName(pack);
  const search = useRef<HTMLInputElement>(null);
  /** The day asked for (null: the city's today, as the server counts it), and the day shown (the server's answer). */
  const [want, setWant] = useState<string | null>(null);
  const [day, setDay] = useState<string | null>(null);
  /** The city's today, as the server said on the first answer (the list opens on it). */
  const [today, setToday] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [data, setData] = useState<{ day: string; incidents: Incident[] } | 'loading' | 'failed'>('loading');

  useEffect(() => {
    let current = true;
    setData('loading');
    apiData<{ day: string; incidents: Incident[] }>(`/api/incidents/closed${want ? `?day=${want}` : ''}`)
      .then((d) => {
        if (!current) return;
        setData(d);
        setDay(d.day);
        setToday((x) => x ?? d.day);
      })
      .catch(() => current && setData('failed'));
    return () => {
      current = false;
    };
  }, [want]);

  const list = typeof data === 'object' ? data.incidents : [];
  const shown = useMemo(
    () => list.filter((i) => matchesQuery([i.id, i.type, words.type(i.type), i.address, ward(i.wardId), i.wardId, i.externalRef], query)),
    [list, query, words, ward],
  );
  const review = (i: Incident) => {
    listStore.setState({ shown: list });
    closeClosedList();
    select({ kind: 'incident', id: i.id }, true);
  };

  return (
    <Modal title={t('desk.closed.title')} testId="closed-list" onClose={closeClosedList} initialFocus={search} className="closed">
      <div className="closed__bar">
        <input
          ref={search}
          type="search"
          className="closed__search"
          value={query}
          placeholder={t('desk.closed.search')}
          aria-label={t('desk.closed.searchLabel')}
          data-testid="closed-search"
          onChange={(e) => setQuery(e.target.value)}
        />
        {/* Day by day, written out in the officer's language: a browser date field shows the browser's own order (12/07 for 7 December). */}
        <span className="closed__day" role="group" aria-label={t('desk.closed.day')}>
          <button type="button" className="btn btn--sm" disabled={!day} aria-label={t('desk.closed.prevDay')} title={t('desk.closed.prevDay')} data-testid="closed-prev" onClick={() => day && setWant(addDays(day, -1))}>
            ‹
          </button>
          <span className="closed__date" data-testid="closed-day" data-day={day ?? ''}>
            {day ? dayLabel(day, i18n.language) : '…'}
            {day && day === today && <span className="closed__today"> · {t('desk.closed.today')}</span>}
          </span>
          <button type="button" className="btn btn--sm" disabled={!day || !today || day >= today} aria-label={t('desk.closed.nextDay')} title={t('desk.closed.nextDay')} data-testid="closed-next" onClick={() => day && setWant(addDays(day, 1))}>
            ›
          </button>
        </span>
      </div>
      {data === 'loading' ? (
        <p className="muted">{t('desk.closed.loading')}</p>
      ) : data === 'failed' ? (
        <p className="muted">{t('desk.closed.failed')}</p>
      ) : (
        <>
          <p className="closed__count" data-testid="closed-count" data-shown={shown.length} data-count={list.length}>
            {t('desk.closed.count', { shown: shown.length, count: list.length })}
          </p>
          {list.length === 0 ? (
            <p className="muted">{t('desk.closed.none')}</p>
          ) : shown.length === 0 ? (
            <p className="muted">{t('desk.closed.noMatch', { q: query })}</p>
          ) : (
            <ol className="closed__list">
              {shown.map((i) => {
                const closing = closingOf(i);
                return (
                  <li key={i.id}>
                    <button type="button" className={`closed__row alert-row--${i.severity}`} data-testid="closed-row" data-incident-id={i.id} onClick={() => review(i)}>
                      <span className="closed__time">{closing ? formatTime(closing.at, i18n.language, pack.meta.timezone) : '—'}</span>
                      <span className="closed__what">
                        <SeverityIcon severity={i.severity} />
                        <strong>{words.type(i.type)}</strong>
                        <span className="closed__id">#{i.id.slice(-6)}</span>
                      </span>
                      <span className="closed__where">{whereOf(i, ward(i.wardId)) || '—'}</span>
                      {closing?.note && <span className="closed__why">{closing.note}</span>}
                    </button>
                  </li>
                );
              })}
            </ol>
          )}
        </>
      )}
    </Modal>
  );
}
