/**
 * The wall's rotating panels. Each fetches what it shows when it mounts (and
 * refreshes while up); unmounting drops it all, so days of rotation hold no
 * growing state.
 */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { CityPack } from '../../../../contract/citypack.js';
import { INCIDENT_TYPES, SEVERITIES, type Severity } from '../../../../contract/domain.js';
import { formatNumber } from '../../i18n/format.js';
import { useCameras } from '../../live/hooks.js';
import { Bar, coverageLevel, healthColor, LEVEL_COLOR, LineChart } from './charts.js';
import { usePolled } from './hooks.js';

const SEV_COLOR: Record<Severity, string> = { critical: 'var(--critical)', major: 'var(--major)', minor: 'var(--minor)', info: 'var(--info)' };

interface Today {
  total: number;
  byType: Record<string, Partial<Record<Severity, number>>>;
  acknowledge: Stat;
  arrive: Stat;
  resolve: Stat;
}
interface Stat {
  n: number;
  meanS: number | null;
  medianS: number | null;
}

export function IncidentsPanel() {
  const { t } = useTranslation();
  const { data } = usePolled<Today>('/api/wall/today', 15_000);
  if (!data) return <p className="wall__muted">{t('wall.loading')}</p>;
  const rows = INCIDENT_TYPES.map((type) => ({ type, sev: data.byType[type] ?? {} }))
    .map((r) => ({ ...r, n: SEVERITIES.reduce((a, s) => a + (r.sev[s] ?? 0), 0) }))
    .filter((r) => r.n > 0)
    .sort((a, b) => b.n - a.n);
  const max = Math.max(1, ...rows.map((r) => r.n));
  return (
    <div className="wpanel__body" data-testid="wall-incidents" data-total={data.total}>
      <p className="wall__big" data-testid="wall-total">{t('wall.total', { count: data.total })}</p>
      <div className="wall__legend">
        {SEVERITIES.map((s) => (
          <span key={s}>
            <i style={{ background: SEV_COLOR[s] }} />
            {t(`severity.${s}`)}
          </span>
        ))}
      </div>
      {rows.length === 0 && <p className="wall__muted">{t('wall.none')}</p>}
      {rows.map((r) => (
        <div className="wstack" key={r.type} data-type={r.type}>
          <span className="wbar__label">{t(`wall.type.${r.type}`)}</span>
          <span className="wstack__track">
            {SEVERITIES.map((s) => (r.sev[s] ? <span key={s} style={{ width: `${((r.sev[s] ?? 0) / max) * 100}%`, background: SEV_COLOR[s] }} /> : null))}
          </span>
          <span className="wbar__figure">{r.n}</span>
        </div>
      ))}
    </div>
  );
}

export function CamerasPanel({ pack }: { pack: CityPack }) {
  const { t, i18n } = useTranslation();
  const cameras = useCameras();
  const s = useMemo(() => {
    const c = { online: 0, degraded: 0, offline: 0, unknown: 0 };
    const wards = new Map<string, { up: number; total: number }>();
    for (const cam of Object.values(cameras)) {
      const st = cam.stale && cam.state !== 'unknown' ? 'offline' : cam.state;
      c[st]++;
      const w = wards.get(cam.wardId ?? '') ?? { up: 0, total: 0 };
      w.total++;
      if (st === 'online' || st === 'degraded') w.up++;
      wards.set(cam.wardId ?? '', w);
    }
    const known = c.online + c.degraded + c.offline;
    return { c, known, pct: known ? Math.round(((c.online + c.degraded) / known) * 1000) / 10 : null, wards };
  }, [cameras]);
  const names = new Map(pack.wards.features.map((w) => [w.properties.id, w.properties.name]));
  const wards = [...s.wards.entries()].filter(([id]) => id).sort((a, b) => a[1].up / a[1].total - b[1].up / b[1].total).slice(0, 8);
  return (
    <div className="wpanel__body" data-testid="wall-cameras">
      <p className="wall__hero" style={{ color: healthColor(s.pct) }}>
        {s.pct === null ? '—' : `${formatNumber(s.pct, i18n.language)} %`}
        <small>{t('wall.availability')}</small>
      </p>
      <div className="wall__counts">
        <span data-state="online"><b>{s.c.online}</b> {t('wall.online')}</span>
        <span data-state="degraded"><b>{s.c.degraded}</b> {t('wall.degraded')}</span>
        <span data-state="offline"><b>{s.c.offline}</b> {t('wall.offlineCams')}</span>
        {s.c.unknown > 0 && <span data-state="unknown"><b>{s.c.unknown}</b> {t('wall.unknown')}</span>}
      </div>
      {wards.map(([id, w]) => (
        <Bar key={id} label={names.get(id) ?? id} value={w.up} max={w.total} figure={`${w.up}/${w.total}`} color={healthColor((100 * w.up) / w.total)} />
      ))}
    </div>
  );
}

interface Coverage {
  city: { populationPct: number | null };
  wards: { wardId: string; name: string; coveredPct: number; baselinePct: number; uncoveredPct: number }[];
  operators: { operator: string; tech: string; stations: number; stationsUp: number; populationPct: number | null }[];
}

export function CoveragePanel() {
  const { t, i18n } = useTranslation();
  const { data } = usePolled<Coverage>('/api/coverage', 15_000);
  if (!data) return <p className="wall__muted">{t('wall.loading')}</p>;
  const wards = [...data.wards].sort((a, b) => b.uncoveredPct - a.uncoveredPct || a.coveredPct - b.coveredPct).slice(0, 8);
  const ops = [...new Set(data.operators.map((o) => o.operator))];
  const techs = ['3G', '4G', '5G'];
  const pct = (v: number | null) => (v === null ? '—' : `${formatNumber(Math.round(v), i18n.language)}%`);
  return (
    <div className="wpanel__body" data-testid="wall-coverage">
      <p className="wall__big">
        {t('wall.city')}: <b style={{ color: healthColor(data.city.populationPct) }}>{pct(data.city.populationPct)}</b>
      </p>
      {wards.map((w) => {
        const level = coverageLevel(w.coveredPct, w.uncoveredPct);
        return <Bar key={w.wardId} label={w.name} value={w.coveredPct} max={100} figure={pct(w.coveredPct)} color={LEVEL_COLOR[level]} level={level} alarm={w.uncoveredPct > 0} testId={`coverage-${w.wardId}`} />;
      })}
      <h3 className="wall__sub">{t('wall.byOperator')}</h3>
      <table className="wgrid">
        <thead>
          <tr>
            <th />
            {techs.map((x) => (
              <th key={x}>{x}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {ops.map((op) => (
            <tr key={op}>
              <th>{op}</th>
              {techs.map((tech) => {
                const o = data.operators.find((x) => x.operator === op && x.tech === tech);
                const down = o && o.stations > o.stationsUp;
                return (
                  <td key={tech} style={{ color: o?.stations ? healthColor(down ? (100 * o.stationsUp) / o.stations : 100) : undefined }}>
                    {o?.stations ? pct(o.populationPct) : '—'}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface Trends {
  series: Record<'incidents' | 'violations' | 'congestionQueueM' | 'stationAvailabilityPct', [number, number | null][]>;
}

export function TrendsPanel() {
  const { t, i18n } = useTranslation();
  const { data } = usePolled<Trends>('/api/trends?hours=24', 60_000);
  if (!data) return <p className="wall__muted">{t('wall.loading')}</p>;
  const sum = (k: keyof Trends['series']) => data.series[k].reduce((n, [, v]) => n + (v ?? 0), 0);
  const last = (k: keyof Trends['series']) => [...data.series[k]].reverse().find(([, v]) => v !== null)?.[1] ?? null;
  const f = (v: number | null, unit = '') => (v === null ? '—' : `${formatNumber(Math.round(v), i18n.language)}${unit}`);
  return (
    <div className="wpanel__body wtrends" data-testid="wall-trends">
      <LineChart testId="trend-incidents" points={data.series.incidents} color="var(--major)" label={t('wall.incidentsSeries')} value={f(sum('incidents'))} />
      <LineChart testId="trend-violations" points={data.series.violations} color="var(--minor)" label={t('wall.violationsSeries')} value={f(sum('violations'))} />
      <LineChart testId="trend-congestion" points={data.series.congestionQueueM} color="var(--critical)" label={t('wall.congestionSeries')} value={f(last('congestionQueueM'), ' m')} />
      <LineChart testId="trend-stations" points={data.series.stationAvailabilityPct} color="var(--ok)" label={t('wall.stationSeries')} value={f(last('stationAvailabilityPct'), '%')} max={100} />
    </div>
  );
}

export function ResponsePanel() {
  const { t } = useTranslation();
  const { data } = usePolled<Today>('/api/wall/today', 15_000);
  if (!data) return <p className="wall__muted">{t('wall.loading')}</p>;
  const dur = (s: number | null) => (s === null ? '—' : s < 120 ? t('wall.sec', { value: s }) : t('wall.min', { value: Math.round(s / 60) }));
  const items: [string, Stat, string][] = [
    ['ack', data.acknowledge, 'var(--info)'],
    ['arrive', data.arrive, 'var(--minor)'],
    ['resolve', data.resolve, 'var(--ok)'],
  ];
  return (
    <div className="wpanel__body wresp" data-testid="wall-response">
      {items.map(([k, s, color]) => (
        <div className="wresp__item" key={k} data-kind={k}>
          <span className="wresp__label">{t(`wall.${k}`)}</span>
          <span className="wresp__value" style={{ color }}>{dur(s.meanS)}</span>
          <span className="wresp__sub">
            {s.n > 0 ? `${t('wall.mean')} · ${t('wall.median', { value: dur(s.medianS) })} · ${t('wall.count', { count: s.n })}` : t('wall.noData')}
          </span>
        </div>
      ))}
    </div>
  );
}
