/**
 * The built console in headless Chromium against the real server, Mosquitto and
 * influxd: what a device publishes over MQTT is what the duty officer sees.
 *
 * 1. test-town, simulators off: the slice onto the map, alert latency, language
 *    switch, and a server outage (offline banner, greyed map, catch-up).
 * (The documentation screenshots: console-screens.test.ts.)
 *
 * Needs dist/client (npm test builds it; otherwise `npx vite build`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import type { Locator } from 'playwright-core';
import { topics } from '../../contract/index.js';
import { en } from '../../client/src/i18n/en.js';
import { vi } from '../../client/src/i18n/vi.js';
import { startTestApp, type TestApp } from '../harness/app.js';
import {
  deviceCounts,
  openConsole,
  renderedFeatures,
  requireBuiltClient,
  severityCount,
  sourceFeature,
  sourceFeatures,
  waitForConsoleReady,
  waitForMapIdle,
  type ConsolePage,
} from '../harness/console.js';
import { influxdAndBrowserForFile } from '../harness/stack.js';
import { startMosquitto, type TestMosquitto } from '../harness/mosquitto.js';
import { devicePublisher } from '../harness/device.js';
import { waitFor } from '../harness/wait.js';

const STATIC_DIR = requireBuiltClient();

const { influxd, browser } = influxdAndBrowserForFile();

/** textContent, not innerText: CSS uppercases some labels, and we compare with the i18n strings. */
const tc = async (l: Locator) => (await l.textContent()) ?? '';
const text = (c: ConsolePage, testid: string) => tc(c.page.locator(`[data-testid="${testid}"]`));

describe('console on test-town (simulators off)', () => {
  let broker: TestMosquitto;
  let app: TestApp;
  let dev: MqttClient;
  let send: ReturnType<typeof devicePublisher>;
  let con: ConsolePage;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-browser-'));
  // Pinned so a restart on the same port is the same system (same data, same MQTT session).
  const env = {
    STATIC_DIR,
    INFLUX_DATABASE: `ioc_browser_${process.pid}`,
    MQTT_CLIENT_ID: `ioc-browser-${process.pid}`,
    SPOOL_DIR: path.join(dir, 'spool'),
    // Same accounts and sessions after the restart, so the console's session stays valid.
    AUTH_DIR: path.join(dir, 'auth'),
    DEVICE_REGISTRY: path.join(dir, 'devices.json'),
  };

  beforeAll(async () => {
    broker = await startMosquitto();
    app = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd().url, env });
    dev = await mqtt.connectAsync(broker.url, { clientId: `browser-dev-${process.pid}`, protocolVersion: 4 });
    send = devicePublisher(dev);
    con = await openConsole(browser(), app);
  });
  afterAll(async () => {
    await con?.close();
    await dev?.endAsync();
    if (app) await app.stop();
    await broker?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows a camera status published over MQTT on the map and in the device summary, with no request off the machine and no errors', async () => {
    const { page } = con;
    // Before any message: every pack camera is on the map, state unknown, none up.
    const before = await waitFor(async () => {
      const f = await sourceFeatures(page, 'cameras');
      return f.length === 5 ? f : null;
    }, { message: 'the 5 test-town cameras never reached the map' });
    expect(before.find((f) => f.id === 'tt-cam-1')).toMatchObject({ state: 'unknown' });
    expect(await deviceCounts(page, 'cameras')).toEqual({ up: 0, total: 5 });

    await send(topics.cameraStatus('tt-cam-1'), 'tt-cam-1', { state: 'offline' }, { retain: true });
    await send(topics.cameraStatus('tt-cam-2'), 'tt-cam-2', { state: 'online', fps: 25, bitrateKbps: 2048 }, { retain: true });

    await waitFor(
      async () => (await sourceFeature(page, 'cameras', 'tt-cam-1'))?.state === 'offline' && (await sourceFeature(page, 'cameras', 'tt-cam-2'))?.state === 'online',
      { message: 'map source "cameras" never showed tt-cam-1 offline and tt-cam-2 online' },
    );
    // Drawn, not just loaded: the camera layer has both on screen with those states.
    await waitForMapIdle(page);
    const drawn = await renderedFeatures(page, 'cameras');
    expect(drawn.find((f) => f.id === 'tt-cam-1')).toMatchObject({ state: 'offline' });
    expect(drawn.find((f) => f.id === 'tt-cam-2')).toMatchObject({ state: 'online' });

    await waitFor(async () => (await deviceCounts(page, 'cameras')).up === 1, { message: 'device summary never counted tt-cam-2 up' });
    expect(await deviceCounts(page, 'cameras')).toEqual({ up: 1, total: 5 });
    expect(await tc(page.locator('[data-testid="device-summary"] [data-kind="cameras"]'))).toContain(vi.devices.down.replace('{{count}}', '1'));

    // The page loaded the app and talked to the server, all on 127.0.0.1.
    expect(con.watch.requests.some((u) => u.startsWith(`${app.url.replace('http', 'ws')}/socket.io/`))).toBe(true);
    expect(con.watch.requests.length).toBeGreaterThan(3);
    con.watch.assertNoExternalRequests();
    con.watch.assertNoErrors();
  });

  it('puts an alert raised from an MQTT detection in the queue within a second, and counts it in the header', async ({ annotate }) => {
    const { page } = con;
    expect(await severityCount(page, 'critical')).toBe(0);
    expect(await page.locator('[data-testid="alert-row"]').count()).toBe(0);
    // Timestamp the row's appearance in the page itself, so polling cannot add to the latency.
    await page.evaluate(() => {
      const w = window as unknown as { __criticalSeenAt?: number };
      const seen = () => document.querySelector('[data-testid="alert-row"][data-severity="critical"]') !== null;
      const obs = new MutationObserver(() => {
        if (w.__criticalSeenAt === undefined && seen()) {
          w.__criticalSeenAt = Date.now();
          obs.disconnect();
        }
      });
      obs.observe(document.body, { childList: true, subtree: true, attributes: true });
    });

    const publishedAt = Date.now();
    await send(topics.cameraDetection('tt-cam-3'), 'tt-cam-3', { kind: 'fire_smoke', confidence: 0.92, lat: 10.005, lon: 106.025 });
    const seenAt = await waitFor(() => page.evaluate(() => (window as unknown as { __criticalSeenAt?: number }).__criticalSeenAt), {
      timeoutMs: 5_000,
      message: 'no critical alert row in the queue',
    });
    const latencyMs = seenAt - publishedAt;
    await annotate(`MQTT publish → critical row in the queue: ${latencyMs} ms`);
    expect(latencyMs, `alert shown ${latencyMs} ms after the MQTT publish`).toBeLessThan(1000);

    const row = page.locator('[data-testid="alert-row"][data-severity="critical"]');
    expect(await row.count()).toBe(1);
    const alertId = await row.getAttribute('data-alert-id');
    const serverAlert = app.operations.alerts.open().find((a) => a.id === alertId);
    expect(serverAlert).toMatchObject({ rule: 'detection_fire_smoke', severity: 'critical', source: { kind: 'camera', id: 'tt-cam-3' } });
    expect(await tc(row)).toContain(vi.severity.critical);
    expect(Number(await page.locator('[data-testid="alert-queue"]').getAttribute('data-count'))).toBe(1);

    await waitFor(async () => (await severityCount(page, 'critical')) === 1, { timeoutMs: 2_000, message: 'header critical count never became 1' });
    expect(await tc(page.locator('[data-testid="severity-counts"] [data-severity="critical"]'))).toContain('1');
    // ...and it is on the map too.
    await waitFor(async () => (await sourceFeature(page, 'alerts', alertId!))?.severity === 'critical', { message: 'alert not on the map' });
    con.watch.assertNoErrors();
  });

  it('switches language EN ⇄ VI and keeps the choice across a reload', async () => {
    const { page } = con;
    const lang = (l: 'vi' | 'en') => page.locator(`[data-testid="lang-switch"] button[data-lang="${l}"]`);
    const queueTitle = page.locator('[data-testid="alert-queue"] h2');
    const connLabel = page.locator('[data-testid="connection-state"]');
    // Default: Vietnamese.
    expect(await tc(queueTitle)).toContain(vi.alerts.title);
    expect(await tc(connLabel)).toBe(vi.connection.live);

    await lang('en').click();
    await waitFor(async () => (await tc(queueTitle)).includes(en.alerts.title), { timeoutMs: 2_000, message: 'queue title not English' });
    expect(await tc(connLabel)).toBe(en.connection.live);
    expect(await text(con, 'device-summary')).toContain(en.devices.title);
    expect(await tc(page.locator('[data-testid="alert-row"]').first())).toContain(en.severity.critical);
    expect(await tc(page.locator('header'))).toContain(en.app.title);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    expect(await lang('en').getAttribute('aria-pressed')).toBe('true');

    await lang('vi').click();
    await waitFor(async () => (await tc(queueTitle)).includes(vi.alerts.title), { timeoutMs: 2_000, message: 'queue title not Vietnamese again' });
    expect(await tc(page.locator('header'))).toContain(vi.app.title);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('vi');

    // The choice survives a reload (localStorage), both ways.
    await lang('en').click();
    await page.reload();
    await waitForConsoleReady(page);
    expect(await tc(queueTitle)).toContain(en.alerts.title);
    expect(await tc(connLabel)).toBe(en.connection.live);
    expect(await page.evaluate(() => localStorage.getItem('ioc.lang'))).toBe('en');
    await lang('vi').click();
    await page.reload();
    await waitForConsoleReady(page);
    expect(await tc(queueTitle)).toContain(vi.alerts.title);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('vi');
    con.watch.assertNoErrors();
  });

  it('keeps the feed chip with the server on a console open for hours, even when its own clock runs ahead', async () => {
    // The screen's Date.now() is ours to move: three hours ahead is a console left open all
    // night as far as its own clock can tell. Timers and sockets keep real time.
    const skewed = await openConsole(browser(), app, {
      beforeLoad: async (page) => {
        await page.addInitScript(() => {
          const real = Date.now.bind(Date);
          let skew = 0;
          Date.now = () => real() + skew;
          (window as unknown as { __skewClock: (ms: number) => void }).__skewClock = (ms) => {
            skew += ms;
          };
        });
      },
    });
    const cameras = setInterval(() => void send(topics.cameraStatus('tt-cam-2'), 'tt-cam-2', { state: 'online', fps: 25, bitrateKbps: 2048 }), 500);
    try {
      const chip = skewed.page.locator('[data-testid="kpi-feeds"]');
      await waitFor(async () => (await chip.getAttribute('data-level')) === 'ok', { message: 'the feed chip never turned green with the cameras talking' });
      await skewed.page.evaluate(() => (window as unknown as { __skewClock: (ms: number) => void }).__skewClock(3 * 3600_000));
      // Two feed pushes and one tick of every console clock (10 s): a console that aged the
      // figures on its own clock turns red here.
      const levels = new Set<string | null>();
      const until = Date.now() + 11_000;
      while (Date.now() < until) {
        levels.add(await chip.getAttribute('data-level'));
        await new Promise((r) => setTimeout(r, 250));
      }
      expect([...levels]).toEqual(['ok']);
      await chip.click();
      const row = skewed.page.locator('[data-testid="feed-popover"] tr[data-feed="cameras"]');
      expect(await row.getAttribute('data-status')).toBe('ok');
      expect(await row.getAttribute('data-level')).toBe('ok');
      skewed.watch.assertNoErrors();
    } finally {
      clearInterval(cameras);
      await skewed.close();
    }
  });

  it('shows the outage (banner with time, greyed map kept) and catches up after the server returns', async () => {
    const { page } = con;
    await waitFor(async () => (await sourceFeature(page, 'cameras', 'tt-cam-2'))?.state === 'online', { message: 'reloaded map lacks tt-cam-2 online' });
    const errorsBefore = con.watch.consoleErrors.length;
    const port = new URL(app.url).port;
    const alertId = await page.locator('[data-testid="alert-row"][data-severity="critical"]').getAttribute('data-alert-id');

    await app.stop();
    await page.waitForSelector('[data-testid="connection-state"][data-state="offline"]', { timeout: 10_000 });
    const banner = page.locator('[data-testid="offline-banner"]');
    await banner.waitFor({ state: 'visible', timeout: 2_000 });
    const bannerText = await tc(banner);
    expect(bannerText).toContain(vi.connection.banner.split('{{time}}')[0]!.trim());
    expect(bannerText).toMatch(/\b\d{1,2}:\d{2}\b/); // "since HH:MM"
    expect(await text(con, 'connection-state')).toBe(vi.connection.offline);
    // The map stays, greyed, with the last known picture on it.
    const mapDiv = page.locator('[data-testid="map"]');
    expect(await mapDiv.getAttribute('class')).toContain('map--stale');
    // Greyed by a veil layer under the alerts, which keep their colours and get a stale mark (review item 2).
    const layout = (id: string) => page.evaluate((l) => (window as unknown as { __iocMap: { getLayoutProperty(id: string, p: string): unknown } }).__iocMap.getLayoutProperty(l, 'visibility'), id);
    await waitFor(async () => (await layout('stale-veil')) === 'visible', { timeoutMs: 2_000, message: 'stale veil not shown' });
    expect(await layout('alerts-stale')).toBe('visible');
    expect(await layout('alerts')).not.toBe('none');
    expect(await sourceFeature(page, 'cameras', 'tt-cam-1')).toMatchObject({ state: 'offline' });
    expect(await sourceFeature(page, 'cameras', 'tt-cam-2')).toMatchObject({ state: 'online' });
    expect(await page.locator(`[data-testid="alert-row"][data-alert-id="${alertId}"]`).count()).toBe(1);

    // While the console is cut off, tt-cam-2 goes offline (Mosquitto holds it for the server's session).
    await send(topics.cameraStatus('tt-cam-2'), 'tt-cam-2', { state: 'offline' }, { retain: true });

    app = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd().url, env: { ...env, PORT: port } });
    expect(app.url).toBe(`http://127.0.0.1:${port}`);
    await waitFor(() => app.registry.cameras.get('tt-cam-2')?.state === 'offline', { message: 'restarted server did not get the missed status' });

    // socket.io's backoff (1 s doubling, jittered) brings the console back on its own.
    await page.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: 30_000 });
    expect(await banner.count()).toBe(0);
    expect(await mapDiv.getAttribute('class')).not.toContain('map--stale');
    await waitFor(async () => (await sourceFeature(page, 'cameras', 'tt-cam-2'))?.state === 'offline', { message: 'the missed camera change never reached the map' });
    await waitFor(async () => (await deviceCounts(page, 'cameras')).up === 0, { message: 'device summary did not catch up' });
    // The open alert survived the restart and is still in the queue.
    expect(await page.locator(`[data-testid="alert-row"][data-alert-id="${alertId}"]`).count()).toBe(1);

    // The only errors allowed are the browser's own reports of the failed reconnect attempts.
    const during = con.watch.consoleErrors.slice(errorsBefore);
    expect(during.filter((m) => !/WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/socket\.io\/.*' failed/.test(m) && !/Failed to load resource: net::ERR_CONNECTION_REFUSED/.test(m))).toEqual([]);
    expect(con.watch.pageErrors).toEqual([]);
    con.watch.assertNoExternalRequests();
  });
});

// The documentation screenshots moved to console-screens.test.ts (grouped queue, incidents, detail panel).
