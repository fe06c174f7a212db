/**
 * The unit roster (issue #27.7): every unit with its callsign, status, the
 * incident it works and when it last changed. Busy units first (they are the
 * ones the officer follows), then available, then off duty. Clicking a unit
 * selects it, opens it in the detail panel and flies the map to it. Folded by
 * default to a one-line summary, so the queue keeps its room; the officer's
 * choice is kept on this workstation.
 */
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CityPack } from '../../../contract/citypack.js';
import { UNIT_STATUSES, type Unit } from '../../../contract/domain.js';
import { formatAge } from '../i18n/format.js';
import { useClockOffset, useIncidents, useUnits } from '../live/hooks.js';
import type { ById } from '../live/store.js';
import { unitCallsign } from './callsign.js';
import { useWords } from './names.js';
import { flyTo, select, useSelection } from './ui.js';
import { useNow } from './useNow.js';
import './tools.css';

const ORDER: Record<Unit['status'], number> = { busy: 0, available: 1, off_duty: 2 };
const OPEN_KEY = 'ioc.roster.open';

/** Busy first, then available, then off duty; by callsign within each. Pure: unit-tested. */
export function rosterOrder(units: ById<Unit>): Unit[] {
  return Object.values(units).sort((a, b) => ORDER[a.status] - ORDER[b.status] || unitCallsign(a.id).localeCompare(unitCallsign(b.id)));
}

function storedOpen(): boolean {
  try {
    return localStorage.getItem(OPEN_KEY) === '1';
  } catch {
    return false;
  }
}

export function UnitRoster({ pack }: { pack: CityPack }) {
  const { t, i18n } = useTranslation();
  const units = useUnits();
  const incidents = useIncidents();
  const words = useWords(pack);
  const sel = useSelection();
  const now = useNow(10_000) + useClockOffset();
  const [open, setOpen] = useState(storedOpen);
  const list = useMemo(() => rosterOrder(units), [units]);
  const counts = useMemo(() => Object.fromEntries(UNIT_STATUSES.map((s) => [s, list.filter((u) => u.status === s).length])) as Record<Unit['status'], number>, [list]);

  const toggle = () => {
    setOpen(!open);
    try {
      localStorage.setItem(OPEN_KEY, open ? '0' : '1');
    } catch {
      /* kept for this page only */
    }
  };
  const show = (u: Unit) => {
    select({ kind: 'unit', id: u.id }, true);
    flyTo(u.position);
  };

  return (
    <section className={`panel roster${open ? ' roster--open' : ''}`} aria-labelledby="roster-title" data-testid="unit-roster" data-open={open}>
      <div className="panel__title">
        <h2 className="panel__heading" id="roster-title">
          <button type="button" className="roster__fold" aria-expanded={open} aria-controls="roster-list" data-testid="roster-toggle" onClick={toggle}>
            <span aria-hidden="true">{open ? '▾' : '▸'}</span> {t('tools.roster.title')} <span className="panel__count">{list.length}</span>
          </button>
        </h2>
        <span className="roster__sum" aria-label={t('tools.roster.summary')}>
          {UNIT_STATUSES.map((s) => (
            <span key={s} className={`roster__n roster__n--${s}`} data-status={s} title={t(`ops.unitStatus.${s}`)}>
              <span className="roster__dot" aria-hidden="true" />
              {counts[s]}
              <span className="sr-only"> {t(`ops.unitStatus.${s}`)}</span>
            </span>
          ))}
        </span>
      </div>
      {open && (
        <ol className="roster__list" id="roster-list">
          {list.map((u) => {
            const inc = u.incidentId ? incidents[u.incidentId] : undefined;
            const selected = sel?.kind === 'unit' && sel.id === u.id;
            return (
              <li key={u.id} className={`roster__row${selected ? ' roster__row--selected' : ''}`} data-testid="roster-row" data-unit-id={u.id} data-status={u.status}>
                <button type="button" className="roster__btn" onClick={() => show(u)} aria-current={selected || undefined}>
                  <span className={`roster__callsign roster__callsign--${u.status}`}>{unitCallsign(u.id)}</span>
                  <span className="roster__name">{u.name}</span>
                  <span className={`status status--unit-${u.status}`}>{t(`ops.unitStatus.${u.status}`)}</span>
                  <span className="roster__task">{inc ? `${words.type(inc.type)} · ${words.status(inc.status)}` : u.incidentId ? t('tools.roster.onIncident') : words.unitKind(u.kind)}</span>
                  <span className="roster__age" title={t('tools.roster.updated')}>
                    {/* A unit never changed since the city pack was loaded has no time of its own. */}
                    {u.updatedAt > 0 ? formatAge(u.updatedAt, now, i18n.language) : '—'}
                  </span>
                </button>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
