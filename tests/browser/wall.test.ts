/**
 * The wall display (/wall) in headless Chromium against the real server,
 * Mosquitto and influxd, opened with the read-only display token:
 * 1. test-town, 3 s rotation: panels change on their own; a critical alert
 *    interrupts with a banner and flies the map there, then the rotation
 *    resumes; the server restarts: the overlay says since when, goes away, and
 *    the data is fresh.
 * 2. The display token: only in the URL fragment (never in a request line);
 *    without one, or with one refused, the wall says so and does not retry.
 * 3. The default city with the normal-day simulation: screenshots at 4K and 1080p.
 * Needs dist/client (`npx vite build`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../contract/index.js';
import { en } from '../../client/src/i18n/en.js';
import { vi } from '../../client/src/i18n/vi.js';
import { startTestApp, type TestApp } from '../harness/app.js';
import { addSessionCookie, type TestRole } from '../harness/auth.js';
import { launchChromium, screenshot, watchPage, type PageWatch } from '../harness/chromium.js';
import { pngSize, REPO_ROOT, requireBuiltClient, sourceFeature, waitForMapIdle } from '../harness/console.js';
import { startTestInfluxd, type TestInfluxd } from '../harness/influxd.js';
import { startMosquitto, type TestMosquitto } from '../harness/mosquitto.js';
import { waitFor } from '../harness/wait.js';

const STATIC_DIR = requireBuiltClient();
let influxd: TestInfluxd;
let browser: Browser;
beforeAll(async () => {
  [influxd, browser] = await Promise.all([startTestInfluxd(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await influxd?.stop();
});

/** Opens the wall as a display does: /wall#token=<display token>, full screen, no input. The one place login happens. */
async function openWall(app: TestApp, width: number, height: number, query = ''): Promise<{ page: Page; watch: PageWatch; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: { width, height }, reducedMotion: 'reduce', locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
  const page = await context.newPage();
  const watch = watchPage(page);
  await page.goto(`${app.url}/wall${query}#token=${encodeURIComponent(await app.token('wall'))}`);
  await page.waitForSelector('[data-testid="wall"][data-state="live"]', { timeout: 60_000 });
  await page.waitForFunction(() => {
    const map = (window as unknown as { __iocMap?: { isStyleLoaded(): boolean; getSource(id: string): unknown } }).__iocMap;
    return !!map && map.isStyleLoaded() && !!map.getSource('cameras');
  }, undefined, { timeout: 60_000 });
  return { page, watch, close: () => context.close() };
}

const panelOf = (page: Page) => page.locator('[data-testid="wall"]').getAttribute('data-panel');
const mapView = (page: Page) =>
  page.evaluate(() => {
    const m = (window as unknown as { __iocMap: { getCenter(): { lng: number; lat: number }; getZoom(): number } }).__iocMap;
    const c = m.getCenter();
    return { lng: c.lng, lat: c.lat, zoom: m.getZoom() };
  });

describe('wall on test-town (3 s rotation)', () => {
  let broker: TestMosquitto;
  let app: TestApp;
  let dev: MqttClient;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-wall-'));
  const env = {
    STATIC_DIR,
    WALL_ROTATE_S: '3',
    WALL_PLAYLIST: 'incidents,cameras,coverage,trends,response',
    INFLUX_DATABASE: `ioc_wall_${process.pid}`,
    MQTT_CLIENT_ID: `ioc-wall-${process.pid}`,
    SPOOL_DIR: path.join(dir, 'spool'),
    AUTH_DIR: path.join(dir, 'auth'),
    DEVICE_REGISTRY: path.join(dir, 'devices.json'),
  };
  let seq = 0;
  const status = (id: string, state: string) => dev.publishAsync(topics.cameraStatus(id), JSON.stringify({ seq: ++seq, ts: Date.now(), state }), { qos: 1, retain: true });

  beforeAll(async () => {
    broker = await startMosquitto();
    app = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env });
    dev = await mqtt.connectAsync(broker.url, { clientId: `wall-dev-${process.pid}`, protocolVersion: 4 });
    for (const c of app.pack.sites.cameras) await status(c.id, 'online');
  });
  afterAll(async () => {
    await dev?.endAsync();
    await app?.stop();
    await broker?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rotates on its own, is interrupted by a critical alert (banner, map flies there), then resumes', async () => {
    const wall = await openWall(app, 1920, 1080);
    try {
      const { page } = wall;
      // Rotation: every panel of the playlist shows up, each within the interval (+ slack for a slow CI box).
      const seen: string[] = [(await panelOf(page))!];
      let last = Date.now();
      while (seen.length < 5) {
        const next = await waitFor(async () => {
          const p = await panelOf(page);
          return p !== seen.at(-1) ? p : null;
        }, { timeoutMs: 3_000 + 2_500, intervalMs: 50, message: `panel after ${seen.at(-1)} within the rotation interval` });
        expect(Date.now() - last).toBeLessThan(3_000 + 2_500);
        last = Date.now();
        seen.push(next);
      }
      // In playlist order (the wall may have turned a page while the map was loading).
      const playlist = ['incidents', 'cameras', 'coverage', 'trends', 'response'];
      const start = playlist.indexOf(seen[0]!);
      expect(seen).toEqual(playlist.map((_, i) => playlist[(start + i) % playlist.length]));
      // Each panel drew its figures (not a spinner): the coverage panel lists the wards.
      await waitFor(async () => (await panelOf(page)) === 'coverage', { timeoutMs: 20_000 });
      await page.locator('[data-testid="wall-coverage"]').waitFor({ timeout: 5_000 });
      expect(await page.locator('[data-testid="wall-coverage"] .wbar').count()).toBe(app.pack.wards.features.length);

      // A fire seen by tt-cam-3: critical. The banner interrupts, the map flies to it.
      const home = await mapView(page);
      await dev.publishAsync(topics.cameraDetection('tt-cam-3'), JSON.stringify({ seq: ++seq, ts: Date.now(), kind: 'fire_smoke', confidence: 0.93, lat: 10.005, lon: 106.025 }), { qos: 1 });
      const banner = page.locator('[data-testid="wall-critical"]');
      await banner.waitFor({ state: 'visible', timeout: 5_000 });
      const alertId = await banner.getAttribute('data-alert-id');
      expect(app.operations.alerts.get(alertId!)).toMatchObject({ severity: 'critical', rule: 'detection_fire_smoke' });
      const held = await panelOf(page);
      expect(await page.locator('[data-testid="wall"]').getAttribute('data-interrupted')).toBe('true');
      // The rotation holds while the banner is up (15 s here): well past one 3 s interval, nothing moves.
      await page.waitForTimeout(5_000);
      expect(await banner.isVisible()).toBe(true);
      expect(await panelOf(page)).toBe(held);
      // The map flew to the fire.
      await waitFor(async () => {
        const v = await mapView(page);
        return Math.abs(v.lng - 106.025) < 0.002 && Math.abs(v.lat - 10.005) < 0.002 && v.zoom >= 14.5;
      }, { timeoutMs: 8_000, message: 'map did not fly to the alert' });
      expect(home.zoom).toBeLessThan(14.5);
      // Then the banner goes, the map returns to the city, and the rotation resumes.
      await banner.waitFor({ state: 'detached', timeout: 20_000 });
      await waitFor(async () => Math.abs((await mapView(page)).zoom - home.zoom) < 0.3, { timeoutMs: 8_000, message: 'map did not return to the city' });
      await waitFor(async () => (await panelOf(page)) !== held, { timeoutMs: 6_000, message: 'rotation did not resume' });
      // Map style validation messages come from the shared layers (client/src/map, issue 7), not from the wall.
      expect(wall.watch.consoleErrors.filter((m) => !/^Error: layers\./.test(m))).toEqual([]);
      expect(wall.watch.pageErrors).toEqual([]);
      expect(wall.watch.failedRequests).toEqual([]);
      wall.watch.assertNoExternalRequests();
    } finally {
      await wall.close();
    }
  }, 120_000);

  it('shows "connection lost since HH:MM" while the server is gone, and comes back with fresh data', async () => {
    const wall = await openWall(app, 1920, 1080);
    try {
      const { page } = wall;
      await waitFor(async () => (await sourceFeature(page, 'cameras', 'tt-cam-2'))?.state === 'online', { message: 'tt-cam-2 online on the wall map' });
      const port = new URL(app.url).port;
      await app.stop();
      const overlay = page.locator('[data-testid="wall-offline"]');
      await overlay.waitFor({ state: 'visible', timeout: 15_000 });
      expect(await overlay.textContent()).toMatch(/Mất kết nối từ \d{2}:\d{2}/);
      // While it is away, a camera goes offline.
      await status('tt-cam-2', 'offline');
      app = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env: { ...env, PORT: port } });
      await overlay.waitFor({ state: 'detached', timeout: 40_000 });
      expect(await page.locator('[data-testid="wall"]').getAttribute('data-state')).toBe('live');
      await waitFor(async () => (await sourceFeature(page, 'cameras', 'tt-cam-2'))?.state === 'offline', { timeoutMs: 10_000, message: 'the change made during the outage never reached the wall' });
      // The rotation is still going after the outage.
      const p = await panelOf(page);
      await waitFor(async () => (await panelOf(page)) !== p, { timeoutMs: 6_000, message: 'rotation stopped after the outage' });
      expect(wall.watch.pageErrors).toEqual([]);
    } finally {
      await wall.close();
    }
  }, 120_000);
});

describe('the display token (issue #19, point 8)', () => {
  let broker: TestMosquitto;
  let app: TestApp;
  beforeAll(async () => {
    broker = await startMosquitto();
    app = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env: { STATIC_DIR, RATE_LIMIT_LOGIN_PER_MIN: '1000' } });
  });
  afterAll(async () => {
    await app?.stop();
    await broker?.stop();
  });

  /** A wall-sized page that records every request (URL and headers) and every WebSocket it opens. */
  async function wallPage(opts: { as?: TestRole; lang?: 'en' } = {}) {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, reducedMotion: 'reduce', locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    if (opts.as) await addSessionCookie(context, app.url, await app.login(opts.as));
    if (opts.lang) await context.addInitScript((lng) => localStorage.setItem('ioc.lang', lng), opts.lang);
    const page = await context.newPage();
    const requests: { url: string; headers: Record<string, string> }[] = [];
    const sockets: string[] = [];
    page.on('request', (r) => requests.push({ url: r.url(), headers: r.headers() }));
    page.on('websocket', (ws) => sockets.push(ws.url()));
    const api = () => requests.map((r) => new URL(r.url).pathname).filter((p) => p.startsWith('/api/') || p.startsWith('/socket.io'));
    return { page, requests, sockets, api, close: () => context.close() };
  }
  const problem = (page: Page, kind: 'needed' | 'refused') => page.locator(`[data-testid="wall-token-problem"][data-problem="${kind}"]`);
  /** Absence takes a while to show: socket.io's first retry would come within 1.5 s, ours within 1.25 s. */
  const QUIET_MS = 3_000;

  it('opens from /wall#token=…: the token is in no request line, leaves the address bar, and serves a reload', async () => {
    const token = await app.token('wall');
    const secret = token.slice(token.lastIndexOf('_') + 1);
    const w = await wallPage();
    try {
      await w.page.goto(`${app.url}/wall#token=${token}`);
      await w.page.waitForSelector('[data-testid="wall"][data-state="live"]', { timeout: 60_000 });
      expect(w.page.url()).toBe(`${app.url}/wall`);
      await w.page.reload();
      await w.page.waitForSelector('[data-testid="wall"][data-state="live"]', { timeout: 60_000 });
      // It was used: as the bearer token of the REST calls...
      expect(w.requests.filter((r) => r.headers.authorization === `Bearer ${token}`).length).toBeGreaterThan(2);
      // ...and nowhere else. Playwright reports a navigation with its fragment, which no request line carries.
      const lines = [...w.requests.map((r) => r.url.split('#')[0]!), ...w.sockets];
      expect(lines.filter((u) => u.includes(secret))).toEqual([]);
      const otherHeaders = w.requests.flatMap((r) => Object.entries(r.headers).filter(([k]) => k !== 'authorization'));
      expect(otherHeaders.filter(([, v]) => v.includes(secret))).toEqual([]);
      expect(w.sockets.length).toBeGreaterThanOrEqual(2); // the live picture came over the socket, before and after the reload
    } finally {
      await w.close();
    }
  }, 120_000);

  it('without a display token, a signed-in admin is told one is needed and offered the admin page; nothing connects', async () => {
    const w = await wallPage({ as: 'admin' });
    try {
      await w.page.goto(`${app.url}/wall`);
      await problem(w.page, 'needed').waitFor();
      const link = w.page.locator('[data-testid="wall-issue-token"]');
      await link.waitFor();
      expect(await problem(w.page, 'needed').textContent()).toBe(vi.auth.wallToken.neededTitle + vi.auth.wallToken.needed + vi.auth.wallToken.issue);
      expect(await link.getAttribute('href')).toBe('/admin#displays');
      const shot = await screenshot(w.page, 'wall-display-token-needed', { artifact: true });
      expect(pngSize(shot)).toEqual({ width: 1920, height: 1080 });
      await w.page.waitForTimeout(QUIET_MS);
      // Only the refresh by cookie (who is signed in here); no socket, no city pack, no retry.
      expect(w.sockets).toEqual([]);
      expect(w.api()).toEqual(['/api/auth/refresh']);
      expect(await w.page.locator('[data-testid="splash"]').count()).toBe(0);
      // The link leads to the display-token section of the admin page.
      await link.click();
      await w.page.locator('#displays [data-testid="admin-displays"]').waitFor();
      expect(w.page.url()).toBe(`${app.url}/admin#displays`);
    } finally {
      await w.close();
    }
  }, 60_000);

  it('says so in English too; a duty officer gets no link; an old ?token= link is not used', async () => {
    const w = await wallPage({ as: 'duty_officer', lang: 'en' });
    try {
      const token = await app.token('wall');
      await w.page.goto(`${app.url}/wall?token=${token}`);
      await problem(w.page, 'needed').waitFor();
      await w.page.locator('text=' + en.auth.wallToken.askAdmin).waitFor();
      expect(await problem(w.page, 'needed').textContent()).toBe(en.auth.wallToken.neededTitle + en.auth.wallToken.needed + en.auth.wallToken.askAdmin);
      expect(await w.page.locator('[data-testid="wall-issue-token"]').count()).toBe(0);
      expect(w.page.url()).toBe(`${app.url}/wall`);
      await w.page.waitForTimeout(QUIET_MS);
      expect(w.sockets).toEqual([]);
      expect(w.api()).toEqual(['/api/auth/refresh']);
    } finally {
      await w.close();
    }
  }, 60_000);

  it('an unknown token, and one revoked while the wall shows, are said so once: no retries', async () => {
    const unknown = await wallPage();
    try {
      await unknown.page.goto(`${app.url}/wall#token=dsp_0123456789abcdef_${'A'.repeat(43)}`);
      await problem(unknown.page, 'refused').waitFor({ timeout: 10_000 });
      expect(await problem(unknown.page, 'refused').textContent()).toContain(vi.auth.wallToken.refusedTitle);
      // The message asks once who is signed in here (to offer an admin the way to a token): after that, silence.
      await expect.poll(() => unknown.api().includes('/api/auth/refresh'), { timeout: 5000 }).toBe(true);
      const seen = unknown.api().length;
      await unknown.page.waitForTimeout(QUIET_MS);
      expect(unknown.api().length).toBe(seen);
      expect(unknown.sockets.length).toBeLessThanOrEqual(1);
    } finally {
      await unknown.close();
    }

    const admin = await app.headers('admin');
    const issued = (await (await fetch(`${app.url}/api/admin/display-tokens`, { method: 'POST', headers: { 'content-type': 'application/json', ...admin }, body: JSON.stringify({ name: 'Wall to revoke' }) })).json()) as { data: { token: string; info: { id: string } } };
    const w = await wallPage();
    try {
      await w.page.goto(`${app.url}/wall#token=${issued.data.token}`);
      await w.page.waitForSelector('[data-testid="wall"][data-state="live"]', { timeout: 60_000 });
      expect((await fetch(`${app.url}/api/admin/display-tokens/${issued.data.info.id}`, { method: 'DELETE', headers: admin })).status).toBe(200);
      await problem(w.page, 'refused').waitFor({ timeout: 15_000 });
      const sockets = w.sockets.length;
      await w.page.waitForTimeout(QUIET_MS);
      expect(w.sockets.length).toBe(sockets);
      // Forgotten: a reload does not try it again.
      await w.page.reload();
      await problem(w.page, 'needed').waitFor();
      expect(await w.page.evaluate(() => JSON.stringify({ ...sessionStorage }))).not.toContain('dsp_');
    } finally {
      await w.close();
    }
  }, 120_000);
});

describe('wall screenshots on the default city (normal-day simulation)', () => {
  let broker: TestMosquitto;
  let app: TestApp;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-wall-shots-'));

  beforeAll(async () => {
    broker = await startMosquitto();
    app = await startTestApp({
      mqttUrl: broker.url,
      influxUrl: influxd.url,
      env: {
        STATIC_DIR,
        CITY_PACK: path.join(REPO_ROOT, 'citypacks', 'phan-rang-thap-cham'),
        SIMULATORS: 'on',
        SIM_SCENARIO: 'normal-day',
        SIM_SEED: '7',
        SIM_SPEED: '30',
        WALL_ROTATE_S: '25',
        WALL_PLAYLIST: 'coverage,incidents,response',
        SPOOL_DIR: path.join(dir, 'spool'),
      },
    });
  });
  afterAll(async () => {
    await app?.stop();
    await broker?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('4K and 1080p: legible across the room', async () => {
    // A station down leaves part of Tấn Tài without coverage (before the walls open: no interrupt banner in the shots).
    // The simulated twin heartbeats "up": a timestamp ahead makes those older news until the shots are done.
    const dev = await mqtt.connectAsync(broker.url, { clientId: `wall-shots-${process.pid}`, protocolVersion: 4 });
    await dev.publishAsync(topics.stationStatus('bs-vnp-23'), JSON.stringify({ seq: 1, ts: Date.now() + 170_000, state: 'down', power: 'battery', batteryPct: 0, backhaul: 'down' }), { qos: 1 });
    await dev.endAsync();
    await waitFor(() => app.operations.alerts.open().some((a) => a.dedupeKey === 'coverage_loss:w-tan-tai'), { timeoutMs: 20_000, message: 'no coverage loss for Tấn Tài' });
    await waitFor(() => app.operations.incidents.recent().length >= 1, { timeoutMs: 60_000, message: 'the simulated day brought no incidents' });
    for (const [w, h, panel] of [[3840, 2160, 'coverage'], [1920, 1080, 'incidents']] as const) {
      const wall = await openWall(app, w, h, `?panel=${panel}`);
      try {
        const { page } = wall;
        // Pinned (/wall?panel=…): the shot shows that panel whatever the rotation.
        await page.locator('[data-testid="wall-panel"] .wpanel__body').waitFor({ timeout: 20_000 });
        const px = await page.locator('.wpanel__title').evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
        await waitForMapIdle(page, 15_000).catch(() => undefined); // a busy 4K map on SwiftShader may never go idle: shoot anyway
        expect(await panelOf(page)).toBe(panel);
        const shot = await screenshot(page, `wall-${w}x${h}`);
        expect(pngSize(shot)).toEqual({ width: w, height: h });
        // Across the room: the panel title is at least 2.2 % of the screen height (24 px at 1080p).
        expect(px).toBeGreaterThanOrEqual(h * 0.022);
        wall.watch.assertNoExternalRequests();
        expect(wall.watch.pageErrors).toEqual([]);
      } finally {
        await wall.close();
      }
    }
  }, 240_000);
});
