/**
 * The console's layout under load (issue #27, point 5), at 1920×1080 and
 * 1366×768: the default city with the normal-day simulation, a duty officer
 * with a long Vietnamese full name, two wards renamed to long names, and a bad
 * night's load (three-digit counts: 130 incidents phoned in, as many alerts).
 *
 * Asserted from bounding boxes, not pixels: the header is one line and nothing
 * in it is cut (every chip whole, the date shown, the user's name and "Đăng
 * xuất" side by side); the ward filter shows its whole text; every alert row
 * shows its address beside its badges; the detail panel's × never covers a
 * button while the incident view scrolls. Screenshots of both sizes go to
 * docs/screenshots (see screenshotDir) for a person to look at.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../contract/index.js';
import type { TestApp } from '../harness/app.js';
import { screenshot, screenshotDir } from '../harness/chromium.js';
import { openConsole, pngSize, REPO_ROOT, rowOf, waitForMapSteady } from '../harness/console.js';
import { RP_RAW } from '../../server/influx/schema.js';
import { startConsoleStack, type ConsoleStack } from '../harness/stack.js';
import { waitFor } from '../harness/wait.js';

const LONG_NAME = 'Nguyễn Thị Phương Thảo Hoàng Lê';
/** Two wards renamed as a real pack may name them (a ward and the area it took in). */
const LONG_WARDS: Record<string, string> = {
  'w-tan-tai': 'Phường Tấn Tài (khu phố Khánh Hội – Cầu Ông Cọ)',
  'w-thanh-hai': 'Xã Thành Hải (thôn Mỹ Nghiệp – Phú Thạnh)',
};
const REPORTS = 130;

let stack: ConsoleStack;
let browser: Browser;
let app: TestApp;
/** The copied city pack's folder. */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-layout-'));

/** The default city pack, copied, with the long ward names. */
function packWithLongWardNames(): string {
  const src = path.join(REPO_ROOT, 'citypacks', 'phan-rang-thap-cham');
  const dst = path.join(dir, 'pack');
  fs.cpSync(src, dst, { recursive: true });
  const file = path.join(dst, 'wards.geojson');
  const wards = JSON.parse(fs.readFileSync(file, 'utf8')) as { features: { properties: { id: string; name: string } }[] };
  for (const f of wards.features) f.properties.name = LONG_WARDS[f.properties.id] ?? f.properties.name;
  expect(wards.features.filter((f) => LONG_WARDS[f.properties.id]).length).toBe(Object.keys(LONG_WARDS).length);
  fs.writeFileSync(file, JSON.stringify(wards));
  return dst;
}

beforeAll(async () => {
  stack = await startConsoleStack({ env: { CITY_PACK: packWithLongWardNames(), SIMULATORS: 'on', SIM_SCENARIO: 'normal-day', SIM_SEED: '7' } });
  ({ browser, app } = stack);
  // The duty officer gets a long full name (as the admin page would set it).
  const admin = await app.headers('admin');
  const users = (await (await fetch(`${app.url}/api/admin/users`, { headers: admin })).json()) as { data: { id: string; username: string }[] };
  const officer = users.data.find((u) => u.username === 'duty-officer')!;
  const patched = await fetch(`${app.url}/api/admin/users/${officer.id}`, { method: 'PATCH', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ displayName: LONG_NAME }) });
  expect(patched.status).toBe(200);

  // A bad night: 130 calls from across the city, on a grid ~1 km apart (no two on one incident), mostly critical.
  const [west, south, east, north] = app.pack.meta.bbox;
  const types = ['traffic_accident', 'fire', 'flood', 'medical', 'crime'] as const;
  for (let i = 0; i < REPORTS; i++) {
    const lon = west + ((east - west) * ((i % 13) + 0.5)) / 13;
    const lat = south + ((north - south) * (Math.floor(i / 13) + 0.5)) / 10;
    await stack.send(topics.incidentReport('hotline-115'), 'hotline-115', {
      channel: 'hotline_115',
      type: types[i % types.length],
      severity: i % 5 === 4 ? 'major' : 'critical',
      lat,
      lon,
      address: `Số ${100 + i} đường Nguyễn Văn Cừ nối dài, khu phố ${(i % 9) + 1}`,
      description: 'Người dân gọi báo',
      externalRef: `CALL-115-${1000 + i}`,
    });
  }
  await waitFor(() => app.operations.incidents.recent().filter((x) => x.severity === 'critical').length >= 100, { timeoutMs: 60_000, message: 'fewer than 100 critical incidents' });
}, 180_000);
afterAll(async () => {
  await stack?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
const intersects = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** What overflows in the header: elements whose content is wider than their box, or that stick out of the header or the screen. */
async function headerProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const header = document.querySelector('.header')!;
    const hb = header.getBoundingClientRect();
    const name = (e: Element) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}${e.getAttribute('data-testid') ? `[${e.getAttribute('data-testid')}]` : ''}`;
    if (header.scrollWidth > header.clientWidth) problems.push(`header scrollWidth ${header.scrollWidth} > clientWidth ${header.clientWidth}`);
    const chips = header.querySelectorAll('.sev-count, .kpi, .conn, .clock, .clock__date, .lang, .lang__btn, .sound, .who, .who__logout, .header__name');
    for (const c of chips) {
      const b = c.getBoundingClientRect();
      if (b.width < 1 || b.height < 1 || getComputedStyle(c).visibility === 'hidden') problems.push(`${name(c)} not shown`);
      else if (b.left < hb.left - 0.5 || b.right > hb.right + 0.5 || b.right > window.innerWidth + 0.5) problems.push(`${name(c)} outside the header (${Math.round(b.left)}–${Math.round(b.right)})`);
      const el = c as HTMLElement;
      if (el.scrollWidth > el.clientWidth + 1) problems.push(`${name(c)} clipped: scrollWidth ${el.scrollWidth} > clientWidth ${el.clientWidth}`);
    }
    // With a problem, the widths of the header's items say where the room went.
    if (problems.length) problems.push(`widths: ${[...header.children, ...header.querySelectorAll('.header__right > *')].map((c) => `${c.className.split(' ')[0]}=${Math.round(c.getBoundingClientRect().width)}`).join(' ')}`);
    return problems;
  });
}

/** The boxes the assertions read, by name. */
async function boxes(page: Page) {
  return page.evaluate(() => {
    const box = (sel: string) => {
      const e = document.querySelector(sel);
      if (!e) return null;
      const r = e.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    };
    /** Lines of text an element's content takes: the distinct tops of its text's boxes. */
    const lines = (sel: string) => {
      const e = document.querySelector(sel);
      if (!e) return 0;
      const r = document.createRange();
      r.selectNodeContents(e);
      return new Set([...r.getClientRects()].filter((x) => x.width > 0).map((x) => Math.round(x.top))).size;
    };
    return { header: box('.header'), who: box('.who'), name: box('.who__name'), logout: box('[data-testid="logout"]'), nameLines: lines('.who__name'), logoutLines: lines('[data-testid="logout"]'), nameFull: document.querySelector('.who__name')?.getAttribute('title') ?? '', nameText: document.querySelector('.who__name')?.textContent ?? '' };
  });
}

/** Every header item sits on one line: their vertical extents all overlap the header's middle. */
async function headerRows(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const header = document.querySelector('.header')!;
    const hb = header.getBoundingClientRect();
    const mid = hb.top + hb.height / 2;
    return [...header.children].flatMap((c) => {
      const b = c.getBoundingClientRect();
      return b.height > 0 && (b.top > mid || b.bottom < mid) ? [`${c.className} off the header's line (${Math.round(b.top)}–${Math.round(b.bottom)}, middle ${Math.round(mid)})`] : [];
    });
  });
}

/** Alert rows whose address (or title) is hidden or squeezed next to badges: cut, and under 40 % (60 %) of the row. */
async function squeezedAddresses(page: Page): Promise<string[]> {
  return page.locator('[data-testid="alert-row"]').evaluateAll((rows) =>
    rows.flatMap((row) => {
      const place = row.querySelector('[data-testid="alert-place"]') as HTMLElement | null;
      const id = row.getAttribute('data-alert-id');
      if (!place) return [`${id}: no address`];
      const p = place.getBoundingClientRect();
      const r = (row.querySelector('.alert-row__btn') as HTMLElement).getBoundingClientRect();
      if (p.width < 1) return [`${id}: address has no width`];
      if (p.right > r.right + 0.5) return [`${id}: address out of the row`];
      const cut = place.scrollWidth > place.clientWidth + 1;
      const title = row.querySelector('[data-testid="alert-title"]') as HTMLElement;
      const titleCut = title.scrollWidth > title.clientWidth + 1 && title.getBoundingClientRect().width < 0.6 * r.width;
      return [...(cut && p.width < 0.4 * r.width ? [`${id}: address cut to ${Math.round(p.width)} px of ${Math.round(r.width)}`] : []), ...(titleCut ? [`${id}: title squeezed to ${Math.round(title.getBoundingClientRect().width)} px`] : [])];
    }),
  );
}

/** The text of the chosen option of a select is narrower than the select's box (less its padding and arrow). */
async function selectTextFits(page: Page, testId: string): Promise<{ text: string; textPx: number; roomPx: number }> {
  return page.locator(`[data-testid="${testId}"]`).evaluate((el) => {
    const s = el as HTMLSelectElement;
    const text = s.options[s.selectedIndex]!.text;
    const cs = getComputedStyle(s);
    const ctx = document.createElement('canvas').getContext('2d')!;
    ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    const arrow = 16; // Chromium's drop-down arrow, at most
    return { text, textPx: ctx.measureText(text).width, roomPx: s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - arrow };
  });
}

/** Scrolls the detail panel top to bottom; at each step, the × must not cover any visible part of another button. */
async function closeOverlaps(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const panel = document.querySelector('[data-testid="detail-panel"]')!;
    const body = panel.querySelector('.detail__body') as HTMLElement;
    const close = panel.querySelector('[data-testid="detail-close"]')!;
    const out: string[] = [];
    const frame = () => new Promise((r) => requestAnimationFrame(() => r(null)));
    for (let top = 0; top <= body.scrollHeight; top += 24) {
      body.scrollTop = top;
      await frame();
      const c = close.getBoundingClientRect();
      for (const b of panel.querySelectorAll('button')) {
        if (b === close) continue;
        const r = b.getBoundingClientRect();
        const x0 = Math.max(c.left, r.left);
        const x1 = Math.min(c.right, r.right);
        const y0 = Math.max(c.top, r.top);
        const y1 = Math.min(c.bottom, r.bottom);
        if (x1 <= x0 || y1 <= y0) continue;
        // Overlapping boxes: is any of that part of the button shown (not under the panel's own chrome)?
        const hit = document.elementFromPoint((x0 + x1) / 2, (y0 + y1) / 2);
        if (hit && (hit === close || close.contains(hit))) out.push(`× covers "${b.textContent?.trim()}" at scrollTop ${top}`);
        else if (hit && b.contains(hit)) out.push(`"${b.textContent?.trim()}" shows through the × at scrollTop ${top}`);
      }
    }
    return out;
  });
}

describe('console layout with three-digit counts and long Vietnamese names', () => {
  for (const [width, height] of [
    [1920, 1080],
    [1366, 768],
  ] as const) {
    it(`${width}×${height}: one-line header with every chip whole, the date, name beside "Đăng xuất"; ward filter, addresses and the panel's ×`, async () => {
      const con = await openConsole(browser, app, { width, height, timeoutMs: 60_000 });
      try {
        const { page } = con;
        // Three-digit counts in the header (active critical alerts) and in the KPI chip (open critical incidents).
        await waitFor(async () => Number(await page.locator('[data-testid="severity-counts"] [data-severity="critical"]').getAttribute('data-count')) >= 100, { timeoutMs: 20_000, message: 'header count never reached three digits' });
        await waitFor(async () => ((await page.locator('[data-testid="kpi-incidents"] [data-severity="critical"]').textContent()) ?? '').trim().length >= 3, { timeoutMs: 20_000, message: 'KPI chip never reached three digits' });

        // The header: one line, nothing clipped or pushed out.
        expect(await headerProblems(page)).toEqual([]);
        // The queue's severity chips (three-digit counts) are whole, inside the queue panel.
        const queue = (await page.locator('[data-testid="alert-queue"]').boundingBox())!;
        for (const chip of await page.locator('[data-testid="queue-severity"] button').all()) {
          const c = (await chip.boundingBox())!;
          expect(c.x + c.width, `queue chip ${await chip.getAttribute('data-severity')} cut at the panel's edge`).toBeLessThanOrEqual(queue.x + queue.width - 1);
          expect(await chip.evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
        }
        expect(await headerRows(page)).toEqual([]);
        const b = await boxes(page);
        expect(b.nameLines).toBe(1);
        expect(b.logoutLines).toBe(1);
        expect(Math.abs(b.name!.y + b.name!.height / 2 - (b.logout!.y + b.logout!.height / 2))).toBeLessThan(3);
        expect(b.name!.x + b.name!.width).toBeLessThanOrEqual(b.logout!.x);
        // The header may shorten a long name (a readable part stays, the full name is on hover), never wrap it.
        expect(b.nameText).toBe(LONG_NAME);
        expect(b.nameFull).toContain(LONG_NAME);
        expect(b.name!.width).toBeGreaterThanOrEqual(90);

        await waitForMapSteady(page);
        expect(pngSize(await screenshot(page, `console-layout-${width}x${height}`))).toEqual({ width, height });

        // The ward filter on the longest ward name: its whole text fits.
        const longest = Object.entries(LONG_WARDS).sort((a, b) => b[1].length - a[1].length)[0]!;
        if ((await page.locator(`[data-testid="filter-ward"] option[value="${longest[0]}"]`).count()) === 0) throw new Error(`no alert in ${longest[0]}: the grid of calls should cover it`);
        await page.locator('[data-testid="filter-ward"]').selectOption(longest[0]);
        const fit = await selectTextFits(page, 'filter-ward');
        expect(fit.text).toBe(longest[1]);
        expect(fit.textPx, `"${fit.text}" is ${Math.round(fit.textPx)} px in ${Math.round(fit.roomPx)} px`).toBeLessThanOrEqual(fit.roomPx);
        await waitForMapSteady(page);
        expect(pngSize(await screenshot(page, `console-layout-ward-${width}x${height}`))).toEqual({ width, height });
        await page.locator('[data-testid="filter-ward"]').selectOption('');

        // Alert rows: the address beside the badges (acknowledge a few so they carry the "Đã tiếp nhận" badge).
        for (let i = 0; i < 3; i++) await page.locator('[data-testid="alert-row"] [data-testid="ack"]').first().click();
        await waitFor(async () => (await page.locator('[data-testid="alert-row"] .tag--ok').count()) >= 3, { timeoutMs: 10_000, message: 'no acknowledged badges' });
        expect(await squeezedAddresses(page)).toEqual([]);
        expect(pngSize(await screenshot(page, `console-layout-queue-${width}x${height}`))).toEqual({ width, height });
        // Incident rows: "Chưa có đơn vị" (no unit yet) is whole in every row; a long address may be cut, the cue may not.
        const cutCues = await page.locator('[data-testid="incident-row"] [data-testid="needs-unit"]').evaluateAll((cues) =>
          cues.flatMap((cue) => {
            const meta = cue.closest('.inc-row__meta')!.getBoundingClientRect();
            const c = cue.getBoundingClientRect();
            return c.width < 1 || c.right > meta.right + 0.5 ? [`${cue.closest('[data-incident-id]')!.getAttribute('data-incident-id')}: ${Math.round(c.right - meta.right)} px past its row`] : [];
          }),
        );
        expect(await page.locator('[data-testid="incident-row"] [data-testid="needs-unit"]').count()).toBeGreaterThan(3);
        expect(cutCues).toEqual([]);

        // An incident with its dispatch list open, scrolled top to bottom: the × covers no button.
        await page.locator('[data-testid="incident-row"] button').first().click();
        await page.locator('[data-testid="incident-view"]').waitFor({ timeout: 5_000 });
        if ((await page.locator('[data-testid="dispatch"]').getAttribute('data-open')) !== 'true') await page.locator('[data-testid="dispatch-toggle"]').click();
        await page.locator('[data-testid="dispatch-unit"]').first().waitFor({ timeout: 5_000 });
        expect(await closeOverlaps(page)).toEqual([]);
        await page.locator('.detail__body').evaluate((e) => (e.scrollTop = e.scrollHeight / 3));
        expect(pngSize(await screenshot(page, `console-layout-incident-${width}x${height}`))).toEqual({ width, height });
        con.watch.assertNoExternalRequests();
        expect(con.watch.pageErrors).toEqual([]);
      } finally {
        await con.close();
      }
    }, 120_000);
  }

  it("a camera's FPS chart (last hour) breaks where the camera was silent instead of drawing a ramp across it", async () => {
    const cam = 'cam-005';
    // FPS 60 to 40 minutes ago, every 30 s as the camera reports; then nothing until the simulation's own points of the last minutes.
    const now = Date.now();
    const points = [];
    for (let t = now - 60 * 60_000; t < now - 40 * 60_000; t += 30_000) points.push({ measurement: 'camera_status', tags: { camera: cam, ward: 'none' }, fields: { fps: 24 + (points.length % 3) }, timestamp: new Date(t) });
    await app.influx.writePoints(points, { retentionPolicy: RP_RAW, precision: 'ms' });
    await waitFor(() => app.registry.cameras.get(cam)?.state === 'online', { timeoutMs: 30_000, message: `${cam} not reporting` });
    // Reach the camera as an officer does: its alert in the queue, then "Nguồn" in the panel.
    await stack.dev.publishAsync(topics.cameraDetection(cam), JSON.stringify({ seq: 9_000, ts: Date.now(), kind: 'fire_smoke', confidence: 0.9, lat: 11.5681, lon: 108.9871 }), { qos: 1 });
    const alert = await waitFor(() => app.operations.alerts.open().find((a) => a.rule === 'detection_fire_smoke' && a.source.id === cam), { message: 'no alert on the camera' });
    const con = await openConsole(browser, app, { width: 1920, height: 1080, timeoutMs: 60_000 });
    try {
      const { page } = con;
      await rowOf(page, alert.id).locator('.alert-row__btn').click();
      await page.locator('[data-testid="detail-panel"] button', { hasText: 'Nguồn' }).click();
      const history = page.locator(`[data-testid="detail-panel"][data-kind="camera"][data-id="${cam}"] [data-testid="history"][data-field="fps"]`);
      await history.locator('.spark').waitFor({ timeout: 10_000 });
      // Two pieces: the old stretch and the live one, not one line across the 37 silent minutes.
      expect(await history.locator('.spark').getAttribute('data-segments')).toBe('2');
      const d = (await history.locator('.spark__line').getAttribute('d'))!;
      const pieces = d.split('M').filter(Boolean).map((seg) => seg.replace(/h0/g, '').split(/[L ]+/).filter(Boolean).map(Number).filter((_, i) => i % 2 === 0));
      expect(pieces).toHaveLength(2);
      // In a 300-wide box over the hour: the first piece ends by minute ~20, the second starts after minute ~55.
      expect(Math.max(...pieces[0]!)).toBeLessThan(300 * (21 / 60));
      expect(Math.min(...pieces[1]!)).toBeGreaterThan(300 * (54 / 60));
      await history.screenshot({ path: path.join(screenshotDir(), 'console-camera-history-gap.png') });
      expect(con.watch.pageErrors).toEqual([]);
    } finally {
      await con.close();
    }
  }, 120_000);
});
