/**
 * The responder's phone (/responder, 390×844) against the real server: an
 * incident dispatched to the unit is announced (vibration) and stays until
 * accepted; accept → on scene → resolved, with the later steps tapped while the
 * phone is offline (queued, shown pending, kept in localStorage) and applied in
 * order once it is back; a step the server refuses on replay is shown as a
 * conflict; the unit's status. Needs dist/client (`npx vite build`).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../contract/index.js';
import { topics } from '../../contract/index.js';
import type { TestApp } from '../harness/app.js';
import { screenshot } from '../harness/chromium.js';
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
});
