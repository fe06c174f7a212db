/**
 * The wall display (/wall) in headless Chromium against the real server,
 * Mosquitto and influxd, opened with the read-only display token:
 * 1. test-town, 3 s rotation: panels change on their own; a critical alert
 *    raised 10 minutes ago (by the server's clock) does not interrupt, a new
 *    one does, with a banner over the map (never over the panel) and the map
 *    flying there, then the rotation resumes; the server restarts: the overlay
 *    says since when, goes away, and the data is fresh; 24 h trends with a
 *    stretch without data draw it as a gap (issue #27.6).
 * 2. The display token: only in the URL fragment (never in a request line);
 *    without one, or with one refused, the wall says so and does not retry.
 * 3. The default city with the normal-day simulation: screenshots at 1080p and 4K (a 1080p wall resized);
 *    a ward at 27 % coverage has the bad colour, the legend is at least 18 px
 *    at 1080p, the map's disclaimer is in Vietnamese, and the banner of a new
 *    critical alert leaves the panel's total readable (issue #27.6).
 * Needs dist/client (`npx vite build`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../contract/index.js';
import { en } from '../../client/src/i18n/en.js';
import { vi } from '../../client/src/i18n/vi.js';
import { opsVi } from '../../client/src/app/strings/vi.js';
import { RP_RAW } from '../../server/influx/schema.js';
import { startTestApp, type TestApp } from '../harness/app.js';
import { addSessionCookie, type TestRole } from '../harness/auth.js';
import { screenshot, watchPage, type PageWatch } from '../harness/chromium.js';
import { DEMO_CITY_DAY, pngSize, requireBuiltClient, sourceFeature, waitForMapSteady } from '../harness/console.js';
import { influxdAndBrowserForFile } from '../harness/stack.js';
import { startMosquitto, type TestMosquitto } from '../harness/mosquitto.js';
import { waitFor } from '../harness/wait.js';

const STATIC_DIR = requireBuiltClient();
const { influxd, browser } = influxdAndBrowserForFile();

/** Opens the wall as a display does: /wall#token=<display token>, full screen, no input. The one place login happens. */
async function openWall(app: TestApp, width: number, height: number, query = ''): Promise<{ page: Page; watch: PageWatch; close(): Promise<void> }> {
  const context = await browser().newContext({ viewport: { width, height }, reducedMotion: 'reduce', locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
  const page = await context.newPage();
  // A 4K frame on SwiftShader on a busy 2-core box: a screenshot may take longer than Playwright's default 30 s.
  page.setDefaultTimeout(60_000);
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

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
const overlap = (a: Box | null, b: Box | null) => !!a && !!b && a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
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
  /** How far the server's clock runs behind: set for a moment to raise an alert "10 minutes ago". */
  let lagMs = 0;
  const status = (id: string, state: string) => dev.publishAsync(topics.cameraStatus(id), JSON.stringify({ seq: ++seq, ts: Date.now(), state }), { qos: 1, retain: true });

  beforeAll(async () => {
    broker = await startMosquitto();
    app = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd().url, env, now: () => Date.now() - lagMs });
    dev = await mqtt.connectAsync(broker.url, { clientId: `wall-dev-${process.pid}`, protocolVersion: 4 });
    for (const c of app.pack.sites.cameras) await status(c.id, 'online');
  });
  afterAll(async () => {
    await dev?.endAsync();
    await app?.stop();
    await broker?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rotates on its own; an alert raised 10 minutes ago does not interrupt, a new one does (banner over the map, not the panel), then resumes', async () => {
    const wall = await openWall(app, 1920, 1080);
    try {
      const { page } = wall;
      // Rotation: every panel of the playlist shows up, each within the interval (+ slack for a slow CI box).
      const seen: string[] = [(await panelOf(page))!];
      let last = Date.now();
      let coverageBars = -1;
      while (seen.length < 5) {
        const next = await waitFor(async () => {
          const p = await panelOf(page);
          return p !== seen.at(-1) ? p : null;
        }, { timeoutMs: 3_000 + 2_500, intervalMs: 50, message: `panel after ${seen.at(-1)} within the rotation interval` });
        expect(Date.now() - last).toBeLessThan(3_000 + 2_500);
        last = Date.now();
        seen.push(next);
        // Each panel draws its figures (not a spinner): the coverage panel lists the wards, read while it is up.
        if (next === 'coverage') {
          await page.locator('[data-testid="wall-coverage"] .wbar').first().waitFor({ timeout: 2_000 });
          coverageBars = await page.locator('[data-testid="wall-coverage"] .wbar').count();
        }
      }
      // In playlist order (the wall may have turned a page while the map was loading).
      const playlist = ['incidents', 'cameras', 'coverage', 'trends', 'response'];
      const start = playlist.indexOf(seen[0]!);
      expect(seen).toEqual(playlist.map((_, i) => playlist[(start + i) % playlist.length]));
      if (seen[0] !== 'coverage') expect(coverageBars).toBe(app.pack.wards.features.length);

      // A fire on tt-cam-1 that the server raised 10 minutes ago (its clock set back, as a replay after a
      // reconnect or a failover brings an old alert): on the map, no banner.
      const home = await mapView(page);
      lagMs = 10 * 60_000;
      await dev.publishAsync(topics.cameraDetection('tt-cam-1'), JSON.stringify({ seq: ++seq, ts: Date.now() - lagMs, kind: 'fire_smoke', confidence: 0.93, lat: 10.001, lon: 106.001 }), { qos: 1 });
      const old = await waitFor(() => app.operations.alerts.open().find((a) => a.rule === 'detection_fire_smoke' && a.source.id === 'tt-cam-1'), { message: 'no old fire alert' });
      lagMs = 0;
      expect(Date.now() - old.firstSeen).toBeGreaterThanOrEqual(9 * 60_000);
      // The map is fed from the store after the interrupt check: once it draws the alert, the wall has decided.
      await waitFor(async () => (await sourceFeature(page, 'alerts', old.id)) !== null, { timeoutMs: 10_000, message: 'old alert not on the wall map' });
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      expect(await page.locator('[data-testid="wall-critical"]').count()).toBe(0);
      expect(await page.locator('[data-testid="wall"]').getAttribute('data-interrupted')).toBe('false');

      // A fire seen by tt-cam-3 now: critical. The banner interrupts, the map flies to it.
      await dev.publishAsync(topics.cameraDetection('tt-cam-3'), JSON.stringify({ seq: ++seq, ts: Date.now(), kind: 'fire_smoke', confidence: 0.93, lat: 10.005, lon: 106.025 }), { qos: 1 });
      const banner = page.locator('[data-testid="wall-critical"]');
      await banner.waitFor({ state: 'visible', timeout: 5_000 });
      const shownAt = Date.now();
      const held = await panelOf(page);
      // The banner covers none of the panel (whichever is held; the incidents panel's total among it): one round trip.
      const shown = await page.evaluate(() => {
        const box = (sel: string) => {
          const r = document.querySelector(sel)?.getBoundingClientRect();
          return r ? { x: r.x, y: r.y, width: r.width, height: r.height } : null;
        };
        const b = document.querySelector('[data-testid="wall-critical"]');
        return { id: b?.getAttribute('data-alert-id'), interrupted: document.querySelector('[data-testid="wall"]')?.getAttribute('data-interrupted'), banner: box('[data-testid="wall-critical"]'), panel: box('[data-testid="wall-panel"]'), total: box('[data-testid="wall-total"]') };
      });
      expect(app.operations.alerts.get(shown.id!)).toMatchObject({ severity: 'critical', rule: 'detection_fire_smoke', source: { id: 'tt-cam-3' } });
      expect(shown.interrupted).toBe('true');
      expect(overlap(shown.banner, shown.panel)).toBe(false);
      expect(overlap(shown.banner, shown.total)).toBe(false);
      // The map flew to the fire.
      await waitFor(async () => {
        const v = await mapView(page);
        return Math.abs(v.lng - 106.025) < 0.002 && Math.abs(v.lat - 10.005) < 0.002 && v.zoom >= 14.5;
      }, { timeoutMs: 8_000, message: 'map did not fly to the alert' });
      expect(home.zoom).toBeLessThan(14.5);
      // The rotation holds while the banner is up (15 s here): 5 s after it came, well past one 3 s interval, nothing moved.
      await page.waitForTimeout(Math.max(0, shownAt + 5_000 - Date.now()));
      expect(await panelOf(page)).toBe(held);
      const up = await banner.isVisible();
      expect(up || Date.now() - shownAt >= 15_000, 'the banner went before its 15 s').toBe(true);
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

  it('24 h trends: hours without data are gaps in the line and its fill, not a ramp across them', async () => {
    // KPI points (what the server stores once a minute while it runs) 24–20 h ago and over the last 3 h: down in between.
    const now = Date.now();
    const points = [];
    for (let t = now - 23.5 * 3_600_000; t < now - 20 * 3_600_000; t += 5 * 60_000) points.push(t);
    for (let t = now - 3 * 3_600_000; t < now - 60_000; t += 5 * 60_000) points.push(t);
    await app.influx.writePoints(
      points.map((t, i) => ({ measurement: 'kpis', fields: { active_alerts: 0, station_availability_pct: i % 2 ? 100 : 96, camera_availability_pct: 100 }, timestamp: new Date(t) })),
      { retentionPolicy: RP_RAW, precision: 'ms' },
    );
    const wall = await openWall(app, 1920, 1080, '?panel=trends');
    try {
      const { page } = wall;
      const chart = page.locator('[data-testid="trend-stations"]');
      await chart.waitFor({ timeout: 10_000 });
      // Two runs of data, so two pieces of line and two of fill, with nothing drawn across the 17 hours between.
      expect(await chart.getAttribute('data-segments')).toBe('2');
      const d = await chart.locator('.wchart__line').getAttribute('d');
      const area = await chart.locator('.wchart__area').getAttribute('d');
      expect(d!.split('M').filter(Boolean)).toHaveLength(2);
      expect(area!.split('M').filter(Boolean)).toHaveLength(2);
      // The first piece ends about 20 h ago, the second starts about 3 h ago (x in a 400-wide box over 24 h).
      const xs = (p: string) => p.split('M').filter(Boolean).map((seg) => seg.split(/[LZh]/).filter((c) => c.includes(',')).map((c) => Number(c.split(',')[0])));
      const [first, second] = xs(d!);
      expect(Math.max(...first!)).toBeLessThan(400 * (4.5 / 24));
      expect(Math.min(...second!)).toBeGreaterThan(400 * (20.5 / 24));
      // Counts have the same gap: no reports while the server was down is "no data", not 0.
      expect(await page.locator('[data-testid="trend-incidents"]').getAttribute('data-segments')).toBe('2');
      expect(pngSize(await screenshot(page, 'wall-trends-gap-1920x1080'))).toEqual({ width: 1920, height: 1080 });
      expect(wall.watch.pageErrors).toEqual([]);
    } finally {
      await wall.close();
    }
  }, 60_000);

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
      app = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd().url, env: { ...env, PORT: port } });
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
    app = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd().url, env: { STATIC_DIR, RATE_LIMIT_LOGIN_PER_MIN: '1000' } });
  });
  afterAll(async () => {
    await app?.stop();
    await broker?.stop();
  });

  /** A wall-sized page that records every request (URL and headers) and every WebSocket it opens. */
  async function wallPage(opts: { as?: TestRole; lang?: 'en' } = {}) {
    const context = await browser().newContext({ viewport: { width: 1920, height: 1080 }, reducedMotion: 'reduce', locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
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
    // dsp_<id>_<secret>: the secret is base64url, which may itself hold '_' (its last piece can be one letter).
    const secret = token.slice(token.indexOf('_', 'dsp_'.length) + 1);
    expect(secret.length).toBeGreaterThanOrEqual(40);
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
      influxUrl: influxd().url,
      env: {
        STATIC_DIR,
        ...DEMO_CITY_DAY,
        SIM_SPEED: '30',
        // The shots pin their panel (?panel=…), so the rotation never moves them; a short one keeps the
        // interrupt's hold short too (15 s), should the simulated day raise a critical alert meanwhile.
        WALL_ROTATE_S: '7',
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

  it('4K and 1080p: legible across the room; coverage coloured by threshold, legend and disclaimer readable, the banner clear of the total', async () => {
    // A station down leaves part of Tấn Tài without coverage (before the walls open: no interrupt banner in the shots).
    // The simulated twin heartbeats "up": a timestamp ahead makes those older news until the shots are done.
    // A call to 115 gives the incidents panel its figures without waiting for the simulated day to bring one.
    const dev = await mqtt.connectAsync(broker.url, { clientId: `wall-shots-${process.pid}`, protocolVersion: 4 });
    let seq = 0;
    await dev.publishAsync(topics.stationStatus('bs-vnp-23'), JSON.stringify({ seq: 1, ts: Date.now() + 170_000, state: 'down', power: 'battery', batteryPct: 0, backhaul: 'down' }), { qos: 1 });
    await dev.publishAsync(
      topics.incidentReport('hotline-115'),
      JSON.stringify({ seq: ++seq, ts: Date.now(), channel: 'hotline_115', type: 'traffic_accident', severity: 'major', lat: 11.5686, lon: 108.9875, address: 'Ngã tư Thống Nhất – Trần Phú', description: 'Va chạm giữa xe máy và ô tô', externalRef: 'CALL-115-0342' }),
      { qos: 1 },
    );
    try {
      await waitFor(() => app.operations.alerts.open().some((a) => a.dedupeKey === 'coverage_loss:w-tan-tai'), { timeoutMs: 20_000, message: 'no coverage loss for Tấn Tài' });
      await waitFor(() => app.operations.incidents.recent().length >= 1, { timeoutMs: 20_000, message: 'the 115 call made no incident' });
      // Two walls opened at 1080p (a 4K page takes far longer to load on SwiftShader); the coverage one is then
      // turned into a 4K screen for its shot: the layout follows the viewport, as a 4K display's would.
      for (const panel of ['coverage', 'incidents'] as const) {
        const wall = await openWall(app, 1920, 1080, `?panel=${panel}`);
        try {
          const { page } = wall;
          // Pinned (/wall?panel=…): the shot shows that panel whatever the rotation.
          await page.locator('[data-testid="wall-panel"] .wpanel__body').waitFor({ timeout: 20_000 });
          // Everything read in one round trip (the map keeps SwiftShader's main thread busy).
          const read = () =>
            page.evaluate(() => {
              const probe = document.createElement('i');
              probe.style.color = 'var(--critical)';
              document.body.append(probe);
              const bad = getComputedStyle(probe).color;
              probe.remove();
              const bar = document.querySelector('[data-testid="coverage-w-van-hai"]');
              const legend: [string, number][] = [];
              const root = document.querySelector('[data-testid="map-legend"]');
              const walk = root && document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
              for (let n = walk?.nextNode(); n; n = walk!.nextNode()) if (n.textContent?.trim()) legend.push([n.textContent.trim(), parseFloat(getComputedStyle(n.parentElement!).fontSize)]);
              return {
                titlePx: parseFloat(getComputedStyle(document.querySelector('.wpanel__title')!).fontSize),
                bad,
                bar: bar && { figure: bar.querySelector('.wbar__figure')?.textContent, level: bar.getAttribute('data-level'), fill: getComputedStyle(bar.querySelector('.wbar__fill')!).backgroundColor },
                legend,
                attribution: document.querySelector('[data-testid="map-attribution"]')?.textContent,
              };
            });
          const at1080 = await read();
          // Across the room: the panel title is at least 2.2 % of the screen height (24 px at 1080p).
          expect(at1080.titlePx).toBeGreaterThanOrEqual(1080 * 0.022);
          // The legend read across the room: every piece of its text at least 18 px at 1080p.
          expect(at1080.legend.length).toBeGreaterThan(5);
          expect(at1080.legend.filter(([, size]) => size < 18)).toEqual([]);
          // The demonstration pack's disclaimer in the wall's language.
          expect(at1080.attribution).toBe(opsVi.ops.attribution);
          if (panel === 'coverage') {
            // Văn Hải: 27 % of its people covered (its normal, no loss): the bad colour, as the console's red KPI.
            expect(at1080.bar).toEqual({ figure: '27%', level: 'bad', fill: at1080.bad });
            const before = await mapView(page);
            await page.setViewportSize({ width: 3840, height: 2160 });
            // The wall fits the city again for its new size: a zoom level closer (twice the pixels each way).
            // A critical alert of the simulated day may interrupt meanwhile: the map then stays on it for the
            // interrupt's hold (15 s at this rotation) and fits the city at its new size when it ends.
            const interrupted = async () => (await page.locator('[data-testid="wall"]').getAttribute('data-interrupted')) === 'true';
            let deadline = Date.now() + 15_000;
            for (;;) {
              const { zoom } = await mapView(page);
              if (await interrupted()) deadline = Math.max(deadline, Date.now() + 25_000);
              else if (zoom > before.zoom + 0.5) break;
              if (Date.now() > deadline) throw new Error(`the city was not fitted again at 4K: zoom ${zoom.toFixed(2)}, ${before.zoom.toFixed(2)} at 1080p`);
              await page.waitForTimeout(250);
            }
            const at4k = await read();
            expect(at4k.titlePx).toBeGreaterThanOrEqual(2160 * 0.022);
            await waitForMapSteady(page, 15_000); // a busy 4K map on SwiftShader may never go idle: shoot once tiles are in
            expect(pngSize(await screenshot(page, 'wall-3840x2160'))).toEqual({ width: 3840, height: 2160 });
          } else {
            await waitForMapSteady(page, 15_000);
            expect(pngSize(await screenshot(page, 'wall-1920x1080'))).toEqual({ width: 1920, height: 1080 });
            // A fire now: the banner comes up over the map and leaves the total and the KPIs readable.
            await dev.publishAsync(topics.cameraDetection('cam-005'), JSON.stringify({ seq: ++seq, ts: Date.now(), kind: 'fire_smoke', confidence: 0.95, lat: 11.5681, lon: 108.9871 }), { qos: 1 });
            const banner = page.locator('[data-testid="wall-critical"]');
            await banner.waitFor({ state: 'visible', timeout: 10_000 });
            const [b, total, kpis] = await Promise.all([banner.boundingBox(), page.locator('[data-testid="wall-total"]').boundingBox(), page.locator('[data-testid="wall-kpis"]').boundingBox()]);
            expect(total).not.toBeNull();
            expect(overlap(b, total)).toBe(false);
            expect(overlap(b, kpis)).toBe(false);
            await waitForMapSteady(page, 6_000);
            expect(pngSize(await screenshot(page, 'wall-critical-1920x1080'))).toEqual({ width: 1920, height: 1080 });
          }
          expect(await panelOf(page)).toBe(panel);
          wall.watch.assertNoExternalRequests();
          expect(wall.watch.pageErrors).toEqual([]);
        } finally {
          await wall.close();
        }
      }
    } finally {
      await dev.endAsync();
    }
  }, 240_000);
});
