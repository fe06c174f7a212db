/**
 * Sessions in the browser (issue #19, point 9), on the built console in
 * Chromium against the real server: the access token lives in the page's
 * memory only and the refresh token in an HttpOnly cookie. Signing in through
 * the login page leaves no token in localStorage or sessionStorage; a reload
 * takes the session up again by cookie; with a 6 s access token the console
 * refreshes on its own and stays live (the server cuts a socket whose token
 * expired), on the token's own lifetime even with a workstation clock an hour
 * off; two tabs share the cookie and take turns refreshing (a collision
 * would end the session as stolen); signing out in one tab signs the other
 * out; after signing out a reload shows the login page.
 */
import mqtt from 'mqtt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../contract/index.js';
import type { TestApp } from '../harness/app.js';
import { startConsoleStack, type ConsoleStack } from '../harness/stack.js';
import { testPassword } from '../harness/auth.js';
import { waitForConsoleReady } from '../harness/console.js';
import { waitFor } from '../harness/wait.js';

const ACCESS_TTL_S = 6;

let stack: ConsoleStack;
let browser: Browser;
let app: TestApp;

beforeAll(async () => {
  // A refresh every ~4.5 s per tab: above the default login/refresh rate limit of an address.
  stack = await startConsoleStack({ env: { AUTH_ACCESS_TTL_S: String(ACCESS_TTL_S), RATE_LIMIT_LOGIN_PER_MIN: '1000' } });
  ({ browser, app } = stack);
  return stack.stop;
});

const newContext = () => browser.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce', locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });

/** Every answer to /api/auth/refresh and /api/auth/login a page got: status and the access token it carried. */
function recordAuth(page: Page): { path: string; status: number; token: string | null }[] {
  const seen: { path: string; status: number; token: string | null }[] = [];
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (path !== '/api/auth/refresh' && path !== '/api/auth/login') return;
    const entry = { path, status: r.status(), token: null as string | null };
    seen.push(entry);
    // A body the browser already dropped (the page reloaded under it) cannot be read: '' marks it, and it is not compared.
    if (r.status() === 200) void r.json().then((b: { data: { accessToken: string } }) => (entry.token = b.data.accessToken), () => (entry.token = ''));
  });
  return seen;
}

async function signIn(page: Page): Promise<void> {
  await page.goto(app.url);
  await page.waitForSelector('[data-testid="login-page"]');
  await page.fill('[data-testid="login-username"]', 'duty-officer');
  await page.fill('[data-testid="login-password"]', testPassword('duty-officer'));
  await page.click('[data-testid="login-submit"]');
  await waitForConsoleReady(page);
}

/** Everything the page's scripts can reach that could hold a secret. */
const scriptVisible = (page: Page) => page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie }));

let reportSeq = 0;
/** A hotline report becomes an incident; resolves with its id. */
async function newIncident(): Promise<string> {
  const ref = `SESS-${++reportSeq}-${Date.now()}`;
  const dev = await mqtt.connectAsync(stack.broker.url, { protocolVersion: 4 });
  const body = { seq: reportSeq, ts: Date.now(), channel: 'hotline_114', type: 'fire', severity: 'major', lat: 10.005, lon: 106.005 + reportSeq * 0.004, description: `report ${ref}`, externalRef: ref };
  await dev.publishAsync(topics.incidentReport('hotline-114'), JSON.stringify(body), { qos: 1 });
  await dev.endAsync();
  let id = '';
  await waitFor(() => (id = app.operations.incidents.open().find((i) => i.externalRef === `hotline-114:${ref}`)?.id ?? '') !== '', { message: `incident ${ref}` });
  return id;
}

describe('the session in the browser: memory and an HttpOnly cookie', () => {
  it('signs in with no token in storage, survives a reload by cookie, refreshes on its own while live, and signs out for good', async () => {
    const context = await newContext();
    try {
      const page = await context.newPage();
      const auth = recordAuth(page);
      await signIn(page);
      // The start-up refresh found no cookie; then the login. A slow start of the console may outlast
      // the 6 s token, so its own scheduled refresh can follow: after the login, only successful refreshes.
      const seen = auth.map((a) => `${a.path} ${a.status}`);
      expect(seen.slice(0, 2)).toEqual(['/api/auth/refresh 401', '/api/auth/login 200']);
      expect(seen.slice(2).filter((x) => x !== '/api/auth/refresh 200')).toEqual([]);
      const [cookie] = await context.cookies();
      expect(cookie).toMatchObject({ name: 'ioc_refresh', path: '/api/auth', httpOnly: true, sameSite: 'Strict' });
      expect(await context.cookies()).toHaveLength(1);
      await waitFor(() => auth[1]!.token !== null);
      expect(auth[1]!.token, 'the login answer was read').not.toBe('');
      const visible = await scriptVisible(page);
      expect(visible).not.toContain(auth[1]!.token);
      expect(visible).not.toContain(cookie!.value);
      expect(visible).not.toMatch(/eyJ|dsp_/); // no JWT, no display token

      // A reload: no login page, the session comes back by cookie.
      const before = auth.length;
      await page.reload();
      await waitForConsoleReady(page);
      expect(await page.locator('[data-testid="login-page"]').count()).toBe(0);
      // By cookie: a refresh and no login. A slow reload may outlast the 6 s token, so its own
      // scheduled refresh can follow the first: every call is a successful refresh.
      const byCookie = auth.slice(before).map((a) => `${a.path} ${a.status}`);
      expect(byCookie[0]).toBe('/api/auth/refresh 200');
      expect(byCookie.filter((x) => x !== '/api/auth/refresh 200')).toEqual([]);
      expect((await context.cookies())[0]!.value).not.toBe(cookie!.value); // rotated
      expect(await scriptVisible(page)).not.toMatch(/eyJ/);

      // Three more access tokens come on their own, each before the last expired; the console stays
      // live throughout (a token swap reconnects the socket without a "connection lost" banner).
      await page.evaluate(() => {
        const w = window as unknown as { __offlineSeen?: boolean };
        new MutationObserver(() => void (document.querySelector('[data-testid="offline-banner"]') && (w.__offlineSeen = true))).observe(document.body, { childList: true, subtree: true });
      });
      const afterReload = auth.length;
      await waitFor(() => auth.length >= afterReload + 3, { timeoutMs: ACCESS_TTL_S * 1000 * 4, message: 'the console did not refresh its token on its own' });
      expect(auth.map((a) => a.status).slice(1)).toEqual(auth.slice(1).map(() => 200));
      await waitFor(() => auth.every((a) => a.status !== 200 || a.token !== null));
      const tokens = auth.filter((a) => a.status === 200 && a.token !== '').map((a) => a.token);
      expect(tokens.length).toBeGreaterThanOrEqual(3);
      expect(new Set(tokens).size).toBe(tokens.length);
      // Long past the first tokens' expiry: a new incident still reaches the console live.
      const id = await newIncident();
      await page.locator(`[data-testid="incident-row"][data-incident-id="${id}"]`).waitFor({ timeout: 10_000 });
      expect(await page.locator('[data-testid="connection-state"]').getAttribute('data-state')).toBe('live');
      expect(await page.evaluate(() => (window as unknown as { __offlineSeen?: boolean }).__offlineSeen)).toBeUndefined();

      // Signing out loads the start page afresh: waited for, so the reload below does not cut it short.
      const reloaded = page.waitForEvent('load');
      await page.click('[data-testid="logout"]');
      await reloaded;
      await page.waitForSelector('[data-testid="login-page"]');
      expect(await context.cookies()).toEqual([]);
      await page.reload();
      await page.waitForSelector('[data-testid="login-page"]');
      expect(auth.at(-1)).toMatchObject({ path: '/api/auth/refresh', status: 401 });
      // The last token the page held is dead on the server too.
      expect((await fetch(`${app.url}/api/auth/me`, { headers: { authorization: `Bearer ${tokens.at(-1)}` } })).status).toBe(401);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('refreshes on the lifetime the token itself states, even when the workstation clock is off by an hour', async () => {
    const context = await newContext();
    try {
      await context.addInitScript(() => {
        const real = Date.now.bind(Date);
        Date.now = () => real() + 3_600_000;
      });
      const page = await context.newPage();
      const auth = recordAuth(page);
      const at: number[] = [];
      page.on('response', (r) => void (r.url().endsWith('/api/auth/refresh') && r.status() === 200 && at.push(Date.now())));
      await signIn(page);
      await waitFor(() => at.length >= 3, { timeoutMs: ACCESS_TTL_S * 1000 * 4, message: 'no refreshes' });
      // About every 4.5 s (6 s tokens): not at once and again, as expiresAt against a clock an hour ahead would say.
      const gaps = at.slice(1).map((t, i) => t - at[i]!);
      for (const g of gaps) expect(g).toBeGreaterThan(ACCESS_TTL_S * 1000 * 0.5);
      expect(auth.slice(1).every((a) => a.status === 200)).toBe(true);
      expect(await page.locator('[data-testid="connection-state"]').getAttribute('data-state')).toBe('live');
    } finally {
      await context.close();
    }
  }, 60_000);

  it('two tabs on one cookie take turns refreshing, and a sign-out in one signs the other out', async () => {
    const context: BrowserContext = await newContext();
    try {
      const a = await context.newPage();
      const authA = recordAuth(a);
      await signIn(a);
      const b = await context.newPage();
      const authB = recordAuth(b);
      await b.goto(app.url);
      await waitForConsoleReady(b);
      // Several rounds each: had two refreshes presented the same cookie, the server would have ended the session (401).
      await waitFor(() => authA.length >= 5 && authB.length >= 4, { timeoutMs: ACCESS_TTL_S * 1000 * 6, message: 'tabs did not keep refreshing' });
      expect(authA.slice(2).map((x) => x.status)).toEqual(authA.slice(2).map(() => 200));
      expect(authB.map((x) => x.status)).toEqual(authB.map(() => 200));
      for (const p of [a, b]) expect(await p.locator('[data-testid="connection-state"]').getAttribute('data-state')).toBe('live');

      // Signing out in one tab is told to the other (BroadcastChannel, no token in the message):
      // it shows the login page before its own next refresh would have found the cookie gone.
      const seenByB = authB.length;
      await a.click('[data-testid="logout"]');
      await b.waitForSelector('[data-testid="login-page"]', { timeout: 5_000 });
      expect(authB.slice(seenByB).filter((x) => x.status !== 200)).toEqual([]);
      await a.waitForSelector('[data-testid="login-page"]');
    } finally {
      await context.close();
    }
  }, 120_000);
});
