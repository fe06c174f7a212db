/** "Data as of HH:MM:SS": on every panel while the link is down (review item 1). */
import { useTranslation } from 'react-i18next';
import { formatTime } from '../i18n/format.js';
import { useConnection, useLastUpdate } from '../live/hooks.js';
import { useTimeZone } from './timezone.js';

export function StaleStamp() {
  const { t, i18n } = useTranslation();
  const { state, since } = useConnection();
  const last = useLastUpdate();
  const tz = useTimeZone();
  if (state !== 'offline') return null;
  return (
    <p className="stale-stamp" data-testid="stale-stamp">
      <svg viewBox="0 0 16 16" aria-hidden="true" className="stale-stamp__icon">
        <path d="M8 2a6 6 0 1 0 0 12A6 6 0 1 0 8 2zm-.9 2.5h1.8v3.2l2.3 1.7-1 1.4-3.1-2.3z" fillRule="evenodd" />
      </svg>
      {t('ops.stale.asOf', { time: formatTime(last ?? since, i18n.language, tz, true) })}
    </p>
  );
}
