/**
 * Helpers for driving the BUILT console (dist/client, served by the server) in
 * headless Chromium: open it, read what the map draws, wait for the map to settle.
 *
 * Everything on the map is one WebGL canvas, so map assertions go through
 * `window.__iocMap` (the maplibre instance the client exposes for tests).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { addSessionCookie, type TestRole, type TestSession } from './auth.js';
import { watchPage, type PageWatch } from './chromium.js';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** The screenshots' setting: the demo city (Phan Rang–Tháp Chàm) on a normal day, its simulators on a fixed seed. */
export const DEMO_CITY_DAY = {
  CITY_PACK: path.join(REPO_ROOT, 'citypacks', 'phan-rang-thap-cham'),
  SIMULATORS: 'on',
  SIM_SCENARIO: 'normal-day',
  SIM_SEED: '7',
} as const;
/** The built client; IOC_CLIENT_DIR points elsewhere (a private build while others rebuild dist/client). */
export const CLIENT_DIR = process.env.IOC_CLIENT_DIR ? path.resolve(process.env.IOC_CLIENT_DIR) : path.join(REPO_ROOT, 'dist', 'client');

/** Throws a clear message when the client has not been built (the server would serve nothing). */
export function requireBuiltClient(dir = CLIENT_DIR): string {
  const index = path.join(dir, 'index.html');
  if (!fs.existsSync(index)) {
    throw new Error(
      `The console client is not built: ${index} does not exist. Run "npx vite build" (or "npm run build"; "npm test" builds it) before the browser tests.`,
    );
  }
  return dir;
}

export interface ConsolePage {
  context: BrowserContext;
  page: Page;
  watch: PageWatch;
  close(): Promise<void>;
}

/**
 * A fresh browser context (own localStorage) at the given size, with
 * prefers-reduced-motion (the alert pulse would otherwise keep the map from
 * ever going idle), on the console, waiting until it is live and the map loaded.
 */
export interface OpenConsoleOptions {
  width?: number;
  height?: number;
  timeoutMs?: number;
  /** UI language to start in (stored as the workstation's choice before the page loads). */
  lang?: 'vi' | 'en';
  /** Path under the app URL; default the duty officer's console at /. */
  path?: string;
  /** Who signs in (default duty_officer). */
  role?: TestRole;
  /** Runs on the new page before it loads (e.g. page.routeWebSocket, which must be in place before the socket opens). */
  beforeLoad?: (page: Page) => Promise<void>;
}

/** What openConsole needs of a running app: its URL and, with auth on, a way to sign in. */
export type ConsoleTarget = string | { url: string; login?: (role: TestRole) => Promise<TestSession> };

/**
 * The ONE way browser tests open a console, signed in as `opts.role` (default the
 * duty officer). The session is obtained over the API and its refresh cookie put
 * in the context's jar, as a login through the page leaves it: the page takes up
 * the session by cookie on load (tests/browser/security.test.ts and
 * session-cookie.test.ts drive the login form itself).
 */
export async function openConsole(browser: Browser, app: ConsoleTarget, opts: OpenConsoleOptions = {}): Promise<ConsolePage> {
  const url = typeof app === 'string' ? app : app.url;
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
    reducedMotion: 'reduce',
    locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
  });
  if (opts.lang) await context.addInitScript((lng) => localStorage.setItem('ioc.lang', lng), opts.lang);
  if (typeof app !== 'string' && app.login) await addSessionCookie(context, url, await app.login(opts.role ?? 'duty_officer'));
  const page = await context.newPage();
  const watch = watchPage(page);
  await opts.beforeLoad?.(page);
  await page.goto(new URL(opts.path ?? '/', url).href);
  await waitForConsoleReady(page, opts.timeoutMs);
  return { context, page, watch, close: () => context.close() };
}

/** Live, and the map's style loaded with our sources in it. */
export async function waitForConsoleReady(page: Page, timeoutMs = 30_000): Promise<void> {
  await page.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: timeoutMs });
  await page.waitForFunction(
    () => {
      const map = (window as unknown as { __iocMap?: { isStyleLoaded(): boolean; getSource(id: string): unknown } }).__iocMap;
      return !!map && map.isStyleLoaded() && !!map.getSource('cameras');
    },
    undefined,
    { timeout: timeoutMs },
  );
}

export type FeatureProps = Record<string, unknown> & { id: string };

/**
 * Properties of the features of a source that are in the map's loaded tiles,
 * one per id (a feature straddling tiles is returned once per tile by maplibre).
 */
export async function sourceFeatures(page: Page, sourceId: string): Promise<FeatureProps[]> {
  return page.evaluate((id) => {
    type F = { properties: Record<string, unknown> };
    const map = (window as unknown as { __iocMap?: { querySourceFeatures(id: string): F[] } }).__iocMap;
    if (!map) throw new Error('window.__iocMap is not set');
    const seen = new Map<string, Record<string, unknown>>();
    for (const f of map.querySourceFeatures(id)) seen.set(String(f.properties.id), f.properties);
    return [...seen.values()] as FeatureProps[];
  }, sourceId);
}

/** Features of a layer drawn on screen now (queryRenderedFeatures over the whole canvas). */
export async function renderedFeatures(page: Page, layerId: string): Promise<FeatureProps[]> {
  return page.evaluate((layer) => {
    type F = { properties: Record<string, unknown> };
    const map = (window as unknown as { __iocMap?: { getLayer(id: string): unknown; queryRenderedFeatures(o: { layers: string[] }): F[] } }).__iocMap;
    if (!map) throw new Error('window.__iocMap is not set');
    if (!map.getLayer(layer)) return [];
    const seen = new Map<string, Record<string, unknown>>();
    for (const f of map.queryRenderedFeatures({ layers: [layer] })) seen.set(String(f.properties.id), f.properties);
    return [...seen.values()] as FeatureProps[];
  }, layerId);
}

/** The properties of one feature of a source, by id, or null when it is not in the loaded tiles. */
export async function sourceFeature(page: Page, sourceId: string, id: string): Promise<FeatureProps | null> {
  return (await sourceFeatures(page, sourceId)).find((f) => f.id === id) ?? null;
}

/**
 * Resolves once the map has drawn everything it has (maplibre's `idle`: no
 * pending tiles, transitions or data updates). Needs prefers-reduced-motion,
 * or the alert pulse repaints forever.
 */
export async function waitForMapIdle(page: Page, timeoutMs = 15_000): Promise<void> {
  await page.evaluate(
    (ms) =>
      new Promise<void>((resolve, reject) => {
        const map = (window as unknown as { __iocMap?: { once(e: string, f: () => void): void; triggerRepaint(): void } }).__iocMap;
        if (!map) return reject(new Error('window.__iocMap is not set'));
        const timer = setTimeout(() => reject(new Error(`map did not go idle within ${ms} ms`)), ms);
        map.once('idle', () => {
          clearTimeout(timer);
          resolve();
        });
        map.triggerRepaint();
      }),
    timeoutMs,
  );
}

/**
 * For documentation screenshots of a city whose simulation never stops: 'idle'
 * may not come while data flows, so wait (best effort, no assertion) for the
 * tiles to be loaded and the camera still, then two more frames. Returns whether
 * the map settled; the tests' assertions never depend on it.
 */
export async function waitForMapSteady(page: Page, timeoutMs = 15_000): Promise<boolean> {
  const settled = await page.waitForFunction(
    () => {
      const map = (window as unknown as { __iocMap?: { areTilesLoaded(): boolean; isMoving(): boolean; isStyleLoaded(): boolean } }).__iocMap;
      return !!map && map.isStyleLoaded() && map.areTilesLoaded() && !map.isMoving();
    },
    undefined,
    { timeout: timeoutMs, polling: 100 },
  ).then(() => true, () => false);
  await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
  return settled;
}

/** data-up / data-total of one device-summary row (cameras, stations, links). */
export async function deviceCounts(page: Page, kind: 'cameras' | 'stations' | 'links'): Promise<{ up: number; total: number }> {
  const row = page.locator(`[data-testid="device-summary"] [data-kind="${kind}"]`);
  const [up, total] = await Promise.all([row.getAttribute('data-up'), row.getAttribute('data-total')]);
  return { up: Number(up), total: Number(total) };
}

/** The header's unacknowledged count for one severity. */
export async function severityCount(page: Page, severity: 'critical' | 'major' | 'minor' | 'info'): Promise<number> {
  return Number(await page.locator(`[data-testid="severity-counts"] [data-severity="${severity}"]`).getAttribute('data-count'));
}

/** Width and height from a PNG file's IHDR chunk. */
export function pngSize(file: string): { width: number; height: number } {
  const buf = fs.readFileSync(file);
  if (buf.length < 24 || buf.toString('latin1', 1, 4) !== 'PNG') throw new Error(`${file} is not a PNG`);
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

/* ---------- the duty officer's workflow (alert queue, incidents, detail panel) ---------- */

export interface QueueRow {
  alertId: string;
  memberIds: string[];
  severity: string;
  state: string;
  title: string;
  selected: boolean;
}

/** The queue's lines as shown, top to bottom. */
export async function queueRows(page: Page): Promise<QueueRow[]> {
  return page.locator('[data-testid="alert-row"]').evaluateAll((els) =>
    els.map((e) => ({
      alertId: e.getAttribute('data-alert-id') ?? '',
      memberIds: (e.getAttribute('data-member-ids') ?? '').split(' ').filter(Boolean),
      severity: e.getAttribute('data-severity') ?? '',
      state: e.getAttribute('data-state') ?? '',
      title: e.querySelector('[data-testid="alert-title"]')?.textContent ?? '',
      selected: e.classList.contains('alert-row--selected'),
    })),
  );
}

/** The queue line that stands for an alert (its own, or its group's). */
export const rowOf = (page: Page, alertId: string) => page.locator(`[data-testid="alert-row"][data-member-ids~="${alertId}"]`).first();

/** Press Acknowledge on the alert's queue line. */
export async function acknowledgeFromQueue(page: Page, alertId: string): Promise<void> {
  await rowOf(page, alertId).locator('[data-testid="ack"]').click();
}

export const incidentRow = (page: Page, incidentId: string) => page.locator(`[data-testid="incident-row"][data-incident-id="${incidentId}"]`);

/** Open an incident from the incidents panel and wait for its view. */
export async function openIncident(page: Page, incidentId: string): Promise<Locator> {
  await incidentRow(page, incidentId).locator('button').click();
  const view = page.locator(`[data-testid="incident-view"][data-incident-id="${incidentId}"]`);
  await view.waitFor({ timeout: 5_000 });
  return view;
}

/** Press one of the incident view's action buttons (acknowledge, on_scene, resolve, close, reopen). */
export async function incidentAction(page: Page, action: string): Promise<void> {
  await page.locator(`[data-testid="incident-actions"] button[data-action="${action}"]`).click();
}

/** A key press with focus on the page body (not in a field), as an officer uses the shortcuts. */
export async function pressShortcut(page: Page, key: string): Promise<void> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press(key);
}

/** A layout property of a map layer (visibility, text-field…). */
export async function layerLayout(page: Page, layerId: string, prop: string): Promise<unknown> {
  return page.evaluate(
    ([l, p]) => (window as unknown as { __iocMap: { getLayoutProperty(id: string, p: string): unknown } }).__iocMap.getLayoutProperty(l!, p!),
    [layerId, prop],
  );
}

export interface PhonePage {
  context: BrowserContext;
  page: Page;
  watch: PageWatch;
}

/**
 * A responder's phone (390×844, touch, Vietnamese, Asia/Ho_Chi_Minh) signed in by the session's
 * cookie, on /responder once live. `navigator.vibrate` is recorded in `window.__vibrations`, and
 * the tones the page starts (WebAudio oscillators) are counted in `window.__tones`.
 */
export async function openPhone(browser: Browser, url: string, session: TestSession): Promise<PhonePage> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, reducedMotion: 'reduce', locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
  await addSessionCookie(context, url, session);
  await context.addInitScript(() => {
    const w = window as unknown as { __vibrations: unknown[]; __tones: number };
    w.__vibrations = [];
    Object.defineProperty(navigator, 'vibrate', { value: (p: unknown) => (w.__vibrations.push(p), true), configurable: true });
    w.__tones = 0;
    const start = OscillatorNode.prototype.start;
    OscillatorNode.prototype.start = function (this: OscillatorNode, ...args: Parameters<OscillatorNode['start']>) {
      w.__tones += 1;
      return start.apply(this, args);
    };
  });
  const page = await context.newPage();
  const watch = watchPage(page);
  await page.goto(`${url}/responder`);
  await page.waitForSelector('[data-testid="responder"][data-state="live"]', { timeout: 30_000 });
  return { context, page, watch };
}

/** The RGB of the page's pixel at (x, y), decoded from a real screenshot (what the officer sees, not what a layer says). */
export async function pixel(page: Page, x: number, y: number): Promise<[number, number, number]> {
  const png = [...(await page.screenshot({ type: 'png', clip: { x: x - 1, y: y - 1, width: 3, height: 3 } }))];
  return page.evaluate(async (bytes) => {
    const bitmap = await createImageBitmap(new Blob([new Uint8Array(bytes)], { type: 'image/png' }));
    const c = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = c.getContext('2d')!;
    ctx.drawImage(bitmap, 0, 0);
    const d = ctx.getImageData(1, 1, 1, 1).data;
    return [d[0]!, d[1]!, d[2]!] as [number, number, number];
  }, png);
}

/** `#rrggbb` as [r, g, b]. */
export const rgb = (hex: string): number[] => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
