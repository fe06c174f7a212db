/** Pure parts of server/auth: the permission table, token verification, lockout backoff, password hashes. */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ROLES } from '../../contract/auth.js';
import { Lockout } from '../../server/auth/lockout.js';
import { hashPassword, verifyPassword } from '../../server/auth/passwords.js';
import { can, canManageRole, COMMAND_PERMISSIONS, restPermission, roleRefusal, scopeRefusal } from '../../server/auth/permissions.js';
import { signAccessToken, verifyAccessToken, type AccessClaims } from '../../server/auth/tokens.js';
import { Commands } from '../../server/push/commands.js';

/** Tests that hash at OWASP's scrypt cost: about 0.5 s a hash here when idle, several times that on 2 busy cores. */
const SCRYPT_TIMEOUT_MS = 30_000;

describe('permission table', () => {
  it('gives a wall no command and a responder no dispatch, acknowledge or city-wide read', () => {
    for (const name of Commands.names) expect(roleRefusal(name, { role: 'wall' }), name).not.toBeNull();
    for (const name of ['incident:dispatch', 'incident:acknowledge', 'alert:acknowledge', 'alert:clear', 'incident:close'] as const) {
      expect(roleRefusal(name, { role: 'responder' }), name).not.toBeNull();
    }
    expect(can('responder', 'city:view')).toBe(false);
    expect(can('duty_officer', 'users:manage')).toBe(false);
    expect(Object.keys(COMMAND_PERMISSIONS).sort()).toEqual([...Commands.names].sort());
  });

  it('scopes a responder to its unit', () => {
    const scope = { incidentUnits: (id: string) => (id === 'mine' ? ['u3', 'u1'] : ['u2']) };
    const r = { role: 'responder', unitId: 'u1' };
    expect(scopeRefusal('incident:on_scene', { id: 'mine' }, r, scope)).toBeNull();
    expect(scopeRefusal('incident:on_scene', { id: 'theirs' }, r, scope)).toMatch(/your unit/);
    expect(scopeRefusal('incident:release', { id: 'mine' }, r, scope)).toBeNull();
    expect(scopeRefusal('incident:accept', { id: 'theirs' }, r, scope)).toMatch(/your unit/);
    expect(scopeRefusal('unit:status', { id: 'u2' }, r, scope)).toMatch(/own unit/);
    expect(scopeRefusal('incident:on_scene', { id: 'mine' }, { role: 'responder', unitId: null }, scope)).toMatch(/no unit/);
    expect(scopeRefusal('incident:on_scene', { id: 'theirs' }, { role: 'duty_officer' }, scope)).toBeNull();
  });

  it('refuses REST paths without a rule, and only an admin manages admins', () => {
    expect(restPermission('GET', '/incidents')).toBe('city:view');
    expect(restPermission('DELETE', '/incidents/x')).toBeNull();
    expect(restPermission('GET', '/something-new')).toBeNull();
    expect(restPermission('GET', '/%2e%2e/admin/users')).toBeNull();
    for (const role of ROLES) expect(canManageRole(role, 'admin')).toBe(role === 'admin');
    expect(canManageRole('supervisor', 'duty_officer')).toBe(true);
  });
});

describe('access tokens', () => {
  const key = crypto.randomBytes(32);
  const now = 1_800_000_000_000;
  const claims: AccessClaims = { sub: 'u', sid: 's', role: 'duty_officer', iat: now / 1000, exp: now / 1000 + 900, typ: 'access' };
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

  it('accepts its own, refuses none, other algorithms, tampering, another key and expiry', () => {
    const t = signAccessToken(claims, key);
    expect(verifyAccessToken(t, key, now)).toMatchObject({ ok: true, claims: { sub: 'u' } });
    const [h, p, s] = t.split('.') as [string, string, string];
    expect(verifyAccessToken(`${b64({ alg: 'none' })}.${p}.`, key, now)).toEqual({ ok: false, reason: 'algorithm' });
    expect(verifyAccessToken(`${b64({ alg: 'HS512', typ: 'JWT' })}.${p}.${s}`, key, now)).toEqual({ ok: false, reason: 'algorithm' });
    expect(verifyAccessToken(`${h}.${b64({ ...claims, role: 'admin' })}.${s}`, key, now)).toEqual({ ok: false, reason: 'signature' });
    expect(verifyAccessToken(t, crypto.randomBytes(32), now)).toEqual({ ok: false, reason: 'signature' });
    expect(verifyAccessToken(t, key, now + 901_000)).toEqual({ ok: false, reason: 'expired' });
    for (const bad of ['', 'a.b', 'a.b.c.d', '!!.??.##', 'x'.repeat(3000)]) expect(verifyAccessToken(bad, key, now).ok).toBe(false);
  });
});

describe('lockout', () => {
  it('locks after the threshold, doubles the wait, forgets after 15 minutes', () => {
    let t = 0;
    const l = new Lockout(3, () => t);
    for (let i = 0; i < 2; i++) l.fail('k');
    expect(l.retryAfterMs('k')).toBe(0);
    l.fail('k');
    expect(l.retryAfterMs('k')).toBe(30_000);
    l.fail('k');
    expect(l.retryAfterMs('k')).toBe(60_000);
    expect(l.retryAfterMs('other')).toBe(0);
    t += 16 * 60_000;
    expect(l.retryAfterMs('k')).toBe(0);
    l.fail('k');
    expect(l.retryAfterMs('k')).toBe(0); // a fresh count
  });
});

describe('password hashes', () => {
  it('are salted scrypt with OWASP’s parameters (N=2^17, r=8, p=1) and verify only the right password', async () => {
    const h = await hashPassword('mật khẩu dài 123');
    expect(h).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(await hashPassword('mật khẩu dài 123')).not.toBe(h);
    expect(await verifyPassword('mật khẩu dài 123', h)).toBe(true);
    expect(await verifyPassword('mật khẩu dài 124', h)).toBe(false);
    expect(await verifyPassword('x', 'scrypt$1099511627776$8$1$aa$bb')).toBe(false);
  }, SCRYPT_TIMEOUT_MS);
});

describe('first start', () => {
  it('creates admin with a random password shown once on stderr, never in the pino log', async () => {
    const { Writable } = await import('node:stream');
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { pino } = await import('pino');
    const { authServiceOn, ensureAdmin } = await import('../../server/auth/bootstrap.js');
    const { MemoryAuthStore } = await import('../../server/auth/store.js');
    const { loadConfig } = await import('../../server/config.js');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-first-admin-'));
    let logged = '';
    const log = pino({ level: 'trace' }, new Writable({ write: (c: Buffer, _e, cb) => ((logged += c.toString()), cb()) }));
    const store = new MemoryAuthStore();
    const auth = authServiceOn(loadConfig({ AUTH_DIR: dir }), store, { log });
    let out = '';
    await ensureAdmin(auth, log, (s) => (out += s));
    const pw = /password: (\S+)/.exec(out)?.[1];
    expect(pw).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(logged).not.toContain(pw);
    // Only its hash is kept.
    expect(JSON.stringify(store.users())).not.toContain(pw);
    expect((await auth.login('admin', pw!, '127.0.0.1')).session.user.role).toBe('admin');
    out = '';
    await ensureAdmin(auth, log, (s) => (out += s));
    expect(out).toBe('');
    fs.rmSync(dir, { recursive: true, force: true });
  }, SCRYPT_TIMEOUT_MS);
});
