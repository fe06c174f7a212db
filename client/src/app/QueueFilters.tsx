/**
 * The queue's header controls: per-severity counts that double as severity
 * filters, then type, ward and acknowledgement filters.
 */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { CityPack } from '../../../contract/citypack.js';
import { SEVERITIES } from '../../../contract/domain.js';
import { type Alert } from '../../../contract/alerts.js';
import { RULE_GROUPS, type RuleGroup } from './alertText.js';
import { packPlaceNames } from './names.js';
import { countBySeverity, isFiltered, type AckFilter } from './queue.js';
import { SeverityIcon } from './SeverityIcon.js';
import { resetFilters, setFilters, useFilters } from './ui.js';

export function SeverityFilter({ alerts }: { alerts: readonly Alert[] }) {
  const { t } = useTranslation();
  const f = useFilters();
  const counts = useMemo(() => countBySeverity(alerts), [alerts]);
  const toggle = (s: (typeof SEVERITIES)[number]) =>
    setFilters({ severities: f.severities.includes(s) ? f.severities.filter((x) => x !== s) : [...f.severities, s] });
  return (
    <div className="qsev" role="group" aria-label={t('ops.queue.severityFilter')} data-testid="queue-severity">
      {SEVERITIES.map((s) => (
        <button
          key={s}
          type="button"
          className={`qsev__btn sev-chip--${s}${counts[s] === 0 ? ' qsev__btn--zero' : ''}`}
          aria-pressed={f.severities.includes(s)}
          data-severity={s}
          data-count={counts[s]}
          title={t(`severity.${s}`)}
          onClick={() => toggle(s)}
        >
          <SeverityIcon severity={s} />
          <span className="qsev__n">{counts[s]}</span>
          <span className="sr-only">{t(`severity.${s}`)}</span>
        </button>
      ))}
    </div>
  );
}

export function QueueFilters({ pack }: { pack: CityPack }) {
  const { t, i18n } = useTranslation();
  const f = useFilters();
  const wards = useMemo(() => {
    const names = packPlaceNames(pack).wards;
    // Every ward of the city: the choice narrows the whole screen, not only the queue's alerts (issue #27.7).
    const ids = new Set(names.keys());
    if (f.wardId) ids.add(f.wardId);
    return [...ids].map((id) => [id, (i18n.language === 'en' ? names.get(id)?.nameEn : names.get(id)?.name) ?? id] as const).sort((a, b) => a[1].localeCompare(b[1], i18n.language));
  }, [pack, f.wardId, i18n.language]);
  return (
    <div className="qfilters" data-testid="queue-filters">
      <select
        className="qfilters__select"
        aria-label={t('ops.queue.typeFilter')}
        data-testid="filter-type"
        value={f.group ?? ''}
        onChange={(e) => setFilters({ group: (e.target.value || null) as RuleGroup | null })}
      >
        <option value="">{t('ops.queue.allTypes')}</option>
        {RULE_GROUPS.map((g) => (
          <option key={g} value={g}>
            {t(`ops.ruleGroup.${g}`)}
          </option>
        ))}
      </select>
      <select
        className="qfilters__select"
        aria-label={t('ops.queue.wardFilter')}
        data-testid="filter-ward"
        value={f.wardId ?? ''}
        onChange={(e) => setFilters({ wardId: e.target.value || null })}
      >
        <option value="">{t('ops.queue.allWards')}</option>
        {wards.map(([id, name]) => (
          <option key={id} value={id}>
            {name}
          </option>
        ))}
      </select>
      <select
        className="qfilters__select"
        aria-label={t('ops.queue.ackFilter')}
        data-testid="filter-ack"
        value={f.ack}
        onChange={(e) => setFilters({ ack: e.target.value as AckFilter })}
      >
        <option value="all">{t('ops.queue.ackAll')}</option>
        <option value="unacked">{t('ops.queue.ackOpen')}</option>
        <option value="acked">{t('ops.queue.ackDone')}</option>
      </select>
      {isFiltered(f) && (
        <button type="button" className="btn btn--ghost btn--sm" onClick={resetFilters} data-testid="filter-reset">
          {t('ops.queue.clearFilters')}
        </button>
      )}
    </div>
  );
}
