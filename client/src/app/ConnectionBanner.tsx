/** Shown only while disconnected: says since when, and that the screen shows old data. */
import { useTranslation } from 'react-i18next';
import { formatTime } from '../i18n/format.js';
import { useConnection } from '../live/hooks.js';

export function ConnectionBanner({ timeZone }: { timeZone: string }) {
  const { t, i18n } = useTranslation();
  const { state, since } = useConnection();
  if (state !== 'offline') return null;
  return (
    <div className="banner" role="alert" data-testid="offline-banner">
      <svg className="banner__icon" viewBox="0 0 16 16" aria-hidden="true">
        <path d="M8 1.5l7 13H1z" />
        <path className="banner__mark" d="M7 6h2v4H7zM7 11h2v2H7z" />
      </svg>
      <strong>{t('connection.banner', { time: formatTime(since, i18n.language, timeZone) })}</strong>
      <span className="banner__sub">{t('connection.reconnecting')}</span>
    </div>
  );
}
