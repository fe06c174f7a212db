/** Open incidents in the contract's order (severity, then no unit yet, then age): type, status, units and age; one with no unit is marked. */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { CityPack } from '../../../contract/citypack.js';
import { needsUnit } from '../../../contract/dispatch.js';
import { activeUnits, type Incident } from '../../../contract/domain.js';
import { formatAge, formatTime } from '../i18n/format.js';
import { useClockOffset, useConnection } from '../live/hooks.js';
import { openIncidents } from './incidents.js';
import { placeOf, useWardName, useWords } from './names.js';
import { SeverityIcon } from './SeverityIcon.js';
import { StaleStamp } from './StaleStamp.js';
import { openClosedList } from './ClosedIncidents.js';
import { flyTo, select, useSelection } from './ui.js';
import { useNow } from './useNow.js';
import { useWardIncidents } from './ward.js';

export function IncidentsPanel({ pack }: { pack: CityPack }) {
  const { t, i18n } = useTranslation();
  // Narrowed to the screen's ward filter (issue #27.7).
  const incidents = useWardIncidents();
  const words = useWords(pack);
  const list = useMemo(() => openIncidents(incidents), [incidents]);
  const sel = useSelection();
  const stale = useConnection().state === 'offline';
  const now = useNow(10_000) + useClockOffset();
  const ward = useWardName(pack);

  const open = (i: Incident) => {
    select({ kind: 'incident', id: i.id }, true);
    if (i.position) flyTo(i.position);
  };

  return (
    <section className={`panel incidents${stale ? ' is-stale' : ''}`} aria-labelledby="incidents-title" data-testid="incidents-panel" data-count={list.length}>
      <div className="panel__title">
        <h2 className="panel__heading" id="incidents-title">
          {t('ops.incidents.title')} <span className="panel__count">{list.length}</span>
        </h2>
        {/* Today's closed incidents, to review or reopen (ClosedIncidents.tsx; key l). */}
        <button type="button" className="btn btn--sm btn--ghost" data-testid="closed-list-open" aria-haspopup="dialog" onClick={openClosedList}>
          {t('desk.closed.open')}
        </button>
      </div>
      {stale && <StaleStamp />}
      {list.length === 0 ? (
        <p className="alerts__empty">{t('ops.incidents.empty')}</p>
      ) : (
        <ol className="incidents__list">
          {list.map((i) => {
            const working = activeUnits(i);
            const need = needsUnit(i);
            const selected = sel?.kind === 'incident' && sel.id === i.id;
            return (
              <li
                key={i.id}
                className={`inc-row alert-row--${i.severity}${selected ? ' inc-row--selected' : ''}${need ? ' inc-row--needs-unit' : ''}`}
                data-testid="incident-row"
                data-incident-id={i.id}
                data-status={i.status}
                data-needs-unit={need}
              >
                <button type="button" className="inc-row__btn" onClick={() => open(i)} aria-current={selected || undefined}>
                  <span className="inc-row__what">
                    <SeverityIcon severity={i.severity} />
                    <span className="sr-only">{t(`severity.${i.severity}`)}: </span>
                    <span className="inc-row__type">{words.type(i.type)}</span>
                  </span>
                  <span className={`status status--${i.status}`}>{words.status(i.status)}</span>
                  {/* "No unit yet" goes first: a long address may be cut short, the officer's cue may not. */}
                  <span className="inc-row__meta">
                    {need && (
                      <>
                        <span className="inc-row__need" data-testid="needs-unit">
                          {t('ops.incidents.needsUnit')}
                        </span>
                        {placeOf(i, ward) && ' · '}
                      </>
                    )}
                    {placeOf(i, ward)}
                    {!need && working.length > 0 && placeOf(i, ward) && ' · '}
                    {!need && working.map((u) => words.unit(u.unitId)).join(', ')}
                  </span>
                  <span className="inc-row__age">
                    {stale ? formatTime(i.createdAt, i18n.language, pack.meta.timezone) : now - i.createdAt < 10_000 ? t('ops.time.justNow') : formatAge(i.createdAt, now, i18n.language)}
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
