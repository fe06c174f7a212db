/**
 * /audit: the audit trail of the last 24 hours (GET /api/audit), newest first,
 * for supervisors and admins (audit:view). Anyone else is refused by the
 * server, and this page says so instead of showing an empty table.
 */
import '../auth/auth.css';
import './tools.css';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { authFetch } from '../auth/session.js';
import { formatDate, formatTime } from '../i18n/format.js';
import { registerOpsStrings } from './strings/register.js';

registerOpsStrings();

interface AuditRow {
  at: number;
  entity: string;
  type: string;
  id: string;
  by: string;
  role?: string;
  address?: string;
  result: 'ok' | 'refused';
  note?: string;
}

type Load = { state: 'loading' } | { state: 'refused' } | { state: 'failed' } | { state: 'ready'; rows: AuditRow[] };

export function AuditPage({ timeZone = 'Asia/Ho_Chi_Minh' }: { timeZone?: string }) {
  const { t, i18n } = useTranslation();
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [query, setQuery] = useState('');

  useEffect(() => {
    authFetch('/api/audit?limit=1000')
      .then(async (res) => {
        if (res.status === 403) return setLoad({ state: 'refused' });
        const body = (await res.json()) as { ok: boolean; data?: AuditRow[] };
        setLoad(body.ok && body.data ? { state: 'ready', rows: body.data } : { state: 'failed' });
      })
      .catch(() => setLoad({ state: 'failed' }));
  }, []);

  const q = query.trim().toLocaleLowerCase();
  const rows = load.state === 'ready' ? load.rows.filter((r) => !q || [r.by, r.type, r.id, r.entity, r.note ?? ''].some((v) => v.toLocaleLowerCase().includes(q))) : [];

  return (
    <main className="admin audit" data-testid="audit-page" data-state={load.state} data-count={load.state === 'ready' ? load.rows.length : ''}>
      <header className="audit__bar">
        <a href="/" className="replay__back">
          ← {t('tools.back')}
        </a>
        <h1>{t('tools.audit')}</h1>
        <input type="search" className="audit__search" placeholder={t('tools.auditSearch')} aria-label={t('tools.auditSearch')} value={query} onChange={(e) => setQuery(e.target.value)} />
      </header>
      {load.state === 'loading' && <p className="muted">{t('ops.detail.loading')}</p>}
      {load.state === 'refused' && (
        <p className="audit__refused" role="alert" data-testid="audit-refused">
          {t('tools.auditRefused')}
        </p>
      )}
      {load.state === 'failed' && <p className="audit__refused">{t('tools.auditFailed')}</p>}
      {load.state === 'ready' && (
        <table className="audit__table">
          <thead>
            <tr>
              <th>{t('tools.auditCol.at')}</th>
              <th>{t('tools.auditCol.by')}</th>
              <th>{t('tools.auditCol.what')}</th>
              <th>{t('tools.auditCol.target')}</th>
              <th>{t('tools.auditCol.result')}</th>
              <th>{t('tools.auditCol.note')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={`${r.at}-${i}`} data-testid="audit-row" className={r.result === 'refused' ? 'audit__row--refused' : undefined}>
                <td>
                  {formatDate(r.at, i18n.language, timeZone)} {formatTime(r.at, i18n.language, timeZone, true)}
                </td>
                <td>
                  {r.by}
                  {r.role ? ` (${t(`auth.role.${r.role}`, { defaultValue: r.role })})` : ''}
                </td>
                <td>
                  {r.entity}:{r.type}
                </td>
                <td>{r.id}</td>
                <td>{r.result === 'ok' ? t('tools.auditOk') : t('tools.auditRefusedRow')}</td>
                <td>{r.note ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
