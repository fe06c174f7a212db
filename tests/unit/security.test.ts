/**
 * Pure and local parts of issue #19: how security reads a path, the login
 * throttle (counted before the hash, pair locked, user slowed down), password
 * strength and the upgrade of weak hashes, display-token expiry, secrets out of
 * logs and health, the first admin's password in a file, the login rate limit
 * in every spelling, TRUST_PROXY's forms.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import express from 'express';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { authServiceOn, ensureAdmin } from '../../server/auth/bootstrap.js';
import { LoginThrottle, slowdownMs } from '../../server/auth/login-throttle.js';
import { hashPassword, MIN_PASSWORD_LENGTH, needsRehash } from '../../server/auth/passwords.js';
import { AuthError } from '../../server/auth/service.js';
import { MemoryAuthStore } from '../../server/auth/store.js';
import { loadConfig } from '../../server/config.js';
import { apiRelPath, normalizePath, publicRoute } from '../../server/http/paths.js';
import { securityMiddleware } from '../../server/http/security.js';
import { createLogger } from '../../server/log.js';
import { redactText, redactUrl } from '../../server/redact.js';

/** Tests that hash at OWASP's scrypt cost: about 0.5 s a hash here when idle, several times that on 2 busy cores. */
const SCRYPT_TIMEOUT_MS = 30_000;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-sec-unit-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const silent = pino({ level: 'silent' });

describe('paths as security reads them', () => {
  it('normalizes every spelling of an /api path to one, and keeps ids as sent', () => {
    expect(normalizePath('/api//incidents/')).toBe('/api/incidents');
    expect(normalizePath('/api/%69ncidents')).toBe('/api/incidents');
    expect(normalizePath('/api\\admin')).toBe('/api/admin');
    expect(normalizePath('/api/%E0%A4%A')).toBeNull();
    for (const p of ['/API/admin/users', '/Api/admin/users', '/api/admin/users/', '//api/admin/users', '/%61pi/admin/users', '/api/%61dmin/users']) {
      expect(apiRelPath({ path: p })?.toLowerCase(), p).toBe('/admin/users');
    }
    expect(apiRelPath({ path: '/api/incidents/INC-Ab' })).toBe('/incidents/INC-Ab');
    expect(apiRelPath({ path: '/apix/thing' })).toBeNull();
    expect(apiRelPath({ path: '/wall' })).toBeNull();
    // Undecodable: treated as under /api, so the guard refuses it.
    expect(apiRelPath({ path: '/api/%zz' })).not.toBeNull();
  });

  it('lists public routes explicitly: login, refresh, logout, health, ingest, metrics; nothing else', () => {
    expect(publicRoute('POST', '/api/auth/login')).not.toBeNull();
    expect(publicRoute('GET', '/api/auth/login')).toBeNull();
    expect(publicRoute('HEAD', '/api/health')).not.toBeNull();
    expect(publicRoute('POST', '/api/ingest/cap')).toMatchObject({ reason: 'ingest-token' });
    expect(publicRoute('POST', '/open311/v2/requests.json')).toMatchObject({ reason: 'open311-key' });
    expect(publicRoute('GET', '/open311/v2/requests/17.json')).toMatchObject({ reason: 'public' });
    for (const p of ['/open311/v2/requests/17.json', '/open311/v2/services.json', '/open311/v2/requests/a/b.json']) expect(publicRoute('POST', p), p).toBeNull();
    for (const p of ['/api/admin/users', '/api/audit', '/api/incidents', '/api/auth/me', '/api/ingest/', '/api/ingest//cap']) expect(publicRoute('GET', p) ?? publicRoute('POST', p), p).toBeNull();
  });
});

describe('login throttle', () => {
  const make = (now = () => 0) => new LoginThrottle({ maxFailures: 5, maxPerUser: 2, maxPerAddress: 3, now });

  it('counts an attempt before its check: the lock engages with attempts still in flight', () => {
    const t = make();
    const tickets = [];
    for (let i = 0; i < 5; i++) {
      const r = t.begin('an', '10.0.0.1');
      expect(r.ok).toBe(true);
      if (r.ok) r.ticket.done(false);
      tickets.push(r);
    }
    const sixth = t.begin('an', '10.0.0.1');
    expect(sixth).toMatchObject({ ok: false, refusal: { reason: 'locked' } });
    // Two in flight at the fourth and fifth failure: the second is refused before its check.
    const u = make();
    for (let i = 0; i < 3; i++) {
      const r = u.begin('binh', '10.0.0.2');
      if (r.ok) r.ticket.done(false);
    }
    const a = u.begin('binh', '10.0.0.2');
    const b = u.begin('binh', '10.0.0.2');
    expect(a.ok && b.ok).toBe(true);
    expect(u.begin('binh', '10.0.0.2')).toMatchObject({ ok: false, refusal: { reason: 'locked' } });
  });

  it('locks the (user, address) pair only, and slows the user down everywhere', () => {
    const t = make();
    for (let i = 0; i < 6; i++) {
      const r = t.begin('chi', '10.0.0.3');
      if (r.ok) r.ticket.done(false);
    }
    expect(t.begin('chi', '10.0.0.3').ok).toBe(false);
    const elsewhere = t.begin('chi', '10.9.9.9');
    expect(elsewhere.ok).toBe(true);
    if (elsewhere.ok) {
      expect(elsewhere.ticket.delayMs).toBeGreaterThanOrEqual(250);
      elsewhere.ticket.done(true);
    }
    expect(slowdownMs(4, 5)).toBe(0);
    expect(slowdownMs(5, 5)).toBe(250);
    expect(slowdownMs(7, 5)).toBe(1000);
    expect(slowdownMs(1000, 5)).toBe(10_000);
  });

  it('caps attempts in flight per user and per address, and frees them when done', () => {
    const t = make();
    const a = t.begin('dung', '10.0.1.1');
    const b = t.begin('dung', '10.0.1.2');
    expect(t.begin('dung', '10.0.1.3')).toMatchObject({ ok: false, refusal: { reason: 'busy' } });
    if (a.ok) a.ticket.done(true);
    expect(t.begin('dung', '10.0.1.3').ok).toBe(true);
    if (b.ok) b.ticket.done(true);
    for (const u of ['e1', 'e2', 'e3']) expect(t.begin(u, '10.0.2.1').ok).toBe(true);
    expect(t.begin('e4', '10.0.2.1')).toMatchObject({ ok: false, refusal: { reason: 'busy' } });
  });

  it('takes back the failure counted ahead when the password was right', () => {
    const t = make();
    for (let i = 0; i < 20; i++) {
      const r = t.begin('giang', '10.0.3.1');
      expect(r.ok).toBe(true);
      if (r.ok) r.ticket.done(true);
    }
  });
});

describe('passwords', () => {
  it('need at least 12 characters', async () => {
    const auth = authServiceOn(loadConfig({ AUTH_DIR: path.join(tmp, 'pw12') }), new MemoryAuthStore(), { log: silent });
    expect(MIN_PASSWORD_LENGTH).toBe(12);
    await expect(auth.addUser({ username: 'short', role: 'duty_officer', password: 'elevenchars' })).rejects.toThrow(AuthError);
    await expect(auth.addUser({ username: 'long', role: 'duty_officer', password: 'twelve-chars' })).resolves.toMatchObject({ user: { username: 'long' } });
  }, SCRYPT_TIMEOUT_MS);

  it('stored with weaker parameters are upgraded at the next login', async () => {
    const dir = path.join(tmp, 'rehash');
    const config = loadConfig({ AUTH_DIR: dir });
    const store = new MemoryAuthStore();
    const auth = authServiceOn(config, store, { log: silent });
    await auth.addUser({ username: 'cu', role: 'duty_officer', password: 'mật-khẩu-cũ-2019' });
    // As an older release stored it: N = 2^14.
    const old = store.userByName('cu')!;
    store.putUser({ ...old, passwordHash: await hashPassword('mật-khẩu-cũ-2019', { n: 2 ** 14, r: 8, p: 1 }) });
    expect(needsRehash(store.userByName('cu')!.passwordHash)).toBe(true);
    const fresh = authServiceOn(config, store, { log: silent });
    await fresh.login('cu', 'mật-khẩu-cũ-2019', '127.0.0.1');
    const after = store.userByName('cu')!.passwordHash;
    expect(after).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(needsRehash(after)).toBe(false);
    await expect(fresh.login('cu', 'mật-khẩu-cũ-2019', '127.0.0.1')).resolves.toMatchObject({ session: { user: { username: 'cu' } } });
  }, SCRYPT_TIMEOUT_MS);
});

describe('display tokens', () => {
  it('expire (DISPLAY_TOKEN_TTL_DAYS, or the issuer’s choice; 0 = until revoked)', async () => {
    let now = 1_800_000_000_000;
    const auth = authServiceOn(loadConfig({ AUTH_DIR: path.join(tmp, 'dsp'), DISPLAY_TOKEN_TTL_DAYS: '30' }), new MemoryAuthStore(), { log: silent, now: () => now });
    const month = await auth.issueDisplayToken('Tường 1');
    const week = await auth.issueDisplayToken('Tường 2', undefined, 7);
    const forever = await auth.issueDisplayToken('Tường 3', undefined, 0);
    expect(month.info.expiresAt).toBe(now + 30 * 86_400_000);
    expect(forever.info.expiresAt).toBeNull();
    const p = auth.authenticate(week.token);
    expect(p.ok).toBe(true);
    now += 8 * 86_400_000;
    expect(auth.authenticate(week.token)).toEqual({ ok: false, reason: 'expired' });
    if (p.ok) expect(auth.stillValid(p.principal)).toBe(false);
    expect(auth.authenticate(month.token).ok).toBe(true);
    now += 30 * 86_400_000;
    expect(auth.authenticate(month.token)).toEqual({ ok: false, reason: 'expired' });
    expect(auth.authenticate(forever.token).ok).toBe(true);
    await expect(auth.issueDisplayToken('x', undefined, 5000)).rejects.toThrow(AuthError);
  });
});

describe('secrets', () => {
  it('redacts credentials in URLs and token-like query parameters', () => {
    expect(redactUrl('http://writer:p%40ss@influx.local:8086/write?db=ioc')).toBe('http://***@influx.local:8086/write?db=ioc');
    expect(redactUrl('mqtts://dev:secret@broker:8883')).toBe('mqtts://***@broker:8883');
    expect(redactUrl('http://influx:8086')).toBe('http://influx:8086');
    expect(redactText('GET /wall?token=dsp_abc&x=1 failed: connect ECONNREFUSED http://a:b@h')).toBe('GET /wall?token=***&x=1 failed: connect ECONNREFUSED http://***@h');
  });

  it('keeps them out of every log line: messages, fields and errors', () => {
    let out = '';
    const log = createLogger('info', new Writable({ write: (c: Buffer, _e, cb) => ((out += c.toString()), cb()) }));
    log.info({ url: 'http://root:hunter22@influx:8086' }, 'connecting');
    log.error({ err: new Error('request to http://root:hunter22@influx:8086/query failed') }, 'query failed');
    log.warn('InfluxDB at http://root:hunter22@influx:8086 is not usable');
    log.info({ token: 'dsp_secret' }, 'token');
    expect(out).not.toContain('hunter22');
    expect(out).not.toContain('dsp_secret');
    expect(out.split('\n').filter(Boolean)).toHaveLength(4);
    expect(out).toContain('http://***@influx:8086');
  });

  it('writes the first admin’s password to ADMIN_PASSWORD_FILE (0600) and nowhere else', async () => {
    const dir = path.join(tmp, 'first');
    const file = path.join(tmp, 'secrets', 'admin-password');
    let logged = '';
    const log = pino({ level: 'trace' }, new Writable({ write: (c: Buffer, _e, cb) => ((logged += c.toString()), cb()) }));
    const auth = authServiceOn(loadConfig({ AUTH_DIR: dir }), new MemoryAuthStore(), { log });
    let printed = '';
    await ensureAdmin(auth, log, (s) => (printed += s), file);
    const [user, pw] = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(user).toBe('admin');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(printed).toBe('');
    expect(logged).not.toContain(pw);
    expect(logged).toContain('ADMIN_PASSWORD_FILE');
    expect((await auth.login('admin', pw!, '127.0.0.1')).session.user.role).toBe('admin');
  }, SCRYPT_TIMEOUT_MS);
});

describe('the login rate limit', () => {
  it('counts every spelling of the login route against one budget', async () => {
    const app = express();
    app.set('trust proxy', false);
    for (const m of securityMiddleware(loadConfig({ RATE_LIMIT_LOGIN_PER_MIN: '3' }))) app.use(m);
    app.use((_req, res) => res.status(404).json({ ok: false }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const post = (p: string) => fetch(`${url}${p}`, { method: 'POST' }).then((r) => r.status);
    try {
      const statuses = [];
      for (const p of ['/api/auth/login', '/API/auth/login', '/api/auth/login/', '/api//auth/login', '/Api/Auth/Login', '/api/auth/%6cogin']) statuses.push(await post(p));
      expect(statuses).toEqual([404, 404, 404, 429, 429, 429]);
    } finally {
      server.close();
    }
  });
});

describe('TRUST_PROXY', () => {
  it('takes false, a hop count or addresses, and refuses true', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' }).TRUST_PROXY).toEqual(['127.0.0.1', '10.0.0.0/8']);
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY/);
  });
});
