/**
 * The responder's phone (/responder, 390×844) against the real server: an
 * incident dispatched to the unit is announced (vibration) and stays until
 * accepted; accept → on scene → resolved, with the later steps tapped while the
 * phone is offline (queued, shown pending, kept in localStorage) and applied in
 * order once it is back; a step the server refuses on replay is shown as a
 * conflict; the unit's status; an account bound to no unit gets a page that says
 * why and offers a way out. Needs dist/client (`npx vite build`).
 */
import crypto from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../contract/index.js';
import { topics } from '../../contract/index.js';
import { hashPassword } from '../../server/auth/passwords.js';
import { openAuthStore } from '../../server/auth/store.js';
import { accountsDb } from '../harness/accounts.js';
import type { TestApp } from '../harness/app.js';
import { addSessionCookie, login, testPassword } from '../harness/auth.js';
import { screenshot, watchPage } from '../harness/chromium.js';
import { openPhone as openPhoneAs, pngSize, type PhonePage } from '../harness/console.js';
import type { DeviceSend } from '../harness/device.js';
import { startConsoleStack, type ConsoleStack } from '../harness/stack.js';
import { waitFor } from '../harness/wait.js';

let stack: ConsoleStack;
let browser: Browser;
let app: TestApp;
let send: DeviceSend;

beforeAll(async () => {
  stack = await startConsoleStack();
  ({ browser, app, send } = stack);
});
afterAll(async () => {
  await stack?.stop();
});

/** The phone of the test responder (the one place login happens), vibration recorded. */
const openPhone = async (): Promise<PhonePage> => openPhoneAs(browser, app.url, await app.login('responder'));

let calls = 0;
/** A 113 call becomes an incident; the duty officer dispatches it to the responder's unit over REST. */
async function dispatchedIncident(address: string, lon: number): Promise<Incident> {
  const ref = `CALL-${++calls}-${Date.now()}`;
  await send(topics.incidentReport('hotline-113'), 'hotline-113', { channel: 'hotline_113', type: 'crime', severity: 'major', lat: 10.004, lon, address, description: 'Đánh nhau trước quán', externalRef: ref });
  const inc = await waitFor(() => app.operations.incidents.recent().find((i) => i.externalRef === `hotline-113:${ref}` || i.externalRef === ref), { message: 'incident from the 113 call' });
  const res = await fetch(`${app.url}/api/incidents/${inc.id}/dispatch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await app.headers('duty_officer')) },
    body: JSON.stringify({ version: inc.version, unitId: app.responderUnit }),
  });
  expect(res.status).toBe(200);
  return app.operations.incidents.get(inc.id)!;
}

const card = (page: Page, id: string) => page.locator(`[data-testid="responder-incident"][data-incident-id="${id}"]`);
async function step(page: Page, id: string, action: 'on_scene' | 'resolve'): Promise<void> {
  await card(page, id).locator(`button[data-action="${action}"]`).click();
  await card(page, id).locator('[data-testid="responder-confirm-yes"]').click();
}

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, reducedMotion: 'reduce', locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' } as const;

describe('responder phone (test town)', () => {
  it('assignment → notified → accept → (offline) on scene, note, resolved → applied in order on reconnect', async () => {
    const { context, page, watch } = await openPhone();
    try {
      // A tap on the page lets it make sound (the browser's rule): the alarm then beeps as well.
      await page.touchscreen.tap(195, 830);
      const inc = await dispatchedIncident('12 Trần Phú, Test Town', 106.012);
      // Announced: a banner that stays until accepted, and the phone vibrated and beeped (three tones).
      const banner = page.locator(`[data-testid="responder-new"][data-incident-id="${inc.id}"]`);
      await banner.waitFor({ timeout: 5_000 });
      await waitFor(() => page.evaluate(() => (window as unknown as { __vibrations: unknown[] }).__vibrations.length), { message: 'no vibration' });
      await waitFor(() => page.evaluate(() => (window as unknown as { __tones: number }).__tones === 3), { message: 'no beep' });
      expect(await card(page, inc.id).getAttribute('data-status')).toBe('dispatched');
      expect(await page.locator('[data-testid="responder-distance"]').first().textContent()).toMatch(/Cách \d/);
      await page.waitForTimeout(1_500);
      expect(await banner.isVisible()).toBe(true); // still there: nothing accepted it
      const shot = await screenshot(page, 'responder-390x844');
      expect(pngSize(shot)).toEqual({ width: 390, height: 844 });

      await page.locator('[data-testid="responder-accept-new"]').click();
      await banner.waitFor({ state: 'detached', timeout: 5_000 });
      // Accepting is a step of its own (incident:accept), about this unit.
      await waitFor(() => app.operations.incidents.get(inc.id)!.timeline.some((e) => e.action === 'accept' && e.unitId === app.responderUnit), { message: 'accept step on the server' });
      // And its answer back on the phone (the step leaves its queue): the server can apply it a moment before.
      await waitFor(async () => (await page.locator('[data-testid="responder-queue"]').count()) === 0, { message: 'the accept was never answered on the phone' });

      // The phone loses the network; three steps are tapped.
      await context.setOffline(true);
      await page.waitForSelector('[data-testid="responder"][data-state="offline"]', { timeout: 10_000 });
      await step(page, inc.id, 'on_scene');
      await card(page, inc.id).locator('[data-testid="responder-note"]').fill('Ảnh IMG_0042');
      await card(page, inc.id).locator('.rnote button[type="submit"]').click();
      await step(page, inc.id, 'resolve');
      const pending = card(page, inc.id).locator('[data-testid="responder-pending"] li');
      expect(await pending.evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))).toEqual(['on_scene', 'note', 'resolve']);
      expect(await page.locator('[data-testid="responder-queue"]').getAttribute('data-count')).toBe('3');
      expect(await page.locator('[data-testid="responder-offline"]').isVisible()).toBe(true);
      expect(await card(page, inc.id).getAttribute('data-projected')).toBe('resolved');
      const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('ioc.responder.queue') ?? '[]') as { kind: string }[]);
      expect(stored.map((a) => a.kind)).toEqual(['on_scene', 'note', 'resolve']);
      // Nothing reached the server.
      await page.waitForTimeout(1_000);
      expect(app.operations.incidents.get(inc.id)!.status).toBe('dispatched');

      // Back online: sent in order, the queue empties.
      await context.setOffline(false);
      await waitFor(() => app.operations.incidents.get(inc.id)!.status === 'resolved', { timeoutMs: 30_000, message: 'queued steps not applied' });
      const actions = app.operations.incidents.get(inc.id)!.timeline.filter((e) => e.by !== 'hotline_113' && e.action !== 'created' && e.action !== 'report' && e.action !== 'dispatch').map((e) => (e.action === 'note' ? `note:${e.note}` : e.action));
      expect(actions.slice(-4)).toEqual(['accept', 'on_scene', 'note:Ảnh IMG_0042', 'resolve']);
      await page.locator('[data-testid="responder-queue"]').waitFor({ state: 'detached', timeout: 10_000 });
      await waitFor(async () => (await card(page, inc.id).getAttribute('data-status')) === 'resolved', { message: 'card not resolved' });
      expect(await page.evaluate(() => localStorage.getItem('ioc.responder.queue'))).toBe('[]');
      expect(await page.locator('[data-testid="responder-conflict"]').count()).toBe(0);
      expect(watch.pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a step refused on replay (the officer resolved it meanwhile) is shown as a conflict; the unit status is set from the phone', async () => {
    const { context, page } = await openPhone();
    try {
      const inc = await dispatchedIncident('5 Lê Lợi, Test Town', 106.014);
      await page.locator(`[data-testid="responder-new"][data-incident-id="${inc.id}"]`).waitFor({ timeout: 5_000 });
      await context.setOffline(true);
      await page.waitForSelector('[data-testid="responder"][data-state="offline"]', { timeout: 10_000 });
      await step(page, inc.id, 'on_scene');
      // Meanwhile the duty officer resolves it.
      const cur = app.operations.incidents.get(inc.id)!;
      const res = await fetch(`${app.url}/api/incidents/${inc.id}/resolve`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await app.headers('duty_officer')) },
        body: JSON.stringify({ version: cur.version, note: 'Đã xử lý qua điện thoại' }),
      });
      expect(res.status).toBe(200);
      await context.setOffline(false);
      const conflict = page.locator('[data-testid="responder-conflict"]');
      await conflict.waitFor({ timeout: 30_000 });
      // Said plainly: which step, and the server's reason (it is resolved now).
      expect(await conflict.getAttribute('data-kind')).toBe('on_scene');
      expect(await conflict.getAttribute('data-code')).toBe('resolved');
      expect(await conflict.textContent()).toContain('Đã đến hiện trường — sự cố đã được xử lý xong');
      expect(app.operations.incidents.get(inc.id)!.status).toBe('resolved');
      await conflict.locator('button').click();
      await conflict.waitFor({ state: 'detached' });

      // Off duty from the phone (the unit is free again).
      const status = page.locator('[data-testid="responder-unit-status"]');
      await waitFor(async () => (await status.getAttribute('data-status')) === 'available', { message: 'unit not available' });
      await status.locator('button[data-status="off_duty"]').click();
      await waitFor(() => app.operations.units.get(app.responderUnit)?.status === 'off_duty', { message: 'unit status not set' });
      await waitFor(async () => (await status.getAttribute('data-status')) === 'off_duty', { message: 'unit status not shown' });
    } finally {
      await context.close();
    }
  });

  it('an account bound to no unit: the phone’s bar and theme, what is wrong and who fixes it, sign-out', async () => {
    // A responder account with no unit, as an earlier installation or another tool wrote it (the service refuses to).
    const username = 'responder-no-unit';
    const db = await accountsDb(app.config.DATABASE_URL!);
    try {
      const store = await openAuthStore(db);
      const t = Date.now();
      await store.stored([store.putUser({ id: crypto.randomUUID(), username, displayName: 'Tổ chưa gán', role: 'responder', unitId: null, passwordHash: await hashPassword(testPassword(username)), disabled: false, createdAt: t, updatedAt: t })]);
    } finally {
      await db.close();
    }
    const responder = await waitFor(() => login(app.url, username, testPassword(username)), { timeoutMs: 5_000, message: 'the unit-less responder cannot log in' });
    expect(responder.user.unitId).toBeNull();

    const context = await browser.newContext(PHONE);
    try {
      await addSessionCookie(context, app.url, responder);
      const page = await context.newPage();
      const watch = watchPage(page);
      await page.goto(`${app.url}/responder`);
      const panel = page.locator('[data-testid="responder-no-unit"][data-role="responder"]');
      await panel.waitFor({ timeout: 30_000 });
      // The phone's own layout: its dark top bar over its light page, not a bare sentence.
      expect(await panel.locator('.rtop').textContent()).toBe('Nhiệm vụ của tổ');
      expect(await panel.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(244, 246, 250)');
      const text = (await panel.locator('main').textContent()) ?? '';
      expect(text).toContain('Tài khoản chưa được gán tổ');
      expect(text).toContain('tài khoản Tổ chưa gán (responder-no-unit) chưa được gán cho tổ nào');
      expect(text).toContain('Trưởng ca gán một tổ cho tài khoản này trên trang Quản trị');
      // A responder has no console: the one way out is to sign out.
      expect(await page.locator('[data-testid="responder-console"]').count()).toBe(0);
      expect(await page.locator('.rnounit__units').count()).toBe(0);
      const shot = await screenshot(page, 'responder-no-unit-390x844');
      expect(pngSize(shot)).toEqual({ width: 390, height: 844 });
      const sessions = async () => {
        const res = await fetch(`${app.url}/api/admin/users`, { headers: await app.headers('admin') });
        return ((await res.json()) as { data: { username: string; sessions: number }[] }).data.find((u) => u.username === username)?.sessions;
      };
      expect(await sessions()).toBe(1);
      // The page signs out, then loads the start page afresh (the login page there): waited for, so the reload below does not cut it short.
      const left = page.waitForEvent('load');
      await page.locator('[data-testid="logout"]').click();
      await left;
      expect(page.url()).toBe(`${app.url}/`);
      await page.locator('[data-testid="login-page"]').waitFor({ timeout: 10_000 });
      // Signed out on the server too, and a reload stays on the login page.
      expect(await sessions()).toBe(0);
      await page.reload();
      await page.locator('[data-testid="login-page"]').waitFor({ timeout: 10_000 });
      expect(watch.pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('an officer on the phone page with no unit gets the console and each unit’s screen', async () => {
    // A duty officer opening /responder without ?unit= sees the same page, with the console and each unit's screen.
    const context = await browser.newContext(PHONE);
    try {
      await addSessionCookie(context, app.url, await app.login('duty_officer'));
      const page = await context.newPage();
      await page.goto(`${app.url}/responder`);
      const panel = page.locator('[data-testid="responder-no-unit"][data-role="duty_officer"]');
      await panel.waitFor({ timeout: 30_000 });
      expect(await panel.locator('[data-testid="logout"]').isVisible()).toBe(true);
      expect(await panel.locator('.rnounit__fix').textContent()).toBe('Tài khoản điều hành không gắn với tổ nào: chọn một tổ bên dưới để xem màn hình của tổ đó, hoặc về bảng điều hành.');
      const units = await panel.locator('.rnounit__units a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      expect(units).toEqual(app.pack.sites.units.map((u) => `/responder?unit=${u.id}`));
      await screenshot(page, 'responder-no-unit-officer-390x844', { artifact: true });
      await page.locator(`.rnounit__units a[data-unit-id="${app.responderUnit}"]`).click();
      await page.waitForSelector('[data-testid="responder"][data-state="live"]', { timeout: 30_000 });
      await page.goBack();
      await panel.locator('[data-testid="responder-console"]').click();
      await page.waitForURL(`${app.url}/`);
      // The console (its header's account block is folded away at phone width, but there).
      await page.locator('[data-testid="who"][data-role="duty_officer"]').waitFor({ state: 'attached', timeout: 30_000 });
    } finally {
      await context.close();
    }
  });
});
