/**
 * Header KPIs: open incidents by severity, MTTA/MTTR today, camera availability,
 * coverage, and feed health (amber/red when a feed is silent or rejecting; click
 * for rejects by reason and recent dead letters).
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { SEVERITIES, type FeedHealth } from '../../../contract/domain.js';
import { formatNumber } from '../i18n/format.js';
import { useFeeds, useKpis } from '../live/hooks.js';
import { feedStatus, pushSample, rejectTotal, worst, type FeedStatus, type Level, type Sample } from './feedHealth.js';
import { FeedHealthPopover } from './FeedHealthPopover.js';
import { formatDuration } from './incidents.js';
import { SeverityIcon } from './SeverityIcon.js';
import { usePopover } from './usePopover.js';
import { useWardCameraAvailability, useWardOpenIncidents } from './ward.js';

export function KpiBar() {
  const { t, i18n } = useTranslation();
  const k = useKpis();
  const pct = (v: number | null | undefined) => (v === null || v === undefined ? t('ops.kpi.none') : `${formatNumber(Math.round(v * 10) / 10, i18n.language)} %`);
  const dur = (s: number | null | undefined) => (s === null || s === undefined ? t('ops.kpi.none') : formatDuration(s, i18n.language));
  // The screen's ward filter narrows the open incidents too (issue #27.7).
  const open = useWardOpenIncidents();
  const cameras = useWardCameraAvailability();
  const incidents = SEVERITIES.reduce((n, s) => n + (open?.[s] ?? 0), 0);
  return (
    <div className="kpis" data-testid="kpis">
      <div className="kpi kpi--incidents" data-testid="kpi-incidents" data-count={incidents} title={t('ops.kpi.incidents')}>
        <span className="kpi__label">{t('ops.kpi.incidents')}</span>
        <span className="kpi__value kpi__sev">
          {SEVERITIES.filter((s) => s !== 'info').map((s) => (
            <span key={s} className={`kpi__sevn sev-chip--${s}${(open?.[s] ?? 0) === 0 ? ' kpi__sevn--zero' : ''}`} data-severity={s}>
              <SeverityIcon severity={s} />
              {open?.[s] ?? 0}
              <span className="sr-only"> {t(`severity.${s}`)}</span>
            </span>
          ))}
        </span>
      </div>
      <Kpi id="mtta" label={`${t('ops.kpi.mtta')}`} hint={t('ops.kpi.today')} value={dur(k?.mttaS)} />
      <Kpi id="mttr" label={`${t('ops.kpi.mttr')}`} hint={t('ops.kpi.today')} value={dur(k?.mttrS)} />
      <Kpi id="cameras" label={t('ops.kpi.cameras')} value={pct(cameras)} level={level(cameras, 95, 85)} />
      {/* Coverage is of the city's area, not of a 100 % target: no colour, the wards' choropleth shows losses. */}
      <Kpi id="coverage" label={t('ops.kpi.coverage')} value={pct(k?.coveragePct)} />
      <FeedChip />
    </div>
  );
}

const level = (v: number | null | undefined, warnBelow: number, badBelow: number): Level =>
  v === null || v === undefined ? 'ok' : v < badBelow ? 'bad' : v < warnBelow ? 'warn' : 'ok';

function Kpi({ id, label, value, hint, level: lv = 'ok' }: { id: string; label: string; value: string; hint?: string; level?: Level }) {
  return (
    <div className={`kpi kpi--${lv}`} data-testid={`kpi-${id}`} data-level={lv} title={hint ? `${label} (${hint})` : label}>
      <span className="kpi__label">{label}</span>
      <span className="kpi__value">{value}</span>
    </div>
  );
}

/** Per-feed status, remembering reject counts over the last minutes to tell "rejecting now" from "rejected once". */
export function useFeedStatuses(): { feed: FeedHealth; status: FeedStatus; level: Level }[] {
  const feeds = useFeeds();
  const history = useRef(new Map<string, Sample[]>());
  const [, force] = useState(0);
  useEffect(() => {
    const at = Date.now();
    for (const f of feeds) history.current.set(f.feed, pushSample(history.current.get(f.feed) ?? [], { at, rejected: rejectTotal(f), messages: f.messages }));
    force((n) => n + 1);
  }, [feeds]);
  return useMemo(() => feeds.map((f) => ({ feed: f, ...feedStatus(f, history.current.get(f.feed) ?? []) })), [feeds]);
}

function FeedChip() {
  const { t } = useTranslation();
  const statuses = useFeedStatuses();
  const lv = worst(statuses.map((s) => s.level));
  const { open, setOpen, ref } = usePopover();
  const word = lv === 'bad' ? t('ops.kpi.feedsBad') : lv === 'warn' ? t('ops.kpi.feedsWarn') : t('ops.kpi.feedsOk');
  return (
    <div className="kpi-pop" ref={ref}>
      <button type="button" className={`kpi kpi--btn kpi--${lv}`} data-testid="kpi-feeds" data-level={lv} aria-expanded={open} aria-haspopup="dialog" onClick={() => setOpen(!open)}>
        <span className="kpi__label">{t('ops.kpi.feeds')}</span>
        <span className="kpi__value">
          <span className={`dot dot--${lv}`} /> {word}
        </span>
      </button>
      {open && <FeedHealthPopover statuses={statuses} />}
    </div>
  );
}
