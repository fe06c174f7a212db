/**
 * /admin: users (add, role, unit, disable, reset password, end sessions) and
 * wall display tokens (issue, list, revoke). The server checks every action
 * (server/auth/permissions.ts); this page only offers what the role may do.
 * Generated passwords and new display tokens are shown once, here.
 * Ingest tokens (admin only): who may push CAP alerts and station lists into
 * /api/ingest/* (server/ingest/tokens.ts); a new one is shown once, here too.
 */
import '../auth/auth.css';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { INGEST_SCOPES, ROLES, type DisplayTokenInfo, type IngestScope, type IngestTokenInfo, type IngestTokenStatus, type Role, type UserInfo } from '../../../contract/auth.js';
import type { CityPack } from '../../../contract/citypack.js';
import { authFetch } from '../auth/session.js';
import { formatCityInput } from './replay/cityTime.js';
import { useSession } from '../auth/hooks.js';

interface AdminUser extends UserInfo {
  disabled: boolean;
  sessions: number;
}
type IngestToken = IngestTokenInfo & { status: IngestTokenStatus };
interface NewIngestToken {
  name: string;
  senders: string[];
  scopes: IngestScope[];
  ttlDays?: number;
}

async function call<T>(method: string, url: string, body?: unknown): Promise<{ ok: true; data: T } | { ok: false; message: string }> {
  const res = await authFetch(url, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  const r = (await res.json().catch(() => ({ ok: false, error: { message: `HTTP ${res.status}` } }))) as { ok: boolean; data?: T; error?: { message: string } };
  return r.ok ? { ok: true, data: r.data as T } : { ok: false, message: r.error?.message ?? `HTTP ${res.status}` };
}

export function AdminPage() {
  const { t } = useTranslation();
  const session = useSession();
  const isAdmin = session?.user.role === 'admin';
  const [users, setUsers] = useState<AdminUser[]>([]);
  const [tokens, setTokens] = useState<DisplayTokenInfo[]>([]);
  const [ingest, setIngest] = useState<IngestToken[]>([]);
  const [notice, setNotice] = useState<{ kind: 'secret' | 'error' | 'ok'; text: string } | null>(null);
  // Times here are the city's, written as on every other screen (dd/mm/yyyy HH:mm), whatever the browser's zone.
  // The city pack also lists the units a responder account can be bound to.
  const [pack, setPack] = useState<CityPack | null>(null);
  useEffect(() => {
    void authFetch('/api/citypack')
      .then((r) => (r.ok ? (r.json() as Promise<CityPack>) : null))
      .then(setPack)
      .catch(() => undefined);
  }, []);
  const when = (ms: number) => (pack ? formatCityInput(ms, pack.meta.timezone) : '…');

  const load = useCallback(async () => {
    const u = await call<AdminUser[]>('GET', '/api/admin/users');
    if (u.ok) setUsers(u.data);
    else setNotice({ kind: 'error', text: u.message });
    if (isAdmin) {
      const d = await call<DisplayTokenInfo[]>('GET', '/api/admin/display-tokens');
      if (d.ok) setTokens(d.data);
      const i = await call<IngestToken[]>('GET', '/api/admin/ingest-tokens');
      if (i.ok) setIngest(i.data);
    }
  }, [isAdmin]);
  useEffect(() => void load(), [load]);
  // The wall links to /admin#displays when opened without a display token (wall/WallGate.tsx).
  useEffect(() => {
    if (isAdmin && window.location.hash === '#displays') document.getElementById('displays')?.scrollIntoView();
  }, [isAdmin]);

  const act = async <T,>(p: Promise<{ ok: true; data: T } | { ok: false; message: string }>, done: (d: T) => string | null) => {
    const r = await p;
    if (!r.ok) setNotice({ kind: 'error', text: r.message });
    else {
      const secret = done(r.data);
      setNotice(secret ? { kind: 'secret', text: secret } : { kind: 'ok', text: t('admin.saved') });
    }
    await load();
  };

  if (!session || (session.user.role !== 'admin' && session.user.role !== 'supervisor')) {
    return (
      <main className="admin" data-testid="admin-page">
        <p role="alert">{t('admin.forbidden')}</p>
        <a href="/">{t('admin.back')}</a>
      </main>
    );
  }

  return (
    <main className="admin" data-testid="admin-page">
      <header className="admin__head">
        <h1>{t('admin.title')}</h1>
        <a href="/">{t('admin.back')}</a>
      </header>
      {notice && (
        <p className={`admin__notice admin__notice--${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid="admin-notice">
          {notice.kind === 'secret' ? t('admin.showOnce') : ''} <code>{notice.text}</code>
        </p>
      )}

      <section aria-labelledby="admin-users">
        <h2 id="admin-users">{t('admin.users')}</h2>
        <AddUser
          roles={ROLES.filter((r) => r !== 'wall' && (isAdmin || r !== 'admin'))}
          onAdd={(body) => act(call<{ password: string | null }>('POST', '/api/admin/users', body), (d) => d.password)}
        />
        <table className="admin__table" data-testid="admin-users">
          <thead>
            <tr>
              <th>{t('auth.username')}</th>
              <th>{t('admin.name')}</th>
              <th>{t('admin.role')}</th>
              <th>{t('admin.unit')}</th>
              <th>{t('admin.sessions')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id} data-username={u.username} className={u.disabled ? 'admin__row--disabled' : ''}>
                <td>{u.username}</td>
                <td>{u.displayName}</td>
                <td>{t(`auth.role.${u.role}`)}</td>
                <td>
                  {/* A responder's phone shows its unit's work: the unit is set here (the phone says so when none is). */}
                  {u.role === 'responder' && pack ? (
                    <select
                      aria-label={`${t('admin.unit')} · ${u.username}`}
                      data-testid="user-unit"
                      value={u.unitId ?? ''}
                      onChange={(e) => void act(call('PATCH', `/api/admin/users/${u.id}`, { unitId: e.target.value || null }), () => null)}
                    >
                      {u.unitId === null && <option value="">—</option>}
                      {pack.sites.units.map((x) => (
                        <option key={x.id} value={x.id}>
                          {x.name} ({x.id})
                        </option>
                      ))}
                    </select>
                  ) : (
                    (u.unitId ?? '—')
                  )}
                </td>
                <td>{u.sessions}</td>
                <td className="admin__actions">
                  {(isAdmin || u.role !== 'admin') && (
                    <>
                      <button type="button" onClick={() => void act(call('PATCH', `/api/admin/users/${u.id}`, { disabled: !u.disabled }), () => null)}>
                        {u.disabled ? t('admin.enable') : t('admin.disable')}
                      </button>
                      <button type="button" onClick={() => void act(call<{ password: string | null }>('POST', `/api/admin/users/${u.id}/password`, {}), (d) => d.password)}>
                        {t('admin.resetPassword')}
                      </button>
                      <button type="button" onClick={() => void act(call('POST', `/api/admin/sessions/${u.id}/revoke`), () => null)}>
                        {t('admin.endSessions')}
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      {isAdmin && (
        <section id="displays" aria-labelledby="admin-displays">
          <h2 id="admin-displays">{t('admin.displays')}</h2>
          <IssueToken onIssue={(body) => act(call<{ token: string }>('POST', '/api/admin/display-tokens', body), (d) => `${window.location.origin}/wall#token=${d.token}`)} />
          <table className="admin__table" data-testid="admin-displays">
            <thead>
              <tr>
                <th>{t('admin.displayCols.name')}</th>
                <th>{t('admin.displayCols.issued')}</th>
                <th>{t('admin.displayCols.expires')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {tokens.map((d) => {
                const expired = d.expiresAt !== null && d.expiresAt <= Date.now();
                return (
                <tr key={d.id} className={d.revokedAt || expired ? 'admin__row--disabled' : ''}>
                  <td>{d.name}</td>
                  <td>
                    {when(d.createdAt)} · {d.createdBy}
                  </td>
                  <td>{d.expiresAt === null ? t('admin.ingest.never') : when(d.expiresAt)}</td>
                  <td>
                    {d.revokedAt ? (
                      t('admin.revoked')
                    ) : expired ? (
                      t('admin.ingest.expired')
                    ) : (
                      <button type="button" onClick={() => void act(call('DELETE', `/api/admin/display-tokens/${d.id}`), () => null)}>
                        {t('admin.revoke')}
                      </button>
                    )}
                  </td>
                </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      )}

      {isAdmin && (
        <section id="ingest" aria-labelledby="admin-ingest">
          <h2 id="admin-ingest">{t('admin.ingest.title')}</h2>
          <p>{t('admin.ingest.hint')}</p>
          <IssueIngestToken onIssue={(body) => act(call<{ token: string }>('POST', '/api/admin/ingest-tokens', body), (d) => d.token)} />
          <table className="admin__table" data-testid="admin-ingest-tokens">
            <thead>
              <tr>
                <th>{t('admin.ingest.name')}</th>
                <th>{t('admin.ingest.senders')}</th>
                <th>{t('admin.ingest.scopes')}</th>
                <th>{t('admin.ingest.issued')}</th>
                <th>{t('admin.ingest.expires')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {ingest.map((k) => (
                <tr key={k.id} data-token-id={k.id} className={k.status !== 'active' ? 'admin__row--disabled' : ''}>
                  <td>{k.name}</td>
                  <td>{k.senders.join(', ') || '—'}</td>
                  <td>{k.scopes.map((s) => t(`admin.ingest.scope.${s}`)).join(', ')}</td>
                  <td>
                    {when(k.createdAt)} · {k.createdBy}
                  </td>
                  <td>{k.expiresAt === null ? t('admin.ingest.never') : when(k.expiresAt)}</td>
                  <td>
                    {k.status === 'active' ? (
                      <button type="button" onClick={() => void act(call('DELETE', `/api/admin/ingest-tokens/${k.id}`), () => null)}>
                        {t('admin.revoke')}
                      </button>
                    ) : k.status === 'revoked' ? (
                      t('admin.revoked')
                    ) : (
                      t('admin.ingest.expired')
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </main>
  );
}

function AddUser({ roles, onAdd }: { roles: Role[]; onAdd: (body: { username: string; role: Role; unitId?: string; displayName?: string }) => Promise<void> }) {
  const { t } = useTranslation();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<Role>('duty_officer');
  const [unitId, setUnitId] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void onAdd({ username, role, ...(displayName ? { displayName } : {}), ...(role === 'responder' && unitId ? { unitId } : {}) }).then(() => setUsername(''));
  };
  return (
    <form className="admin__form" onSubmit={submit}>
      <input placeholder={t('auth.username')} value={username} onChange={(e) => setUsername(e.target.value)} required maxLength={32} />
      <input placeholder={t('admin.name')} value={displayName} onChange={(e) => setDisplayName(e.target.value)} maxLength={64} />
      <select value={role} onChange={(e) => setRole(e.target.value as Role)} aria-label={t('admin.role')}>
        {roles.map((r) => (
          <option key={r} value={r}>
            {t(`auth.role.${r}`)}
          </option>
        ))}
      </select>
      {role === 'responder' && <input placeholder={t('admin.unit')} value={unitId} onChange={(e) => setUnitId(e.target.value)} required maxLength={64} />}
      <button type="submit">{t('admin.add')}</button>
    </form>
  );
}

function IssueToken({ onIssue }: { onIssue: (body: { name: string; ttlDays?: number }) => Promise<void> }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [ttlDays, setTtlDays] = useState('');
  return (
    <form
      className="admin__form"
      onSubmit={(e) => {
        e.preventDefault();
        void onIssue({ name, ...(ttlDays !== '' ? { ttlDays: Number(ttlDays) } : {}) }).then(() => {
          setName('');
          setTtlDays('');
        });
      }}
    >
      <input placeholder={t('admin.displayName')} value={name} onChange={(e) => setName(e.target.value)} required maxLength={64} />
      <input type="number" min={0} max={3650} placeholder={t('admin.ingest.ttlDays')} aria-label={t('admin.displayTtl')} title={t('admin.displayTtl')} value={ttlDays} onChange={(e) => setTtlDays(e.target.value)} />
      <button type="submit">{t('admin.issue')}</button>
    </form>
  );
}

/** Name, the CAP senders it may send as (space- or comma-separated), what it may do, and an optional lifetime. */
function IssueIngestToken({ onIssue }: { onIssue: (body: NewIngestToken) => Promise<void> }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [senders, setSenders] = useState('');
  const [scopes, setScopes] = useState<IngestScope[]>(['cap']);
  const [ttlDays, setTtlDays] = useState('');
  const toggle = (s: IngestScope) => setScopes((x) => (x.includes(s) ? x.filter((y) => y !== s) : [...x, s]));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const list = senders.split(/[\s,]+/).filter(Boolean);
    void onIssue({ name, senders: list, scopes, ...(ttlDays ? { ttlDays: Number(ttlDays) } : {}) }).then(() => {
      setName('');
      setSenders('');
    });
  };
  return (
    <form className="admin__form" onSubmit={submit} data-testid="admin-ingest-issue">
      <input placeholder={t('admin.ingest.namePlaceholder')} aria-label={t('admin.ingest.name')} value={name} onChange={(e) => setName(e.target.value)} required maxLength={64} />
      <input
        placeholder={t('admin.ingest.sendersPlaceholder')}
        aria-label={t('admin.ingest.senders')}
        value={senders}
        onChange={(e) => setSenders(e.target.value)}
        required={scopes.includes('cap')}
        maxLength={2000}
      />
      {INGEST_SCOPES.map((s) => (
        <label key={s}>
          <input type="checkbox" checked={scopes.includes(s)} onChange={() => toggle(s)} /> {t(`admin.ingest.scope.${s}`)}
        </label>
      ))}
      <input
        type="number"
        min={1}
        max={3650}
        placeholder={t('admin.ingest.ttlDays')}
        aria-label={t('admin.ingest.ttlHint')}
        title={t('admin.ingest.ttlHint')}
        value={ttlDays}
        onChange={(e) => setTtlDays(e.target.value)}
      />
      <button type="submit" disabled={scopes.length === 0}>
        {t('admin.issue')}
      </button>
    </form>
  );
}
