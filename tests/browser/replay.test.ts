/**
 * Replay (/replay) in headless Chromium against the real server: a station goes
 * down and comes back; the replay page opened at a moment in between shows it
 * down on the map with the alert that was open then; scrubbing to after the
 * recovery rebuilds the picture with it up; playing reaches the end. Its from/to
 * fields speak the city's time and format in a browser set to another zone and locale.
 * Needs dist/client (`npx vite build`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../contract/index.js';
import { startTestApp, type TestApp } from '../harness/app.js';
import { addSessionCookie } from '../harness/auth.js';
import { launchChromium, screenshot, watchPage } from '../harness/chromium.js';
import { pngSize, requireBuiltClient, sourceFeature } from '../harness/console.js';
import { startTestInfluxd, type TestInfluxd } from '../harness/influxd.js';
import { startMosquitto, type TestMosquitto } from '../harness/mosquitto.js';
import { waitFor } from '../harness/wait.js';

const STATIC_DIR = requireBuiltClient();
let influxd: TestInfluxd;
let broker: TestMosquitto;
let browser: Browser;
let app: TestApp;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-replay-b-'));

beforeAll(async () => {
  [influxd, broker, browser] = await Promise.all([startTestInfluxd(), startMosquitto(), launchChromium()]);
  app = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env: { STATIC_DIR, SPOOL_DIR: path.join(dir, 'spool') } });
});
afterAll(async () => {
  await app?.stop();
  await browser?.close();
  await broker?.stop();
  await influxd?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Set a range input the way a drag does (React listens to `input`). */
async function scrubTo(page: Page, at: number): Promise<void> {
  await page.locator('[data-testid="replay-scrubber"]').evaluate((el, v) => {
    const input = el as HTMLInputElement;
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, String(v));
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, at);
}

describe('replay page (test town)', () => {
  it('shows the station down and its alert at a moment of the outage; scrubbing after the recovery shows it up; plays to the end', async () => {
    const station = app.pack.sites.stations[0]!.id;
    const dev = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    let seq = 0;
    const send = (state: string) => dev.publishAsync(topics.stationStatus(station), JSON.stringify({ seq: ++seq, ts: Date.now(), state, power: 'mains', backhaul: state === 'down' ? 'down' : 'up' }), { qos: 1 });
    const t0 = Date.now();
    await send('up');
    await waitFor(() => app.registry.stations.get(station)?.state === 'up');
    await new Promise((r) => setTimeout(r, 1500));
    await send('down');
    const alert = await waitFor(() => app.operations.alerts.open().find((a) => a.rule === 'station_down' && a.source.id === station), { message: 'station_down alert' });
    const tDown = app.registry.stations.get(station)!.lastSeen!;
    await new Promise((r) => setTimeout(r, 1500));
    await send('up');
    await waitFor(() => app.registry.stations.get(station)?.state === 'up');
    const tUp = app.registry.stations.get(station)!.lastSeen!;
    await dev.endAsync();
    await app.writer.flush(10_000);
    const mid = Math.round((tDown + tUp) / 2);
    const openAtMid = app.operations.alerts.all().filter((a) => a.firstSeen <= mid && !(a.clearedAt !== null && a.clearedAt <= mid));
    expect(openAtMid.map((a) => a.id)).toContain(alert.id);

    const session = await app.login('duty_officer');
    const context = await browser.newContext({ viewport: { width: 1600, height: 900 }, reducedMotion: 'reduce', locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    await addSessionCookie(context, app.url, session);
    const page = await context.newPage();
    const watch = watchPage(page);
    try {
      // The window must reach past the recovery, or the scrubber (max = to) clamps the jump below.
      await waitFor(() => Date.now() > tUp + 1000, { intervalMs: 50 });
      const to = Date.now();
      await page.goto(`${app.url}/replay?from=${t0 - 1000}&to=${to}&at=${mid}`);
      await page.waitForSelector(`[data-testid="replay"][data-loading="false"][data-at="${mid}"]`, { timeout: 30_000 });
      await page.waitForFunction(() => !!(window as unknown as { __iocMap?: { getSource(id: string): unknown } }).__iocMap?.getSource('stations'), undefined, { timeout: 30_000 });
      await waitFor(async () => (await sourceFeature(page, 'stations', station))?.state === 'down', { message: 'station not down on the replay map at the moment of the outage' });
      expect(Number(await page.locator('[data-testid="replay-alert-count"]').textContent())).toBe(openAtMid.length);
      await page.locator(`[data-testid="replay-alerts"] [data-alert-id="${alert.id}"]`).waitFor({ timeout: 5_000 });
      const shot = await screenshot(page, 'replay-1600x900');
      expect(pngSize(shot)).toEqual({ width: 1600, height: 900 });

      // Jump past the recovery: rebuilt from the server, the station is up again.
      const after = tUp + 300;
      await scrubTo(page, after);
      await page.waitForSelector(`[data-testid="replay"][data-loading="false"][data-at="${after}"]`, { timeout: 15_000 });
      await waitFor(async () => (await sourceFeature(page, 'stations', station))?.state === 'up', { message: 'station not up after scrubbing past the recovery' });

      // Back to the start and play at 1×: the outage passes on the map and the clock reaches the end.
      await scrubTo(page, t0);
      await page.waitForSelector(`[data-testid="replay"][data-loading="false"][data-at="${t0}"]`, { timeout: 15_000 });
      await page.locator('[data-testid="replay-speed"]').selectOption('1');
      await page.locator('[data-testid="replay-play"]').click();
      let sawDown = false;
      await waitFor(async () => {
        if ((await sourceFeature(page, 'stations', station))?.state === 'down') sawDown = true;
        return (await page.locator('[data-testid="replay"]').getAttribute('data-playing')) === 'false';
      }, { timeoutMs: 30_000, intervalMs: 20, message: 'playback did not reach the end' });
      expect(sawDown).toBe(true);
      expect(Number(await page.locator('[data-testid="replay"]').getAttribute('data-at'))).toBe(to);
      await waitFor(async () => (await sourceFeature(page, 'stations', station))?.state === 'up', { message: 'station not up at the end' });
      expect(watch.pageErrors).toEqual([]);
      watch.assertNoExternalRequests();
    } finally {
      await context.close();
    }
  });

  it('shows and reads its from/to fields in city time, dd/mm/yyyy 24-hour, in a browser set to New York and en-US', async () => {
    const tz = app.pack.meta.timezone;
    expect(tz).toBe('Asia/Ho_Chi_Minh');
    // Written independently of the page's code: the city's wall clock, day first, 24-hour.
    const cityText = (ms: number) =>
      new Intl.DateTimeFormat('en-GB', { timeZone: tz, day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms).replace(', ', ' ');
    const MIN = 60_000;
    const to = Math.floor(Date.now() / MIN) * MIN - 5 * MIN;
    // New York is 12 hours behind the city: a field in the browser's zone would show another hour, often another day.
    const from = to - 3 * 60 * MIN;

    const session = await app.login('duty_officer');
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, reducedMotion: 'reduce', locale: 'en-US', timezoneId: 'America/New_York' });
    await context.addInitScript(() => localStorage.setItem('ioc.lang', 'en'));
    await addSessionCookie(context, app.url, session);
    const page = await context.newPage();
    const watch = watchPage(page);
    try {
      await page.goto(`${app.url}/replay?from=${from}&to=${to}&at=${from}`);
      await page.waitForSelector(`[data-testid="replay"][data-loading="false"][data-at="${from}"]`, { timeout: 30_000 });
      expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe('America/New_York');
      expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
      const fromField = page.locator('[data-testid="replay-from"]');
      const toField = page.locator('[data-testid="replay-to"]');
      expect(await fromField.inputValue()).toBe(cityText(from));
      expect(await toField.inputValue()).toBe(cityText(to));
      expect(await page.locator('[data-testid="replay-zone"]').textContent()).toBe('day/month/year hour:minute, city time (UTC+7)');

      // A time typed in is the city's time: the window loaded starts at that instant.
      const picked = to - 47 * MIN;
      await fromField.fill(cityText(picked));
      const load = page.getByRole('button', { name: 'Load window' });
      await load.click();
      await page.waitForSelector(`[data-testid="replay"][data-loading="false"] [data-testid="replay-scrubber"][min="${picked}"][max="${to}"]`, { timeout: 15_000 });
      expect(await page.locator('.replay__edge').first().textContent()).toBe(cityText(picked).slice(11));
      await screenshot(page, 'replay-en-new-york-1366x768', { artifact: true });

      // The browser's own way of writing it names no moment: the field says so and the window stays.
      await fromField.fill('12/31/2026 09:00 PM');
      expect(await fromField.getAttribute('aria-invalid')).toBe('true');
      expect(await load.isDisabled()).toBe(true);
      await fromField.fill(cityText(to));
      expect(await fromField.getAttribute('aria-invalid')).toBe('false');
      expect(await load.isDisabled(), 'from is not before to').toBe(true);
      expect(await page.locator('[data-testid="replay-scrubber"]').getAttribute('min')).toBe(String(picked));
      expect(watch.pageErrors).toEqual([]);
      watch.assertNoExternalRequests();
    } finally {
      await context.close();
    }
  });
});
