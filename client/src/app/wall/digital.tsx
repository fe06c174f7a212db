/**
 * The wall's "Chuyển đổi số" panel: each digital-government indicator's latest value against
 * its target, its last 12 periods as a sparkline, and whether it met the target. Demo figures
 * say so on the row (contract/indicators.ts `demo`), so nobody reads them as the province's.
 */
import { useTranslation } from 'react-i18next';
import type { IndicatorView } from '../../../../contract/indicators.js';
import { formatNumber } from '../../i18n/format.js';
import { linePaths } from './charts.js';
import { usePolled } from './hooks.js';

const fmt = (v: number, lang: string) => formatNumber(Math.abs(v) < 10 && !Number.isInteger(v) ? Math.round(v * 100) / 100 : Math.round(v * 10) / 10, lang);

function Spark({ def }: { def: IndicatorView }) {
  const W = 120;
  const H = 32;
  const values = def.trend.map((p) => p.value);
  const lo = Math.min(def.target, ...values);
  const hi = Math.max(def.target, ...values);
  const span = hi - lo || 1;
  // Shifted so the lowest figure sits on the floor: small moves near a target stay visible.
  const pts = def.trend.map((p, i) => [i, p.value - lo + span * 0.05] as [number, number]);
  const { line } = linePaths(pts, W, H, span * 1.1);
  const ty = (H - ((def.target - lo + span * 0.05) / (span * 1.1)) * (H - 6) - 3).toFixed(1);
  return (
    <svg className="wdigital__spark" viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" aria-hidden="true">
      <line x1="0" x2={W} y1={ty} y2={ty} className="wdigital__target" vectorEffect="non-scaling-stroke" />
      {line && <path d={line} fill="none" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" strokeLinejoin="round" vectorEffect="non-scaling-stroke" />}
    </svg>
  );
}

export function DigitalPanel() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language.startsWith('en') ? 'en' : 'vi';
  const { data } = usePolled<IndicatorView[]>('/api/indicators', 60_000);
  if (!data) return <p className="wall__muted">{t('wall.loading')}</p>;
  const withValue = data.filter((d) => d.latest);
  const met = withValue.filter((d) => d.met).length;
  const demo = data.some((d) => d.latest?.demo);
  return (
    <div className="wpanel__body wdigital" data-testid="wall-digital" data-met={met} data-total={withValue.length}>
      <p className="wdigital__summary">
        {t('wall.digital.summary', { met, total: withValue.length })}
        {demo && <span className="wdigital__demo" data-testid="wall-digital-demo">{t('wall.digital.demoNote')}</span>}
      </p>
      {data.map((d) => {
        const state = d.met === null ? 'none' : d.met ? 'met' : 'missed';
        const unit = d.unit === '%' ? '%' : ` ${d.unit}`;
        return (
          <div className="wdigital__row" key={d.id} data-indicator={d.id} data-state={state} data-demo={d.latest?.demo ? 'true' : 'false'}>
            <span className="wdigital__name">
              <span className="wdigital__label">{d.name[lang]}</span>
              <small>
                <b>{t('wall.digital.target', { op: d.direction === 'higher' ? '≥' : '≤', value: `${fmt(d.target, i18n.language)}${unit}` })}</b>
                {d.latest ? ` · ${d.latest.period}` : ''} · {d.computed ? t('wall.digital.system') : d.source}
                {d.latest?.demo ? ` · ${t('wall.digital.demo')}` : ''}
              </small>
            </span>
            <Spark def={d} />
            <span className="wdigital__value">{d.latest ? `${fmt(d.latest.value, i18n.language)}${unit}` : '—'}</span>
            <span className="wdigital__state">{d.met === null ? t('wall.digital.noValue') : d.met ? `✓ ${t('wall.digital.met')}` : `✗ ${t('wall.digital.missed')}`}</span>
          </div>
        );
      })}
    </div>
  );
}
