/**
 * Camera video in the console (issue #22), on the built client against the real server,
 * Mosquitto, influxd, PostgreSQL and ffmpeg, in headless Chromium:
 *   - an officer opens a simulated camera from the map: the player says "live", the video's time
 *     moves and two frames captured a second apart differ; no request leaves the machine; cut off
 *     from the stream it says so, and comes back live by itself;
 *   - the incident's cameras open on the camera wall in a 4-tile layout, each tile live;
 *     double-click takes a tile full screen;
 *   - a detection's evidence image shows in its alert's detail with the detection's box;
 *   - with VIDEO_ON_WALL, the wall plays a critical alert's camera inside its interrupt (and no other).
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { topics } from '../../contract/index.js';
import type { TestApp } from '../harness/app.js';
import { screenshot, watchPage } from '../harness/chromium.js';
import { openConsole, openIncident, rowOf, waitForMapIdle, waitForMapSteady, type ConsolePage } from '../harness/console.js';
import { startConsoleStack, type ConsoleStack } from '../harness/stack.js';
import { waitFor } from '../harness/wait.js';

let stack: ConsoleStack;
let app: TestApp;
let con: ConsolePage;

beforeAll(async () => {
  // The wall may play a critical alert's camera (the last test); nothing else here is the wall's.
  stack = await startConsoleStack({ env: { VIDEO_ON_WALL: 'true' } });
  ({ app } = stack);
  for (const id of ['tt-cam-1', 'tt-cam-2', 'tt-cam-3', 'tt-cam-4', 'tt-cam-5']) await stack.send(topics.cameraStatus(id), id, { state: 'online', fps: 15, bitrateKbps: 500 });
  con = await openConsole(stack.browser, app, { width: 1600, height: 900 });
}, 120_000);
afterAll(async () => {
  await con?.close();
  await stack?.stop();
});

/** The video's current time and a small PNG of its current frame, read in the page. */
async function frame(page: Page, selector: string): Promise<{ t: number; png: string }> {
  return page.evaluate((sel) => {
    const v = document.querySelector<HTMLVideoElement>(sel)!;
    const c = document.createElement('canvas');
    c.width = 160;
    c.height = 90;
    c.getContext('2d')!.drawImage(v, 0, 0, c.width, c.height);
    return { t: v.currentTime, png: c.toDataURL('image/png') };
  }, selector);
}

/** A live picture: over 1.5 s the video's time moves more than 0.5 s, and the two frames differ. */
async function expectMoving(page: Page, selector: string): Promise<void> {
  const a = await frame(page, selector);
  await page.waitForTimeout(1500);
  const b = await frame(page, selector);
  expect(b.t).toBeGreaterThan(a.t + 0.5);
  expect(b.png).not.toBe(a.png);
}

/** Clicks a point of the map, where the officer finds the camera. */
async function clickMapAt(page: Page, lngLat: [number, number]): Promise<void> {
  await page.evaluate(() => (window as unknown as { __iocMap: { jumpTo(o: object): void } }).__iocMap.jumpTo({ center: [106.015, 10.005], zoom: 14 }));
  await waitForMapIdle(page);
  const at = await page.evaluate((p) => {
    const map = (window as unknown as { __iocMap: { project(p: [number, number]): { x: number; y: number }; getCanvas(): HTMLCanvasElement } }).__iocMap;
    const xy = map.project(p);
    const r = map.getCanvas().getBoundingClientRect();
    return { x: r.left + xy.x, y: r.top + xy.y };
  }, lngLat);
  await page.mouse.click(at.x, at.y);
}

describe('live video in the console', () => {
  it('a simulated camera opened from the map plays: its time moves and its frames change, all from this machine', async () => {
    const { page } = con;
    await clickMapAt(page, [106.015, 10.008]);
    const panel = page.locator('[data-testid="camera-detail"]');
    await panel.waitFor({ timeout: 5_000 });
    await panel.locator('[data-testid="camera-watch"]').click();
    const player = panel.locator('[data-testid="live-video"][data-camera-id="tt-cam-4"]');
    await player.locator('xpath=self::*[@data-state="live"]').waitFor({ timeout: 20_000 });
    const t0 = Date.now();
    const sel = '[data-testid="camera-detail"] [data-testid="live-video"] video';
    await expectMoving(page, sel);
    // What the officer sees: the state over the picture, in Vietnamese.
    expect(await player.locator('[role="status"]').textContent()).toContain('Trực tiếp');
    console.info(`[video] live and two frames compared in ${Date.now() - t0} ms`);
    await screenshot(page, 'console-camera-live-1600x900');
    con.watch.assertNoExternalRequests();
    expect(con.watch.pageErrors).toEqual([]);
    // Every fetch of the stream carried a token; none named the camera's own address.
    const hls = con.watch.requests.filter((u) => u.includes('/api/video/hls/'));
    expect(hls.length).toBeGreaterThan(2);
    for (const u of hls) expect(new URL(u).searchParams.get('token')).toBeTruthy();

    // The network between the console and the stream goes (every playlist and segment fails):
    // the player says so, and when it comes back the picture returns by itself, with no click.
    const cut = (route: { abort(): Promise<void> }) => route.abort();
    await page.route('**/api/video/hls/**', cut);
    await player.locator('xpath=self::*[@data-state!="live"]').waitFor({ timeout: 15_000 });
    expect(['stalled', 'offline', 'connecting']).toContain(await player.getAttribute('data-state'));
    await page.unroute('**/api/video/hls/**', cut);
    await player.locator('xpath=self::*[@data-state="live"]').waitFor({ timeout: 40_000 });
    const c = await frame(page, sel);
    await page.waitForTimeout(1200);
    expect((await frame(page, sel)).t).toBeGreaterThan(c.t);
    expect(await player.locator('[role="status"]').textContent()).toContain('Trực tiếp');

    await panel.locator('[data-testid="camera-watch"]').click();
    await expect.poll(() => player.count()).toBe(0);
  });

  it('the incident’s cameras open on the camera wall, four tiles live; a double-click goes full screen', async () => {
    const { page } = con;
    await stack.send(topics.incidentReport('hotline-115'), 'hotline-115', { channel: 'hotline_115', type: 'traffic_accident', severity: 'major', lat: 10.0052, lon: 106.0152, description: 'Va chạm trước camera 2', externalRef: 'CALL-VIDEO-WALL' });
    const inc = await waitFor(() => app.operations.incidents.open().find((i) => i.description === 'Va chạm trước camera 2'), { message: 'no incident' });
    expect(inc.cameraIds.length).toBeGreaterThanOrEqual(2);
    await page.keyboard.press('Escape');
    // One of its nearby cameras: its detail opens with the picture already playing.
    const near = inc.cameraIds[0]!;
    await (await openIncident(page, inc.id)).locator(`[data-testid="nearby-cameras"] [data-camera-id="${near}"]`).click();
    await page.locator(`[data-testid="camera-detail"] [data-testid="live-video"][data-camera-id="${near}"][data-state="live"]`).waitFor({ timeout: 20_000 });
    await page.keyboard.press('Escape');
    const detail = await openIncident(page, inc.id);
    await detail.locator('[data-testid="incident-video-wall"]').click();
    const wall = page.locator('[data-testid="video-wall"][data-layout="4"]');
    await wall.waitFor({ timeout: 5_000 });
    const n = Math.min(4, inc.cameraIds.length);
    await waitFor(async () => (await wall.locator('[data-testid="live-video"][data-state="live"]').count()) === n, { timeoutMs: 25_000, message: `${n} tiles live` });
    const shown = await wall.locator('[data-testid="live-video"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-camera-id')));
    expect(shown).toEqual(inc.cameraIds.slice(0, 4));
    await screenshot(page, 'console-video-wall-1600x900');

    await wall.locator('[data-testid="live-video"]').first().dblclick();
    await expect.poll(() => page.evaluate(() => document.fullscreenElement?.getAttribute('data-camera-id') ?? null)).toBe(inc.cameraIds[0]);
    await page.evaluate(() => document.exitFullscreen());
    // The 9-tile layout keeps them and shows empty tiles for the rest.
    await wall.locator('[data-layout="9"]').click();
    await page.locator('[data-testid="video-wall"][data-layout="9"] .video-wall__tile--empty').first().waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[data-testid="video-wall"]').count()).toBe(0);
    con.watch.assertNoExternalRequests();
  });

  it('a detection’s evidence image shows in its alert’s detail, with the box', async () => {
    const { page } = con;
    const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360', '-frames:v', '1', '-f', 'image2', '-c:v', 'mjpeg', 'pipe:1']);
    expect(r.status).toBe(0);
    await stack.dev.publishAsync(topics.cameraSnapshot('tt-cam-3', 'acc-0001'), r.stdout, { qos: 1 });
    await stack.send(topics.cameraDetection('tt-cam-3'), 'tt-cam-3', { kind: 'accident', confidence: 0.95, lat: 10.005, lon: 106.025, snapshotId: 'acc-0001', box: { x: 0.2, y: 0.3, w: 0.25, h: 0.2 } });
    const alert = await waitFor(() => app.operations.alerts.open().find((a) => a.rule === 'detection_accident' && a.source.id === 'tt-cam-3'), { message: 'no accident alert' });
    await page.keyboard.press('Escape');
    await rowOf(page, alert.id).click();
    const ev = page.locator('[data-testid="alert-detail"] [data-testid="evidence"]');
    const img = ev.locator('[data-testid="evidence-image"]');
    await img.waitFor({ timeout: 10_000 });
    await expect.poll(() => img.evaluate((e: HTMLImageElement) => e.complete && e.naturalWidth)).toBe(640);
    const box = await ev.locator('[data-testid="evidence-box"]').boundingBox();
    const pic = (await img.boundingBox())!;
    expect(box).not.toBeNull();
    expect(Math.abs(box!.x - (pic.x + 0.2 * pic.width))).toBeLessThan(3);
    expect(Math.abs(box!.width - 0.25 * pic.width)).toBeLessThan(3);
    await screenshot(page, 'console-alert-evidence-1600x900');
    con.watch.assertNoExternalRequests();
    expect(con.watch.pageErrors).toEqual([]);
  });

  it('a violation’s image opens from its row in the camera’s detection history', async () => {
    const { page } = con;
    const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=480x270', '-frames:v', '1', '-f', 'image2', '-c:v', 'mjpeg', 'pipe:1']);
    await stack.dev.publishAsync(topics.cameraSnapshot('tt-cam-4', 'rl-0042'), r.stdout, { qos: 1 });
    await stack.send(topics.cameraDetection('tt-cam-4'), 'tt-cam-4', { kind: 'red_light', confidence: 0.92, lat: 10.008, lon: 106.015, lane: 1, plate: '85A-042.42', snapshotId: 'rl-0042' });
    // Stored in InfluxDB before the panel reads the history.
    await waitFor(async () => {
      const res = await fetch(`${app.url}/api/cameras/tt-cam-4/detections`, { headers: await app.headers('duty_officer') });
      return JSON.stringify(await res.json()).includes('rl-0042');
    }, { message: 'the violation is not stored' });
    await page.keyboard.press('Escape');
    await clickMapAt(page, [106.015, 10.008]);
    const row = page.locator('[data-testid="camera-detail"] [data-testid="detection-row"]', { hasText: '85A-042.42' });
    await row.waitFor({ timeout: 10_000 });
    await row.locator('[data-testid="detection-image"]').click();
    const img = row.locator('[data-testid="evidence-image"]');
    await expect.poll(() => img.evaluate((e: HTMLImageElement) => e.complete && e.naturalWidth), { timeout: 10_000 }).toBe(480);
    await row.scrollIntoViewIfNeeded();
    await screenshot(page, 'console-violation-evidence-1600x900');
    con.watch.assertNoExternalRequests();
  });

  it('with VIDEO_ON_WALL, the wall plays a critical alert’s camera inside its interrupt, and only that one', async () => {
    const context = await stack.browser.newContext({ viewport: { width: 1920, height: 1080 }, reducedMotion: 'reduce', locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    try {
      const page = await context.newPage();
      const watch = watchPage(page);
      await page.goto(`${app.url}/wall#token=${encodeURIComponent(await app.token('wall'))}`);
      await page.waitForSelector('[data-testid="wall"][data-state="live"]', { timeout: 30_000 });
      // Before any interrupt the wall has no video, and may open none.
      expect(await page.locator('[data-testid="live-video"]').count()).toBe(0);
      const asWall = { headers: { authorization: `Bearer ${await app.token('wall')}` } };
      expect((await fetch(`${app.url}/api/cameras/tt-cam-2/stream`, asWall)).status).toBe(403);

      // A fire seen by tt-cam-2: critical, raised now. The interrupt comes up with that camera playing.
      await stack.send(topics.cameraDetection('tt-cam-2'), 'tt-cam-2', { kind: 'fire_smoke', confidence: 0.94, lat: 10.0052, lon: 106.0152 });
      const fire = await waitFor(() => app.operations.alerts.open().find((a) => a.rule === 'detection_fire_smoke' && a.source.id === 'tt-cam-2'), { message: 'no fire alert' });
      expect(fire.severity).toBe('critical');
      await page.locator(`[data-testid="wall-critical"][data-alert-id="${fire.id}"]`).waitFor({ timeout: 10_000 });
      const player = page.locator('.wall__critical-video [data-testid="live-video"][data-camera-id="tt-cam-2"]');
      await player.locator('xpath=self::*[@data-state="live"]').waitFor({ timeout: 25_000 });
      await expectMoving(page, '.wall__critical-video [data-testid="live-video"] video');
      // The map flies to the fire, whether or not the wall's map had finished loading when it came (not waited for here).
      await waitFor(
        () =>
          page.evaluate(() => {
            const m = (window as unknown as { __iocMap: { getCenter(): { lng: number; lat: number }; getZoom(): number } }).__iocMap;
            return Math.abs(m.getCenter().lng - 106.0152) < 0.002 && Math.abs(m.getCenter().lat - 10.0052) < 0.002 && m.getZoom() >= 14.5;
          }),
        { timeoutMs: 8_000, message: 'the wall did not fly to the fire' },
      );
      await waitForMapSteady(page, 10_000);
      // A test artifact, not a docs picture: in headless Chromium's software rendering a rectangle of
      // the map below the playing video comes out black in the capture.
      await screenshot(page, 'wall-critical-video-1920x1080', { artifact: true });
      // Only the alert's camera: another is still refused to the wall's token.
      expect((await fetch(`${app.url}/api/cameras/tt-cam-5/stream`, asWall)).status).toBe(403);
      watch.assertNoExternalRequests();
      expect(watch.pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
