/**
 * Test people: every app started by the harness has one account per role
 * with a known password, and one wall display token. `seedUsers` writes them
 * through the real accounts store (server/auth/store.ts) into the app's
 * database (config.DATABASE_URL, migrated first) before the app starts, so the
 * app never generates (and prints) a first admin; it is idempotent, so an
 * app restarted on the same database keeps the same accounts.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { REFRESH_HEADER, type Role, type Session } from '../../contract/auth.js';
import { authServiceOn } from '../../server/auth/bootstrap.js';
import { hashPassword, needsRehash } from '../../server/auth/passwords.js';
import { openAuthStore } from '../../server/auth/store.js';
import { openAccountsDb } from '../../server/db/accounts-sync.js';
import { migrate } from '../../server/db/migrate.js';
import { REFRESH_COOKIE, REFRESH_COOKIE_PATH } from '../../server/auth/routes.js';
import type { Config } from '../../server/config.js';
import { pino } from 'pino';

export type TestRole = Exclude<Role, 'wall'>;
export const TEST_ROLES: readonly TestRole[] = ['admin', 'supervisor', 'duty_officer', 'responder'];

/** Username = role (with - for _), password = `<username>-pass-2024`. */
export const testUsername = (role: TestRole) => role.replace('_', '-');
export const testPassword = (username: string) => `${username}-pass-2024`;

export interface SeededAuth {
  /** The wall's display token (`dsp_…`). */
  displayToken: string;
  /** The unit the test responder is bound to. */
  responderUnit: string;
}

/**
 * The test accounts' password hashes, made once per machine: a hash at OWASP's
 * scrypt parameters costs about half a second (more on a busy 2-core box), every
 * app the harness starts seeds four accounts, in every worker of every run. The
 * hashes are kept in the temp folder (salted like any other; the
 * passwords are the tests' own); logins still verify against them for real.
 */
const HASH_CACHE = path.join(os.tmpdir(), `ioc-test-password-hashes-${process.getuid?.() ?? 'user'}.json`);
const readHashCache = (): Record<string, string> => {
  try {
    return JSON.parse(fs.readFileSync(HASH_CACHE, 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
};
const hashes = new Map<string, Promise<string>>();
const hashOf = (password: string) => {
  let h = hashes.get(password);
  if (h) return h;
  const kept = readHashCache()[password];
  // A kept hash is used only while it is at today's cost (a changed cost makes them again).
  h = kept && !needsRehash(kept) ? Promise.resolve(kept) : hashPassword(password).then((made) => keepHash(password, made));
  hashes.set(password, h);
  return h;
};
/** Written aside and renamed into place: two files seeding at once never read half a cache. */
function keepHash(password: string, hash: string): string {
  const tmp = `${HASH_CACHE}.${process.pid}.${crypto.randomUUID()}`;
  try {
    fs.writeFileSync(tmp, JSON.stringify({ ...readHashCache(), [password]: hash }), { mode: 0o600 });
    fs.renameSync(tmp, HASH_CACHE);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
  return hash;
}

export async function seedUsers(config: Config, units: string[]): Promise<SeededAuth> {
  if (!config.DATABASE_URL) throw new Error('seedUsers: the app has no DATABASE_URL');
  const log = pino({ level: 'silent' });
  await migrate(config.DATABASE_URL, log);
  const db = openAccountsDb(config.DATABASE_URL, log);
  try {
    const store = await openAuthStore(db);
    const auth = authServiceOn(config, store, { log, knownUnits: new Set(units) });
    const responderUnit = units[0]!;
    const writes: number[] = [];
    for (const role of TEST_ROLES) {
      const username = testUsername(role);
      if (store.userByName(username)) continue;
      const t = Date.now();
      writes.push(
        store.putUser({ id: crypto.randomUUID(), username, displayName: `Test ${role}`, role, unitId: role === 'responder' ? responderUnit : null, passwordHash: await hashOf(testPassword(username)), disabled: false, createdAt: t, updatedAt: t }),
      );
    }
    await store.stored(writes);
    const existing = auth.listDisplayTokens().find((t) => t.name === 'Test wall' && t.revokedAt === null);
    // A display token's secret is only known when issued: kept in AUTH_DIR for restarts that pin it.
    const keep = path.join(config.AUTH_DIR, 'test-display-token');
    const displayToken = existing && fs.existsSync(keep) ? fs.readFileSync(keep, 'utf8') : (await auth.issueDisplayToken('Test wall')).token;
    fs.mkdirSync(config.AUTH_DIR, { recursive: true, mode: 0o700 });
    fs.writeFileSync(keep, displayToken, { mode: 0o600 });
    return { displayToken, responderUnit };
  } finally {
    await db.close();
  }
}

/** A login as the tests see it: the JSON session, and the refresh cookie the answer set. */
export interface TestSession extends Session {
  /** `ioc_refresh=…`: what a browser sends back to /api/auth (a Cookie header). */
  cookie: string;
  /** The Set-Cookie header as the server sent it (attributes included). */
  setCookie: string;
}

/** The refresh cookie a login or refresh answer set, or null. */
export function refreshCookieOf(res: Response): { cookie: string; setCookie: string } | null {
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith(`${REFRESH_COOKIE}=`));
  return setCookie ? { setCookie, cookie: setCookie.split(';')[0]! } : null;
}

/** POST /api/auth/login; throws with the server's answer when refused. */
export async function login(url: string, username: string, password: string): Promise<TestSession> {
  const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const body = (await res.json()) as { ok: boolean; data?: Session; error?: { message: string } };
  if (!body.ok || !body.data) throw new Error(`login ${username}: HTTP ${res.status} ${body.error?.message ?? ''}`);
  const cookie = refreshCookieOf(res);
  if (!cookie) throw new Error(`login ${username}: no ${REFRESH_COOKIE} cookie in the answer`);
  return { ...body.data, ...cookie };
}

/** POST /api/auth/refresh as the console does (the cookie and the custom header). */
export function refreshWith(url: string, cookie: string | null, opts: { header?: boolean } = {}): Promise<Response> {
  return fetch(`${url}/api/auth/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(opts.header === false ? {} : { [REFRESH_HEADER]: '1' }), ...(cookie ? { cookie } : {}) },
    body: '{}',
  });
}

/**
 * Signs a browser context in the way a login through the page leaves it: the
 * refresh cookie in the jar (HttpOnly, SameSite=Strict, Path=/api/auth). The
 * page takes up the session by refreshing with it on load.
 */
export async function addSessionCookie(context: BrowserContext, url: string, session: TestSession): Promise<void> {
  const { hostname, protocol } = new URL(url);
  const value = session.cookie.slice(REFRESH_COOKIE.length + 1);
  await context.addCookies([{ name: REFRESH_COOKIE, value, domain: hostname, path: REFRESH_COOKIE_PATH, httpOnly: true, sameSite: 'Strict', secure: protocol === 'https:' }]);
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
