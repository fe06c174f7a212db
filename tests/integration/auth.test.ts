/**
 * Who may see and do what (issue #6), against the real server: each role's
 * boundaries over REST and Socket.IO, allowed and refused; expiry and
 * revocation cut live sockets; refresh rotation and reuse detection; lockout;
 * a responder never sees another unit's incident; a wall can do nothing;
 * logins, failures and commands are audited with user and role; the refresh
 * token travels only in its HttpOnly cookie (Secure under HTTPS).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFRESH_HEADER, type Session } from '../../contract/auth.js';
import type { ClientToServerEvents, Delta, Incident, Result, ServerToClientEvents, Snapshot } from '../../contract/index.js';
import { topics } from '../../contract/index.js';
import { Commands } from '../../server/push/commands.js';
import { connectConsole, startTestApp, type TestApp, type TestConsole } from '../harness/app.js';
import { bearer, login, refreshCookieOf, refreshWith, testPassword } from '../harness/auth.js';
import { startTestInfluxd, type TestInfluxd } from '../harness/influxd.js';
import { startMosquitto, type TestMosquitto } from '../harness/mosquitto.js';
import { waitFor } from '../harness/wait.js';

let influxd: TestInfluxd;
let broker: TestMosquitto;
let app: TestApp;
const open: { close(): void }[] = [];

beforeAll(async () => {
  influxd = await startTestInfluxd();
  broker = await startMosquitto();
  app = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env: { RATE_LIMIT_LOGIN_PER_MIN: '1000' } });
});
afterAll(async () => {
  for (const c of open) c.close();
  await app?.stop();
  await broker?.stop();
  await influxd?.stop();
});

type Sock = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Connects; resolves with the socket once it has its snapshot, or rejects with the connect_error. */
function connect(token: string | undefined, extra: Record<string, unknown> = {}): Promise<TestConsole> {
  return connectConsole(app.url, token as string, extra).then((c) => (open.push(c), c));
}
function refusedConnect(url: string, auth: Record<string, unknown>): Promise<{ message: string; data?: { code: string; reason: string } }> {
  return new Promise((resolve, reject) => {
    const s: Sock = ioClient(url, { transports: ['websocket'], reconnection: false, forceNew: true, auth });
    s.on('state:snapshot', () => reject(new Error('got a snapshot without a valid token')));
    s.on('connect_error', (err) => {
      s.close();
      resolve(err as unknown as { message: string; data?: { code: string; reason: string } });
    });
  });
}
function emit<T>(c: TestConsole, event: string, body: unknown): Promise<Result<T>> {
  return new Promise((resolve) => (c.socket.emit as unknown as (e: string, b: unknown, ack: (r: Result<T>) => void) => void)(event, body, resolve));
}
async function call(method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; body: Result<unknown> }> {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: { ...(token ? bearer(token) : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : { ok: true, data: text }) as Result<unknown> };
}
/** A Set-Cookie header's attributes, names in lower case (`HttpOnly` → `httponly: ''`). */
function cookieAttributes(setCookie: string): Record<string, string> {
  return Object.fromEntries(
    setCookie
      .split(';')
      .slice(1)
      .map((a) => {
        const [k, ...v] = a.trim().split('=');
        return [k!.toLowerCase(), v.join('=')];
      }),
  );
}
let seq = 0;
/** A hotline report far enough from the others (and of its own type) not to be correlated with them. */
async function report(ref: string, lon: number, type: string): Promise<Incident> {
  const dev = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
  const body = { seq: ++seq, ts: Date.now(), channel: 'hotline_115', type, severity: 'major', lat: 10.005, lon, description: `report ${ref}`, externalRef: ref };
  await dev.publishAsync(topics.incidentReport('hotline-115'), JSON.stringify(body), { qos: 1 });
  await dev.endAsync();
  let inc: Incident | undefined;
  await waitFor(() => (inc = app.operations.incidents.open().find((i) => i.externalRef === `hotline-115:${ref}`)) !== undefined, { message: `incident ${ref} never appeared` });
  return inc!;
}
const incidentIds = (c: TestConsole) =>
  new Set([...c.snapshots.flatMap((s) => s.incidents.map((i) => i.id)), ...c.deltas.flatMap((d) => d.changes).flatMap((ch) => (ch.kind === 'incident' ? [ch.incident.id] : []))]);

describe('login', () => {
  it('gives a session for the right password, refuses a wrong one, and /me says who', async () => {
    const s = await app.login('duty_officer');
    expect(s.user).toMatchObject({ username: 'duty-officer', role: 'duty_officer', unitId: null });
    expect(s.expiresAt).toBeGreaterThan(Date.now() + 60_000);
    expect((await call('GET', '/api/auth/me', s.accessToken)).body).toMatchObject({ ok: true, data: { username: 'duty-officer', role: 'duty_officer' } });
    const bad = await call('POST', '/api/auth/login', null, { username: 'duty-officer', password: 'not-the-password' });
    expect(bad).toMatchObject({ status: 401, body: { ok: false, error: { code: 'unauthorized', message: 'wrong username or password' } } });
    // An unknown user gets the same answer (no username probing).
    expect((await call('POST', '/api/auth/login', null, { username: 'nobody-here', password: 'whatever-pw' })).body).toEqual(bad.body);
    expect((await call('POST', '/api/auth/login', null, { username: 'x' })).status).toBe(400);
  });

  it('puts the refresh token in an HttpOnly, SameSite=Strict cookie for /api/auth, never in the JSON', async () => {
    const res = await fetch(`${app.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'duty-officer', password: testPassword('duty-officer') }) });
    const body = (await res.json()) as { ok: true; data: Record<string, unknown> };
    expect(Object.keys(body.data).sort()).toEqual(['accessToken', 'expiresAt', 'user']);
    const c = refreshCookieOf(res)!;
    expect(c.cookie).toMatch(/^ioc_refresh=[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
    expect(cookieAttributes(c.setCookie)).toEqual({ 'max-age': String(app.config.AUTH_REFRESH_TTL_S), path: '/api/auth', expires: expect.any(String), httponly: '', samesite: 'Strict' });
    // Plain HTTP here: not Secure (the browser would drop it). Under HTTPS it is: see below.
    expect(c.setCookie).not.toMatch(/;\s*secure/i);
  });

  it('refreshes by cookie with the custom header only, rotating the cookie; a replayed old cookie ends the session', async () => {
    const s = await app.login('supervisor');
    // No custom header (what a cross-site form could send): refused, and the cookie is left as it was.
    const forged = await refreshWith(app.url, s.cookie, { header: false });
    expect(forged.status).toBe(403);
    expect(refreshCookieOf(forged)).toBeNull();
    // The refresh token in a body, the old way: refused.
    const old = await fetch(`${app.url}/api/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json', [REFRESH_HEADER]: '1' }, body: JSON.stringify({ refreshToken: s.cookie.split('=')[1]! }) });
    expect(old.status).toBe(400);
    expect((await refreshWith(app.url, null)).status).toBe(401);
    // Malformed cookies: refused as no session, never a crash (a body that is not {} is a 400).
    for (const bad of ['ioc_refresh=', 'ioc_refresh=garbage', `ioc_refresh=${'a'.repeat(4000)}~1`, 'ioc_refresh=x.y~', `ioc_refresh=${s.cookie.slice(12).split('.')[0]}.${'A'.repeat(43)}`, 'other=1; ioc_refresh=%00~1']) {
      expect((await refreshWith(app.url, bad)).status, bad.slice(0, 40)).toBe(401);
    }
    expect((await fetch(`${app.url}/api/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json', [REFRESH_HEADER]: '1', cookie: s.cookie }, body: '[1]' })).status).toBe(400);

    const r1 = await refreshWith(app.url, s.cookie);
    expect(r1.status).toBe(200);
    const s2 = ((await r1.json()) as { data: Session }).data;
    expect(Object.keys(s2).sort()).toEqual(['accessToken', 'expiresAt', 'user']);
    const c2 = refreshCookieOf(r1)!;
    expect(c2.cookie).not.toBe(s.cookie);
    const attrs = cookieAttributes(c2.setCookie);
    expect(attrs).toMatchObject({ path: '/api/auth', httponly: '', samesite: 'Strict' });
    // Max-Age: what is left of the session (a shift from login), not a fresh shift.
    expect(Number(attrs['max-age'])).toBeGreaterThan(app.config.AUTH_REFRESH_TTL_S - 60);
    expect(Number(attrs['max-age'])).toBeLessThanOrEqual(app.config.AUTH_REFRESH_TTL_S);
    expect((await call('GET', '/api/auth/me', s2.accessToken)).status).toBe(200);
    // The first cookie again: someone holds a copy → the whole session goes, and the dead cookie is cleared.
    const replay = await refreshWith(app.url, s.cookie);
    expect(replay.status).toBe(401);
    expect(cookieAttributes(refreshCookieOf(replay)!.setCookie)).toMatchObject({ expires: 'Thu, 01 Jan 1970 00:00:00 GMT', path: '/api/auth' });
    expect((await refreshWith(app.url, c2.cookie)).status).toBe(401);
    expect((await call('GET', '/api/auth/me', s2.accessToken)).status).toBe(401);
  });

  it('logout ends the session by its cookie and clears the cookie: access and refresh stop working', async () => {
    const s = await app.login('duty_officer');
    // The cookie alone is enough (no access token: e.g. it had expired).
    const out = await fetch(`${app.url}/api/auth/logout`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: s.cookie }, body: '{}' });
    expect(out.status).toBe(200);
    const cleared = refreshCookieOf(out)!;
    expect(cleared.cookie).toBe('ioc_refresh=');
    expect(cookieAttributes(cleared.setCookie)).toMatchObject({ expires: 'Thu, 01 Jan 1970 00:00:00 GMT', path: '/api/auth', httponly: '', samesite: 'Strict' });
    expect((await call('GET', '/api/auth/me', s.accessToken)).status).toBe(401);
    expect((await refreshWith(app.url, s.cookie)).status).toBe(401);
    // By the access token, as the console does it.
    const t = await app.login('duty_officer');
    expect((await call('POST', '/api/auth/logout', t.accessToken, {})).status).toBe(200);
    expect((await refreshWith(app.url, t.cookie)).status).toBe(401);
  });

  it('locks a username after repeated failures (even with the right password), not the others', async () => {
    const admin = await app.token('admin');
    await call('POST', '/api/admin/users', admin, { username: 'locky', role: 'duty_officer', password: testPassword('locky') });
    for (let i = 0; i < app.config.AUTH_MAX_FAILURES; i++) {
      expect((await call('POST', '/api/auth/login', null, { username: 'locky', password: `wrong-${i}-pass` })).status).toBe(401);
    }
    const locked = await fetch(`${app.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'locky', password: testPassword('locky') }) });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Others log in as usual.
    expect((await app.login('responder')).user.role).toBe('responder');
  });
});

describe('REST boundaries per role', () => {
  // [method, path, body, roles allowed]; everyone else gets 403, no token 401.
  const cases: [string, string, unknown, string[]][] = [
    ['GET', '/api/citypack', undefined, ['admin', 'supervisor', 'duty_officer', 'responder', 'wall']],
    ['GET', '/api/incidents', undefined, ['admin', 'supervisor', 'duty_officer']],
    // A day's closed incidents (issue #27): the incident reads' roles, no phone, no wall.
    ['GET', '/api/incidents/closed', undefined, ['admin', 'supervisor', 'duty_officer']],
    ['GET', '/api/alerts', undefined, ['admin', 'supervisor', 'duty_officer']],
    ['GET', '/api/devices', undefined, ['admin', 'supervisor', 'duty_officer']],
    // The wall reads its own panels only: no incident, alert, note or caller over REST (issue #19).
    ['GET', '/api/wall/today', undefined, ['admin', 'supervisor', 'duty_officer', 'wall']],
    ['GET', '/api/coverage', undefined, ['admin', 'supervisor', 'duty_officer', 'wall']],
    ['GET', '/api/incidents.csv', undefined, ['admin', 'supervisor', 'duty_officer']],
    ['GET', '/api/incidents.csv?shift=current', undefined, ['admin', 'supervisor', 'duty_officer']],
    ['GET', '/api/cameras/tt-cam-1/detections', undefined, ['admin', 'supervisor', 'duty_officer']],
    ['GET', '/api/audit', undefined, ['admin', 'supervisor']],
    ['GET', '/api/admin/users', undefined, ['admin', 'supervisor']],
    ['GET', '/api/admin/display-tokens', undefined, ['admin']],
    ['POST', '/api/alerts/al-none/acknowledge', { version: 1 }, ['admin', 'supervisor', 'duty_officer']],
    ['POST', '/api/incidents/inc-none/dispatch', { version: 1, unitId: 'tt-u-fire' }, ['admin', 'supervisor', 'duty_officer']],
    ['POST', '/api/incidents/inc-none/on-scene', { version: 1 }, ['admin', 'supervisor', 'duty_officer', 'responder']],
  ];
  const roles = ['admin', 'supervisor', 'duty_officer', 'responder', 'wall'] as const;

  it('allows exactly the roles of the permission table', async () => {
    const wrong: string[] = [];
    for (const [method, path, body, allowed] of cases) {
      if ((await call(method, path, null, body)).status !== 401) wrong.push(`${method} ${path} without token`);
      for (const role of roles) {
        const r = await call(method, path, await app.token(role), body);
        // Allowed: the route runs (a command on a missing target answers 404, a responder's 403 comes from its unit).
        const passed = r.status !== 403 || (role === 'responder' && /your unit/.test((r.body as { error: { message: string } }).error.message));
        const ok = allowed.includes(role) ? passed : r.status === 403;
        if (!ok) wrong.push(`${role} ${method} ${path} → ${r.status}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('keeps /api/health and /metrics public, and refuses unknown API routes', async () => {
    expect((await fetch(`${app.url}/api/health`)).status).toBe(200);
    expect((await fetch(`${app.url}/metrics`)).status).toBe(200);
    expect((await call('GET', '/api/nope', null)).status).toBe(401);
    expect((await call('GET', '/api/nope', await app.token('admin'))).status).toBe(403);
  });

  it('lets a supervisor manage officers but not admins; a duty officer manages nobody', async () => {
    const sup = await app.token('supervisor');
    expect((await call('POST', '/api/admin/users', sup, { username: 'new-officer', role: 'duty_officer' })).body).toMatchObject({ ok: true, data: { user: { role: 'duty_officer' }, password: expect.any(String) } });
    expect((await call('POST', '/api/admin/users', sup, { username: 'sneaky-admin', role: 'admin' })).status).toBe(403);
    const adminId = (await app.login('admin')).user.id;
    expect((await call('PATCH', `/api/admin/users/${adminId}`, sup, { disabled: true })).status).toBe(403);
    expect((await call('POST', '/api/admin/users', await app.token('duty_officer'), { username: 'x-officer', role: 'duty_officer' })).status).toBe(403);
    expect((await call('POST', '/api/admin/users', await app.token('admin'), { username: 'resp-x', role: 'responder' })).status).toBe(400); // a responder needs a unit
  });
});

describe('Socket.IO', () => {
  it('refuses a connection without a valid token before sending anything', async () => {
    expect(await refusedConnect(app.url, {})).toMatchObject({ message: 'unauthorized', data: { code: 'unauthorized', reason: 'missing' } });
    expect(await refusedConnect(app.url, { token: 'garbage' })).toMatchObject({ message: 'unauthorized', data: { reason: 'malformed' } });
    const [h, p] = (await app.token('admin')).split('.');
    expect(await refusedConnect(app.url, { token: `${h}.${p}.AAAA` })).toMatchObject({ data: { reason: 'signature' } });
  });

  it('a wall sees the city and every command is refused with forbidden', async () => {
    const wall = await connect(await app.token('wall'));
    expect(wall.snapshots[0]!.cameras.length).toBeGreaterThan(0);
    for (const name of Commands.names) {
      const r = await emit(wall, name, { id: 'x', version: 1, unitId: 'tt-u-fire', note: 'n', status: 'available' });
      expect(r, name).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
  });

  it('a responder gets only its unit\'s incidents and may act only on them', async () => {
    const admin = await app.token('admin');
    await call('POST', '/api/admin/users', admin, { username: 'resp-fire', role: 'responder', unitId: 'tt-u-fire', password: testPassword('resp-fire') });
    const police = await connect(await app.token('responder'));
    const fire = await connect((await login(app.url, 'resp-fire', testPassword('resp-fire'))).accessToken);
    const officer = await connect(await app.token('duty_officer'));
    expect(police.snapshots[0]!.units.map((u) => u.id)).toEqual([app.responderUnit]);
    expect(police.snapshots[0]!.cameras).toEqual([]);

    const a = await report('auth-a', 106.005, 'medical');
    const b = await report('auth-b', 106.025, 'fire');
    for (const [inc, unitId] of [[a, app.responderUnit], [b, 'tt-u-fire']] as const) {
      expect(await emit(officer, 'incident:dispatch', { id: inc.id, version: app.operations.incidents.get(inc.id)!.version, unitId })).toMatchObject({ ok: true });
    }
    await waitFor(() => incidentIds(police).has(a.id) && incidentIds(fire).has(b.id), { message: 'dispatched incidents did not reach their units' });
    // Responders cannot dispatch or acknowledge; not another unit's incident; not another unit.
    expect(await emit(police, 'incident:dispatch', { id: a.id, version: 1, unitId: 'tt-u-amb' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await emit(police, 'alert:acknowledge', { id: 'al-x', version: 1 })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await emit(police, 'incident:on_scene', { id: b.id, version: app.operations.incidents.get(b.id)!.version })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await emit(police, 'incident:note', { id: b.id, note: 'not mine' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await emit(police, 'unit:status', { id: 'tt-u-fire', status: 'off_duty', version: 1 })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    // Its own: allowed.
    expect(await emit(police, 'incident:on_scene', { id: a.id, version: app.operations.incidents.get(a.id)!.version })).toMatchObject({ ok: true, data: { status: 'on_scene' } });
    expect(await emit(police, 'incident:note', { id: a.id, note: 'đã tới nơi' })).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, 300));
    expect(incidentIds(police).has(b.id)).toBe(false);
    expect(incidentIds(fire).has(a.id)).toBe(false);
    // A responder asking for other wards still gets its unit only.
    const again = await connect(await app.token('responder'), { wards: ['tt-a', 'tt-b'] });
    expect(again.snapshots[0]!.incidents.map((i) => i.id)).toEqual([a.id]);
  });

  it('a revoked session is cut off at once, live socket included', async () => {
    const s = await app.login('supervisor');
    const c = await connect(s.accessToken);
    const gone = new Promise<string>((r) => c.socket.on('disconnect', r));
    expect((await call('POST', `/api/admin/sessions/${s.user.id}/revoke`, await app.token('admin'))).status).toBe(200);
    expect(await gone).toBe('io server disconnect');
    expect((await call('GET', '/api/auth/me', s.accessToken)).status).toBe(401);
    expect(await refusedConnect(app.url, { token: s.accessToken })).toMatchObject({ data: { reason: 'revoked' } });
  });

  it('a revoked display token is cut off too', async () => {
    const admin = await app.token('admin');
    const issued = (await call('POST', '/api/admin/display-tokens', admin, { name: 'Wall 2' })).body as { data: { token: string; info: { id: string } } };
    const wall = await connect(issued.data.token);
    const listed = (await call('GET', '/api/admin/display-tokens', admin)).body as { data: { id: string; name: string }[] };
    expect(listed.data.map((t) => t.name)).toContain('Wall 2');
    const gone = new Promise<string>((r) => wall.socket.on('disconnect', r));
    expect((await call('DELETE', `/api/admin/display-tokens/${issued.data.info.id}`, admin)).status).toBe(200);
    expect(await gone).toBe('io server disconnect');
    expect((await call('GET', '/api/incidents', issued.data.token)).status).toBe(401);
  });
});

describe('audit', () => {
  it('records logins, failed logins and commands with user and role', async () => {
    const officer = await connect(await app.token('duty_officer'));
    const inc = await report('audit-1', 106.015, 'traffic_accident');
    expect(await emit(officer, 'incident:acknowledge', { id: inc.id, version: inc.version })).toMatchObject({ ok: true });
    await app.writer.flush();
    const admin = await app.token('admin');
    type Row = { type: string; by: string; role?: string; result: string; id: string };
    const auth = ((await call('GET', '/api/audit?entity=auth&limit=1000', admin)).body as { data: Row[] }).data;
    expect(auth.some((e) => e.type === 'login' && e.by === 'duty-officer' && e.role === 'duty_officer' && e.result === 'ok')).toBe(true);
    expect(auth.some((e) => e.type === 'login_failed' && e.id === 'nobody-here' && e.result === 'refused')).toBe(true);
    expect(auth.some((e) => e.type === 'sessions_revoked' && e.by === 'admin')).toBe(true);
    expect(auth.some((e) => e.type === 'display_token_issued')).toBe(true);
    const cmds = ((await call('GET', `/api/audit?entity=incident&id=${inc.id}`, admin)).body as { data: Row[] }).data;
    expect(cmds).toContainEqual(expect.objectContaining({ type: 'acknowledge', by: 'duty-officer', role: 'duty_officer', result: 'ok' }));
  });
});

describe('expiry (short TTL)', () => {
  let short: TestApp;
  beforeAll(async () => {
    short = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env: { AUTH_ACCESS_TTL_S: '2', RATE_LIMIT_LOGIN_PER_MIN: '6' } });
  });
  afterAll(async () => short?.stop());

  it('disconnects a socket when its token expires and refuses the expired token', async () => {
    const s = await short.login('duty_officer');
    const c = await connectConsole(short.url, s.accessToken);
    open.push(c);
    const t0 = Date.now();
    await new Promise<string>((r) => c.socket.on('disconnect', r));
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await refusedConnect(short.url, { token: s.accessToken })).toMatchObject({ data: { reason: 'expired' } });
    expect((await fetch(`${short.url}/api/incidents`, { headers: bearer(s.accessToken) })).status).toBe(401);
    // The refresh cookie still gives a fresh access token.
    const r = await refreshWith(short.url, s.cookie);
    expect(r.status).toBe(200);
  });

  it('rate-limits login attempts per address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await fetch(`${short.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'rate', password: 'rate-limit-pw' }) });
      statuses.push(r.status);
    }
    expect(statuses).toContain(429);
  });
});

describe('the refresh cookie over HTTPS', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-auth-tls-'));
  let tls: TestApp;
  let proxied: TestApp;
  beforeAll(async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
    [tls, proxied] = await Promise.all([
      startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env: { HTTPS_CERT: path.join(dir, 'cert.pem'), HTTPS_KEY: path.join(dir, 'key.pem') } }),
      // Plain HTTP behind a TLS-terminating proxy that Express trusts (one hop).
      startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env: { TRUST_PROXY: '1' } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([tls?.stop(), proxied?.stop()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** POST JSON over HTTPS trusting our self-signed certificate (global fetch cannot be given a CA). */
  function httpsPost(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; setCookie: string[] }> {
    const ca = fs.readFileSync(path.join(dir, 'cert.pem'));
    return new Promise((resolve, reject) => {
      const req = https.request(url, { method: 'POST', ca, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, setCookie: res.headers['set-cookie'] ?? [] }));
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  }

  it('is Secure when the server serves HTTPS (login, refresh, logout)', async () => {
    expect(tls.url).toMatch(/^https:/);
    const login = await httpsPost(`${tls.url}/api/auth/login`, { username: 'duty-officer', password: testPassword('duty-officer') });
    expect(login.status).toBe(200);
    const set = login.setCookie.find((c) => c.startsWith('ioc_refresh='))!;
    expect(cookieAttributes(set)).toMatchObject({ secure: '', httponly: '', samesite: 'Strict', path: '/api/auth' });
    const cookie = set.split(';')[0]!;
    const refreshed = await httpsPost(`${tls.url}/api/auth/refresh`, {}, { cookie, [REFRESH_HEADER]: '1' });
    expect(refreshed.status).toBe(200);
    const rotated = refreshed.setCookie.find((c) => c.startsWith('ioc_refresh='))!;
    expect(cookieAttributes(rotated)).toMatchObject({ secure: '', httponly: '', samesite: 'Strict' });
    const out = await httpsPost(`${tls.url}/api/auth/logout`, {}, { cookie: rotated.split(';')[0]! });
    expect(cookieAttributes(out.setCookie.find((c) => c.startsWith('ioc_refresh='))!)).toMatchObject({ secure: '', expires: 'Thu, 01 Jan 1970 00:00:00 GMT' });
  });

  it('is Secure behind a trusted TLS proxy (X-Forwarded-Proto: https), not over its plain HTTP', async () => {
    const body = JSON.stringify({ username: 'duty-officer', password: testPassword('duty-officer') });
    const viaProxy = await fetch(`${proxied.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' }, body });
    expect(cookieAttributes(refreshCookieOf(viaProxy)!.setCookie)).toHaveProperty('secure', '');
    const direct = await fetch(`${proxied.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(cookieAttributes(refreshCookieOf(direct)!.setCookie)).not.toHaveProperty('secure');
  });
});

// Snapshot and Delta are the socket contract; keep the import used for readers of this file.
export type { Delta, Snapshot };
