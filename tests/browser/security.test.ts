/**
 * The built console under its security settings (issue #6), in Chromium:
 * the login page is all an anonymous visitor gets; signing in opens the live
 * console with no Content-Security-Policy violation (maplibre's blob: workers
 * included); signing out ends the session; hostile text from a report and a
 * note renders as text, never as markup.
 */
import mqtt from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../contract/index.js';
import { vi } from '../../client/src/i18n/vi.js';
import type { TestApp } from '../harness/app.js';
import { startConsoleStack, type ConsoleStack } from '../harness/stack.js';
import { testPassword } from '../harness/auth.js';
import { openConsole, waitForConsoleReady } from '../harness/console.js';
import { waitFor } from '../harness/wait.js';

const XSS_REPORT = '<img src=x onerror="window.__xss=1">Cháy <b>lớn</b>';
const XSS_NOTE = '<img src=x onerror="window.__xss=2"><script>window.__xss=3</script>';

let stack: ConsoleStack;
let browser: Browser;
let app: TestApp;

beforeAll(async () => {
  stack = await startConsoleStack();
  ({ browser, app } = stack);
  return stack.stop;
});

/** Records CSP violations (the DOM event, and Chromium's console report). */
async function watchCsp(page: Page): Promise<string[]> {
  const seen: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) seen.push(m.text());
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const w = window as unknown as { __csp?: string[] };
      (w.__csp ??= []).push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}:${e.columnNumber} ${e.sample}`);
    });
  });
  return seen;
}

describe('signing in and out', () => {
  it('shows only the login page without a session, then the live console with no CSP violation', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce', locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    try {
      const page = await context.newPage();
      const csp = await watchCsp(page);
      const api: string[] = [];
      page.on('request', (r) => {
        if (r.url().includes('/api/') && !r.url().includes('/api/auth/')) api.push(r.url());
      });
      await page.goto(app.url);
      await page.waitForSelector('[data-testid="login-page"]');
      expect(await page.locator('[data-testid="map"]').count()).toBe(0);
      // Nothing of the city is asked for before login.
      expect(api).toEqual([]);

      await page.fill('[data-testid="login-username"]', 'duty-officer');
      await page.fill('[data-testid="login-password"]', 'wrong-password');
      await page.click('[data-testid="login-submit"]');
      const err = page.locator('[data-testid="login-error"]');
      await err.waitFor();
      expect(await err.textContent()).toBe(vi.auth.error.wrong);

      await page.fill('[data-testid="login-password"]', testPassword('duty-officer'));
      const loggedIn = page.waitForResponse((r) => r.url().endsWith('/api/auth/login') && r.status() === 200);
      await page.click('[data-testid="login-submit"]');
      const accessToken = ((await (await loggedIn).json()) as { data: { accessToken: string } }).data.accessToken;
      await waitForConsoleReady(page);
      expect(await page.locator('[data-testid="who"]').getAttribute('data-role')).toBe('duty_officer');
      // Give the map's workers and tiles a moment to run under the policy.
      await page.waitForTimeout(500);
      expect(csp).toEqual([]);
      expect(await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? [])).toEqual([]);

      // The session is in memory only: no storage holds the token, no script sees the refresh cookie.
      expect(await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }))).not.toContain(accessToken);
      expect(await page.evaluate(() => document.cookie)).toBe('');
      expect((await fetch(`${app.url}/api/auth/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(200);
      await page.click('[data-testid="logout"]');
      await page.waitForSelector('[data-testid="login-page"]');
      expect(await page.context().cookies()).toEqual([]);
      // The server ended that session: its token no longer works.
      expect((await fetch(`${app.url}/api/auth/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(401);
    } finally {
      await context.close();
    }
  });
});

describe('hostile text', () => {
  it('a report description and a note with markup show as text and run nothing', async () => {
    const dev = await mqtt.connectAsync(stack.broker.url, { protocolVersion: 4 });
    const body = { seq: 1, ts: Date.now(), channel: 'hotline_114', type: 'fire', severity: 'major', lat: 10.005, lon: 106.005, description: XSS_REPORT, externalRef: 'XSS-1' };
    await dev.publishAsync(topics.incidentReport('hotline-114'), JSON.stringify(body), { qos: 1 });
    await dev.endAsync();
    let id = '';
    await waitFor(() => (id = app.operations.incidents.open().find((i) => i.externalRef === 'hotline-114:XSS-1')?.id ?? '') !== '');
    const note = await fetch(`${app.url}/api/incidents/${id}/notes`, { method: 'POST', headers: { 'content-type': 'application/json', ...(await app.headers()) }, body: JSON.stringify({ note: XSS_NOTE }) });
    expect(note.status).toBe(200);

    const con = await openConsole(browser, app);
    try {
      const { page } = con;
      const row = page.locator(`[data-testid="incident-row"][data-incident-id="${id}"]`);
      await row.waitFor();
      await row.locator('button').first().click();
      const view = page.locator(`[data-testid="incident-view"][data-incident-id="${id}"]`);
      await view.waitFor();
      await waitFor(async () => ((await view.textContent()) ?? '').includes(XSS_NOTE), { message: 'the note is not shown as text' });
      expect(await view.textContent()).toContain('<img src=x onerror="window.__xss=1">');
      expect(await page.locator('img[src="x"]').count()).toBe(0);
      expect(await page.locator('[data-testid="incident-view"] script, [data-testid="incident-view"] b').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    } finally {
      await con.close();
    }
  });
});
