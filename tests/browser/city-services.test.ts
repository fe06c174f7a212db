/**
 * Issue #23 on screen, one console stack on the demo city with the normal-day simulation
 * (which also publishes the demo's year of indicator figures):
 *  - a citizen request posted over Open311, form-encoded, is in the duty officer's incident
 *    list as a citizen-app incident, and its view names the channel and the request;
 *  - the wall's "Chuyển đổi số" panel shows every indicator, met or missed, with the demo
 *    figures said to be the demo's;
 *  - a supervisor schedules a video-conference meeting in the console; a point whose commune
 *    fiber is cut drops: the console's panel, map layer and alert queue say so, with the cause,
 *    and the wall's readiness panel counts it; screenshots at 1920×1080.
 * Needs a built client (`npx vite build`; IOC_CLIENT_DIR for a private one).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { topics } from '../../contract/index.js';
import type { GeoReportCreated } from '../../contract/open311.js';
import type { VcBoardView } from '../../contract/vc.js';
import { screenshot } from '../harness/chromium.js';
import { DEMO_CITY_DAY, openConsole, sourceFeature } from '../harness/console.js';
import { consoleStackForFile } from '../harness/stack.js';
import { waitFor } from '../harness/wait.js';

const stack = consoleStackForFile({ env: { ...DEMO_CITY_DAY, SIM_SPEED: '10' } });

async function openWall(panel: string): Promise<{ page: Page; close(): Promise<void> }> {
  const { app, browser } = stack();
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, reducedMotion: 'reduce', locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  await page.goto(`${app.url}/wall?panel=${panel}#token=${encodeURIComponent(await app.token('wall'))}`);
  await page.waitForSelector('[data-testid="wall"][data-state="live"]', { timeout: 60_000 });
  return { page, close: () => context.close() };
}

describe('issue #23 on the console and the wall', () => {
  it('a citizen request over Open311 is a citizen-app incident in the duty officer list', async () => {
    const { app } = stack();
    const key = app.ingestTokens.issue({ name: 'Phan Rang Smart', scopes: ['open311'] }).token;
    const form = new URLSearchParams({ api_key: key, service_code: 'flooding', lat: '11.5672', long: '108.9891', address_string: 'Đường 16 Tháng 4, trước chợ Phan Rang', description: 'Nước ngập sâu khoảng 40 cm, xe máy chết máy', device_id: 'ios-7c1e', first_name: 'Hoa' });
    const res = await fetch(`${app.url}/open311/v2/requests.json`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    expect(res.status).toBe(201);
    const id = ((await res.json()) as GeoReportCreated[])[0]!.service_request_id;
    const inc = app.operations.incidents.byRef(`open311:R${id}`)!;

    const c = await openConsole(browser(), app, { width: 1920, height: 1080 });
    try {
      const row = c.page.locator(`[data-testid="incident-row"][data-incident-id="${inc.id}"]`);
      await row.waitFor({ timeout: 20_000 });
      await row.locator('button').click();
      const view = c.page.locator(`[data-testid="incident-view"][data-incident-id="${inc.id}"]`);
      await view.waitFor();
      const text = await view.textContent();
      expect(text).toContain('Ứng dụng người dân');
      expect(text).toContain(`open311:R${id}`);
      expect(text).toContain('Nước ngập sâu');
      await screenshot(c.page, 'console-citizen-request-vi-1920x1080');
      c.watch.assertNoErrors();
    } finally {
      await c.close();
    }
  }, 60_000);

  it('the wall "Chuyển đổi số" panel: every indicator against its target, met or missed, demo figures said so', async () => {
    const wall = await openWall('digital');
    try {
      const { page } = wall;
      const panel = page.locator('[data-testid="wall-digital"]');
      await panel.waitFor({ timeout: 20_000 });
      await waitFor(async () => Number(await panel.getAttribute('data-total')) >= 9, { timeoutMs: 30_000, message: 'figures for the indicators' });
      const rows = await page.locator('.wdigital__row').evaluateAll((els) => els.map((e) => ({ id: e.getAttribute('data-indicator'), state: e.getAttribute('data-state'), demo: e.getAttribute('data-demo'), bottom: e.getBoundingClientRect().bottom })));
      expect(rows.length).toBeGreaterThanOrEqual(10);
      expect(rows.filter((r) => r.state === 'met').length).toBeGreaterThan(0);
      expect(rows.filter((r) => r.state === 'missed').length).toBeGreaterThan(0);
      expect(rows.find((r) => r.id === 'online_records_pct')!.demo).toBe('true');
      expect(await page.locator('[data-testid="wall-digital-demo"]').textContent()).toContain('Số liệu mẫu');
      expect(await page.locator('.wpanel__title').textContent()).toBe('Chuyển đổi số');
      await screenshot(page, 'wall-digital-vi-1920x1080');
      // Every row on screen at 1080p, above the panel's rotation dots: nothing cut off.
      const limit = await page.locator('.wpanel__dots').evaluate((e) => e.getBoundingClientRect().top);
      for (const r of rows) expect(r.bottom, r.id!).toBeLessThanOrEqual(limit);
    } finally {
      await wall.close();
    }
  }, 90_000);
});

const browser = () => stack().browser;

describe('video-conference points on the console and the wall', () => {
  it('a supervisor schedules a meeting; a point behind a cut fiber drops: panel, map layer, alert with its cause, wall readiness', async () => {
    const { app, dev } = stack();
    const c = await openConsole(browser(), app, { width: 1920, height: 1080, role: 'supervisor' });
    try {
      const { page } = c;
      await page.locator('[data-testid="vc-panel"][data-expected="16"]').waitFor({ timeout: 20_000 });
      // The schedule, as a supervisor fills it in: 10 minutes from now, on the city's clock.
      await page.locator('[data-testid="vc-meetings-open"]').click();
      const form = page.locator('[data-testid="vc-meeting-form"]');
      const local = new Date(Date.now() + 10 * 60_000 + 7 * 3_600_000).toISOString().slice(0, 16);
      await form.locator('input').nth(0).fill('Giao ban trực tuyến phòng chống bão số 13');
      await form.locator('input[type="datetime-local"]').fill(local);
      await form.getByRole('button', { name: 'Chọn tất cả' }).click();
      await form.locator('button[type="submit"]').click();
      await page.locator('[data-testid="vc-meeting-list"] li[data-meeting]').waitFor();
      const board = (await (await fetch(`${app.url}/api/vc`, { headers: await app.headers('wall') })).json()) as { data: VcBoardView };
      const meeting = board.data.meetings[0]!;
      expect(meeting.pointIds).toHaveLength(16);
      // The form's time is the city's wall clock (UTC+7): the meeting starts 10 minutes from now, to the minute.
      expect(Math.abs(meeting.startsAt - (Date.now() + 10 * 60_000))).toBeLessThan(90_000);
      await page.locator('[data-testid="vc-meetings-close"]').click();
      await page.locator('[data-testid="vc-meetings"]').waitFor({ state: 'detached' });

      // Tấn Tài's fiber is cut and its point drops (stamped ahead, so the simulated heartbeats are older news).
      const ahead = Date.now() + 170_000;
      await dev.publishAsync(topics.linkStatus('fo-tan-tai'), JSON.stringify({ seq: 1, ts: ahead, state: 'down', lossPct: 100 }), { qos: 1, retain: true });
      await dev.publishAsync(topics.vcStatus('vc-tan-tai'), JSON.stringify({ seq: 1, ts: ahead, state: 'offline', lastTestCallAt: Date.now() - 3_600_000, lastTestCallOk: true }), { qos: 1, retain: true });
      const alert = await waitFor(() => app.operations.alerts.open().find((a) => a.rule === 'vc_not_ready'), { timeoutMs: 20_000, message: 'vc_not_ready raised' });
      expect(alert.title).toContain('đứt cáp quang');
      await page.locator('[data-testid="vc-panel"][data-ready="15"]').waitFor({ timeout: 20_000 });
      expect(await page.locator('[data-testid="vc-panel"] [data-ward="w-tan-tai"]').textContent()).toContain('0/1');
      const feature = await waitFor(() => sourceFeature(page, 'vc-points', 'vc-tan-tai').then((f) => (f?.status === 'missing' ? f : null)), { message: 'map layer shows the point missing' });
      expect(feature.expected).toBe(true);
      const row = page.locator(`[data-alert-id="${alert.id}"]`).first();
      await row.waitFor({ timeout: 20_000 });
      expect(await row.textContent()).toContain('do đứt cáp quang');
      await screenshot(page, 'console-vc-readiness-vi-1920x1080');
      c.watch.assertNoErrors();
    } finally {
      await c.close();
    }

    const wall = await openWall('vc');
    try {
      const { page } = wall;
      await page.locator('[data-testid="wall-vc"][data-ready="15"][data-expected="16"]').waitFor({ timeout: 20_000 });
      expect(await page.locator('[data-testid="wall-vc-missing"]').textContent()).toContain('Tấn Tài');
      await waitFor(() => sourceFeature(page, 'vc-points', 'vc-tan-tai').then((f) => f?.status === 'missing'), { message: 'wall map layer' });
      await screenshot(page, 'wall-vc-readiness-vi-1920x1080');
    } finally {
      await wall.close();
    }
  }, 120_000);
});
