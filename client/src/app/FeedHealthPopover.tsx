/** Feed health detail: per feed rate, last message, rejects by reason; recent dead letters from /api/feeds/health. */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { FeedHealth } from '../../../contract/domain.js';
import { formatAge, formatNumber, formatTime } from '../i18n/format.js';
import { apiGet } from './api.js';
import type { FeedStatus, Level } from './feedHealth.js';
import { useTimeZone } from './timezone.js';

interface DeadLetter {
  at: number;
  feed: string;
  topic: string;
  reason: string;
  detail: string;
}

export function FeedHealthPopover({ statuses }: { statuses: { feed: FeedHealth; status: FeedStatus; level: Level }[] }) {
  const { t, i18n } = useTranslation();
  const tz = useTimeZone();
  const [dead, setDead] = useState<DeadLetter[] | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let current = true;
    apiGet<{ deadLetters: DeadLetter[] }>('/api/feeds/health')
      .then((d) => current && setDead(d.deadLetters.slice(0, 8)))
      .catch(() => current && setFailed(true));
    return () => {
      current = false;
    };
  }, []);
  return (
    <div className="popover" role="dialog" aria-label={t('ops.feeds.title')} data-testid="feed-popover">
      <h3 className="popover__title">{t('ops.feeds.title')}</h3>
      <table className="feeds">
        <thead>
          <tr>
            <th>{t('ops.feeds.feed')}</th>
            <th>{t('ops.feeds.rate')}</th>
            <th>{t('ops.feeds.last')}</th>
            <th>{t('ops.feeds.rejects')}</th>
          </tr>
        </thead>
        <tbody>
          {statuses.map(({ feed: f, status, level }) => (
            <tr key={f.feed} data-feed={f.feed} data-status={status} data-level={level}>
              <th scope="row">
                <span className={`dot dot--${level}`} /> {t(`ops.feeds.name.${f.feed}`)}
                <span className="feeds__status">{t(`ops.feeds.status.${status}`)}</span>
              </th>
              <td>{formatNumber(f.rate, i18n.language)}</td>
              <td>{f.lastMessageAt ? formatAge(f.lastMessageAt, f.at, i18n.language) : '—'}</td>
              <td>
                {Object.keys(f.rejected).length === 0
                  ? '0'
                  : Object.entries(f.rejected).map(([reason, n]) => (
                      <span key={reason} className="tag" data-reason={reason}>
                        {reason}: {formatNumber(n, i18n.language)}
                      </span>
                    ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h4 className="popover__sub">{t('ops.feeds.deadLetters')}</h4>
      {failed ? (
        <p className="muted">{t('ops.feeds.error')}</p>
      ) : dead === null ? (
        <p className="muted">{t('ops.feeds.loading')}</p>
      ) : dead.length === 0 ? (
        <p className="muted">{t('ops.feeds.noDeadLetters')}</p>
      ) : (
        <ul className="dead" data-testid="dead-letters">
          {dead.map((d, i) => (
            <li key={`${d.at}-${i}`}>
              <time>{formatTime(d.at, i18n.language, tz, true)}</time> <code>{d.topic}</code> <span className="tag">{d.reason}</span>
              <span className="dead__detail">{d.detail}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
