/**
 * Helpers for driving the BUILT console (dist/client, served by the server) in
 * headless Chromium: open it, read what the map draws, wait for the map to settle.
 *
 * Everything on the map is one WebGL canvas, so map assertions go through
 * `window.__iocMap` (the maplibre instance the client exposes for tests).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { watchPage, type PageWatch } from './chromium.js';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const CLIENT_DIR = path.join(REPO_ROOT, 'dist', 'client');

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
export async function openConsole(
  browser: Browser,
  url: string,
  opts: { width?: number; height?: number; timeoutMs?: number } = {},
): Promise<ConsolePage> {
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
    reducedMotion: 'reduce',
    locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
  });
  const page = await context.newPage();
  const watch = watchPage(page);
  await page.goto(url);
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
