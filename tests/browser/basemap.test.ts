/**
 * The offline basemap (issue #24 point 1), on the built console against the real
 * server: a PMTiles archive cut from the test town's own GeoJSON by the harness
 * (tests/harness/basemap.ts) is served by the server (BASEMAP_PMTILES) with Range
 * requests and drawn under the city layers in the console's (dark) flavour:
 *
 * - the basemap's layers sit between our background and the wards, and its water
 *   is drawn where no city layer is (read from the pixels of a real screenshot);
 * - its road names come out in Vietnamese, in the bundled font;
 * - the archive is read in ranges (206), with the session, and no request the
 *   page makes goes anywhere but the local server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { LAYER_IDS } from '../../client/src/map/layers.js';
import { RIVERSIDE, writeCityBasemap, type CityBasemap } from '../harness/basemap.js';
import { screenshot } from '../harness/chromium.js';
import { type ConsolePage, openConsole, pixel, renderedFeatures, REPO_ROOT, rgb, waitForMapIdle } from '../harness/console.js';
import { startConsoleStack, type ConsoleStack } from '../harness/stack.js';

let stack: ConsoleStack;
let con: ConsolePage;
let basemap: CityBasemap;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-basemap-'));
const ranges: { status: number; range: string | undefined }[] = [];

beforeAll(async () => {
  basemap = writeCityBasemap(path.join(REPO_ROOT, 'citypacks', 'test-town'), path.join(dir, 'town.pmtiles'));
  stack = await startConsoleStack({ env: { BASEMAP_PMTILES: basemap.file, SIMULATORS: 'off' } });
  con = await openConsole(stack.browser, stack.app, {
    width: 1280,
    height: 800,
    beforeLoad: async (page) => {
      page.on('response', (res) => {
        if (res.url().includes('/api/basemap.pmtiles')) ranges.push({ status: res.status(), range: res.request().headers().range });
      });
    },
  });
});
afterAll(async () => {
  await con?.close();
  await stack?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const near = (a: number[], b: number[], tol = 24) => a.every((v, i) => Math.abs(v - b[i]!) <= tol);

type StyleMap = {
  getStyle(): { layers: { id: string; paint?: Record<string, unknown> }[] };
  getPaintProperty(l: string, p: string): unknown;
  project(c: [number, number]): { x: number; y: number };
  getCanvas(): HTMLCanvasElement;
};

describe('the offline basemap (issue #24)', () => {
  it('draws the archive under the city layers, in the console flavour, with Vietnamese names and no outside request', async () => {
    const { page, watch } = con;
    await waitForMapIdle(page);

    // Order: our background, then every basemap layer, then the city (wards first).
    const ids = await page.evaluate(() => (window as unknown as { __iocMap: StyleMap }).__iocMap.getStyle().layers.map((l) => l.id));
    const base = ids.map((id, i) => [id, i] as const).filter(([id]) => id.startsWith('basemap:'));
    expect(base.length).toBeGreaterThan(20);
    expect(ids[0]).toBe(LAYER_IDS.background);
    expect(Math.max(...base.map(([, i]) => i))).toBeLessThan(ids.indexOf(LAYER_IDS.wardsFill));

    // The water band north of the wards: drawn by the basemap, in the dark flavour's water colour.
    const [w, s, e, n] = basemap.water;
    const { water, x, y } = await page.evaluate(
      ([lon, lat]) => {
        const map = (window as unknown as { __iocMap: StyleMap }).__iocMap;
        const p = map.project([lon, lat]);
        const box = map.getCanvas().getBoundingClientRect();
        return { water: map.getPaintProperty('basemap:water', 'fill-color'), x: Math.round(box.left + p.x), y: Math.round(box.top + p.y) };
      },
      [(w + e) / 2 + 0.004, s + (Math.min(n, 10.015) - s) / 2] as const,
    );
    expect(await renderedFeatures(page, 'basemap:water')).not.toHaveLength(0);
    const got = await pixel(page, x, y);
    expect(near(got, rgb(String(water))), `pixel ${got} vs water ${String(water)}`).toBe(true);

    // Beneath the city: inside a ward, over the lake, the pixel changes when the basemap is hidden
    // (it is drawn there) and is not the lake's own colour (the ward's fill is drawn over it).
    const [lw, ls, le, ln] = basemap.lake;
    const at = await page.evaluate(
      ([lon, lat]) => {
        const map = (window as unknown as { __iocMap: StyleMap }).__iocMap;
        const p = map.project([lon, lat]);
        const box = map.getCanvas().getBoundingClientRect();
        return { x: Math.round(box.left + p.x), y: Math.round(box.top + p.y) };
      },
      [(lw + le) / 2, (ls + ln) / 2] as const,
    );
    const withBase = await pixel(page, at.x, at.y);
    const setBasemap = (visibility: 'visible' | 'none') =>
      page.evaluate((v) => {
        const map = (window as unknown as { __iocMap: StyleMap & { setLayoutProperty(l: string, p: string, v: string): void } }).__iocMap;
        for (const l of map.getStyle().layers) if (l.id.startsWith('basemap:')) map.setLayoutProperty(l.id, 'visibility', v);
      }, visibility);
    await setBasemap('none');
    await waitForMapIdle(page);
    const without = await pixel(page, at.x, at.y);
    await setBasemap('visible');
    await waitForMapIdle(page);
    const diff = (a: number[], b: number[]) => a.reduce((n, v, i) => n + Math.abs(v - b[i]!), 0);
    expect(diff(withBase, without), `ward over the lake ${withBase} vs without the basemap ${without}`).toBeGreaterThan(15);
    expect(diff(withBase, rgb(String(water))), `ward over the lake ${withBase} vs the lake's own ${String(water)}`).toBeGreaterThan(15);

    // Its streets carry the Vietnamese names, drawn with the bundled font (no glyphs URL).
    const labels = await renderedFeatures(page, 'basemap:roads_labels_major');
    expect(labels.map((f) => f['name:vi'])).toContain(RIVERSIDE);

    // Read in ranges, with the session; everything stayed on this machine.
    expect(ranges.length).toBeGreaterThan(1);
    expect(ranges.every((r) => r.status === 206 && /^bytes=\d+-\d+$/.test(r.range ?? ''))).toBe(true);
    watch.assertNoExternalRequests();
    expect(watch.requests.every((u) => u.startsWith(stack.app.url) || u.startsWith(stack.app.url.replace(/^http/, 'ws')) || /^(data|blob):/.test(u))).toBe(true);
    watch.assertNoErrors();
    await screenshot(page, 'console-basemap');
  });
});
