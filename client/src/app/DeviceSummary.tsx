/** Up/total per device family, with a bar and the count down (the number that needs action). */
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../i18n/format.js';
import { useConnection } from '../live/hooks.js';
import type { UpTotal } from '../live/selectors.js';
import { StaleStamp } from './StaleStamp.js';
import { useWardDeviceSummary } from './ward.js';

export function DeviceSummary() {
  const { t } = useTranslation();
  // Cameras and stations of the screen's ward when one is chosen (issue #27.7).
  const s = useWardDeviceSummary();
  const stale = useConnection().state === 'offline';
  return (
    <section className={`panel devices${stale ? ' is-stale' : ''}`} aria-labelledby="devices-title" data-testid="device-summary" data-stale={stale || undefined}>
      <div className="panel__title">
        <h2 className="panel__heading" id="devices-title">
          {t('devices.title')}
        </h2>
      </div>
      <StaleStamp />
      <dl className="devices__list">
        <Row kind="cameras" label={t('devices.cameras')} v={s.cameras} stale={stale} />
        <Row kind="stations" label={t('devices.stations')} v={s.stations} stale={stale} />
        <Row kind="links" label={t('devices.links')} v={s.links} stale={stale} />
      </dl>
    </section>
  );
}

/** Offline, "all up" would be a claim about now: say it is the last known state instead. */
function Row({ kind, label, v, stale }: { kind: string; label: string; v: UpTotal; stale: boolean }) {
  const { t, i18n } = useTranslation();
  const pct = v.total > 0 ? (100 * v.up) / v.total : 0;
  return (
    <div className="dev-row" data-kind={kind} data-up={v.up} data-total={v.total}>
      <dt className="dev-row__label">{label}</dt>
      <dd className="dev-row__value">
        <span className="dev-row__ratio">
          {formatNumber(v.up, i18n.language)}
          <span className="dev-row__total">/{formatNumber(v.total, i18n.language)}</span>
        </span>
        {stale ? (
          <span className="dev-row__stale">{t('ops.stale.badge')}</span>
        ) : v.down > 0 ? (
          <span className="dev-row__down">{t('devices.down', { count: v.down })}</span>
        ) : (
          v.total > 0 && v.up === v.total && <span className="dev-row__ok">{t('devices.allUp')}</span>
        )}
      </dd>
      <div className="dev-row__bar" aria-hidden="true">
        <span style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}
