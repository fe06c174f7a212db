/**
 * The "Ingest tokens" section of /admin (issue #19.4) in headless Chromium
 * against the real server: an admin issues a token through the form, sees the
 * secret once, the token works on POST /api/ingest/cap, and revoking it from
 * the table stops it. A supervisor's page has no such section. A display token
 * is issued with its lifetime, and the table says until when it works.
 * Needs dist/client (`npx vite build`).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vi } from '../../client/src/i18n/vi.js';
import { startTestApp, type TestApp } from '../harness/app.js';
import { waitFor } from '../harness/wait.js';
import { addSessionCookie, type TestRole } from '../harness/auth.js';
import { launchChromium, screenshot, watchPage } from '../harness/chromium.js';
import { REPO_ROOT, requireBuiltClient } from '../harness/console.js';
import { startTestInfluxd, type TestInfluxd } from '../harness/influxd.js';

const STATIC_DIR = requireBuiltClient();
const CAP = fs.readFileSync(path.join(REPO_ROOT, 'tests', 'fixtures', 'cap', 'ninh-thuan-flood.xml'), 'utf8');
const SENDER = 'canhbao@kttv.ninhthuan.gov.vn';
let influxd: TestInfluxd;
let browser: Browser;
let app: TestApp;

beforeAll(async () => {
  [influxd, browser] = await Promise.all([startTestInfluxd(), launchChromium()]);
  app = await startTestApp({ mqttUrl: '', influxUrl: influxd.url, env: { MQTT_EMBEDDED_PORT: '0', STATIC_DIR } });
});
afterAll(async () => {
  await app?.stop();
  await browser?.close();
  await influxd?.stop();
});

async function openAdmin(role: TestRole): Promise<{ page: Page; api: string[]; close(): Promise<void> }> {
  // A workstation in another time zone: the page still says the city's times.
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, reducedMotion: 'reduce', locale: 'vi-VN', timezoneId: 'America/New_York' });
  await addSessionCookie(context, app.url, await app.login(role));
  const page = await context.newPage();
  const api: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/admin/')) api.push(new URL(r.url()).pathname);
  });
  await page.goto(`${app.url}/admin`);
  await page.waitForSelector('[data-testid="admin-users"] tbody tr');
  return { page, api, close: () => context.close() };
}

const ingestCap = (token: string) =>
  fetch(`${app.url}/api/ingest/cap`, { method: 'POST', headers: { 'content-type': 'application/cap+xml', authorization: `Bearer ${token}` }, body: CAP });

describe('/admin, ingest tokens', () => {
  it('an admin issues one (secret shown once, it works) and revokes it from the table', async () => {
    const { page, close } = await openAdmin('admin');
    const watch = watchPage(page);
    try {
      const section = page.locator('#ingest');
      await section.waitFor();
      expect(await section.locator('h2').textContent()).toBe(vi.admin.ingest.title);
      const form = page.locator('[data-testid="admin-ingest-issue"]');
      await form.getByLabel(vi.admin.ingest.name).fill('KTTV Ninh Thuận');
      await form.getByLabel(vi.admin.ingest.senders).fill(`${SENDER}, canhbao2@kttv.ninhthuan.gov.vn`);
      await form.locator('button[type=submit]').click();
      const notice = page.locator('[data-testid="admin-notice"]');
      await notice.locator('code').waitFor();
      expect(await notice.textContent()).toContain(vi.admin.showOnce);
      const token = (await notice.locator('code').textContent())!.trim();
      expect(token).toMatch(/^ing_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);

      const row = page.locator('[data-testid="admin-ingest-tokens"] tbody tr');
      await expect.poll(() => row.count()).toBe(1);
      expect(await row.locator('td').allTextContents()).toEqual(
        expect.arrayContaining(['KTTV Ninh Thuận', `${SENDER}, canhbao2@kttv.ninhthuan.gov.vn`, vi.admin.ingest.scope.cap, vi.admin.ingest.never]),
      );
      // The secret is never listed again.
      expect(await page.locator('[data-testid="admin-ingest-tokens"]').textContent()).not.toContain(token.slice(21));
      expect((await ingestCap(token)).status).toBe(202);
      await screenshot(page, 'admin-ingest-tokens', { artifact: true, fullPage: true });

      await row.getByRole('button', { name: vi.admin.revoke }).click();
      await expect.poll(() => row.locator('td').last().textContent()).toBe(vi.admin.revoked);
      // The only token revoked: ingest over HTTP is off again.
      expect((await ingestCap(token)).status).toBe(503);
      expect(watch.pageErrors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('a supervisor has no ingest section and never asks for the list', async () => {
    const { page, api, close } = await openAdmin('supervisor');
    try {
      expect(await page.locator('#ingest').count()).toBe(0);
      expect(api.filter((p) => p.includes('ingest'))).toEqual([]);
    } finally {
      await close();
    }
  });
});

describe('/admin, users', () => {
  it('a supervisor binds a responder account to another unit of the city from the table', async () => {
    const { page, close } = await openAdmin('supervisor');
    try {
      const responder = app.auth.listUsers().find((u) => u.username === 'responder')!;
      const pick = page.locator(`tr[data-username="responder"] [data-testid="user-unit"]`);
      await waitFor(async () => (await pick.count()) === 1 && (await pick.inputValue()) === app.responderUnit, { message: 'the responder row offers no unit choice' });
      // Every unit of the pack is offered, by name and id.
      const offered = await pick.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
      expect(offered).toEqual(app.pack.sites.units.map((u) => u.id));
      const other = app.pack.sites.units.find((u) => u.id !== app.responderUnit)!;
      await pick.selectOption(other.id);
      await waitFor(() => app.auth.listUsers().find((u) => u.id === responder.id)?.unitId === other.id, { message: 'the server never took the new unit' });
      await page.locator('[data-testid="admin-notice"]').waitFor();
      // And back, for the other tests of this file.
      await pick.selectOption(app.responderUnit);
      await waitFor(() => app.auth.listUsers().find((u) => u.id === responder.id)?.unitId === app.responderUnit, { message: 'the unit was not set back' });
      // Other roles have no unit to choose.
      expect(await page.locator('tr[data-username="duty-officer"] [data-testid="user-unit"]').count()).toBe(0);
    } finally {
      await close();
    }
  });
});

describe('/admin, display tokens', () => {
  it('issues one with a lifetime; the table shows until when, and the wall link carries the token in its fragment', async () => {
    const { page, close } = await openAdmin('admin');
    try {
      const section = page.locator('#displays');
      await section.locator('input[placeholder]').first().fill('Tường phòng họp');
      await section.getByLabel(vi.admin.displayTtl).fill('7');
      const before = Date.now();
      await section.locator('button[type=submit]').click();
      const link = (await page.locator('[data-testid="admin-notice"] code').textContent())!.trim();
      expect(link).toMatch(/\/wall#token=dsp_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
      const row = section.locator('tbody tr', { hasText: 'Tường phòng họp' });
      await row.waitFor();
      // The server's own record: seven days from now.
      const listed = app.auth.listDisplayTokens().find((d) => d.name === 'Tường phòng họp')!;
      expect(listed.expiresAt! - before).toBeGreaterThan(7 * 86_400_000 - 60_000);
      expect(listed.expiresAt! - before).toBeLessThan(7 * 86_400_000 + 60_000);
      // In the city's time (Asia/Ho_Chi_Minh, the pack's), day first, 24-hour: as every other screen writes it.
      const city = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(listed.expiresAt!).replace(',', '');
      await waitFor(async () => (await row.locator('td').nth(2).textContent()) === city, { timeoutMs: 3_000, message: `expiry not shown as ${city}` });
      expect(await row.locator('td').nth(1).textContent()).toMatch(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2} · admin$/);
      await screenshot(page, 'admin-display-tokens', { artifact: true, fullPage: true });
    } finally {
      await close();
    }
  });
});
