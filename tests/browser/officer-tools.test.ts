/**
 * What officers reach for (issue #27, point 7), in headless Chromium against the
 * real server, Mosquitto and influxd: the unit roster (a click selects the unit
 * on the map), a camera's detections over 24 hours, the tools menu (replay this
 * moment, the shift's CSV, the audit for supervisors only), the ward filter of
 * the whole screen, and the alert sound on by default with its muted states.
 * One server and one duty officer's console for the file, the tests in order.
 * Screenshots of the roster, a camera's detections and the ward filter go to
 * docs/screenshots (see screenshotDir) for a person to look at.
 */
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics, type Alert } from '../../contract/index.js';
import type { TestApp } from '../harness/app.js';
import { screenshot } from '../harness/chromium.js';
import { openConsole, sourceFeatures, waitForMapIdle, type ConsolePage } from '../harness/console.js';
import type { DeviceSend } from '../harness/device.js';
import { startConsoleStack, type ConsoleStack } from '../harness/stack.js';
import { waitFor } from '../harness/wait.js';

let stack: ConsoleStack;
let browser: Browser;
let app: TestApp;
let send: DeviceSend;
const report = (ref: string, type: string, severity: string, lon: number, lat: number) =>
  send(topics.incidentReport('hotline-115'), 'hotline-115', { channel: 'hotline_115', type, severity, lat, lon, description: `Tin báo ${ref}`, externalRef: ref });

beforeAll(async () => {
  stack = await startConsoleStack();
  ({ browser, app, send } = stack);
  // A picture across three wards: incidents in A and B, a violation burst on a camera in B, a station down in C.
  for (let i = 0; i < 3; i++) await send(topics.cameraDetection('tt-cam-4'), 'tt-cam-4', { kind: 'red_light', confidence: 0.93, lat: 10.008, lon: 106.015, lane: 1, plate: `85A-12${i}.45` });
  await report('T-A', 'fire', 'major', 106.004, 10.006);
  await report('T-B', 'medical', 'minor', 106.016, 10.006);
  await send(topics.stationStatus('tt-bs-c1'), 'tt-bs-c1', { state: 'down', power: 'mains', backhaul: 'up' });
  // Cameras: one up in A, one up and one down in B (availability 2 of 3 in the city, 1 of 2 in B).
  await send(topics.cameraStatus('tt-cam-1'), 'tt-cam-1', { state: 'online', fps: 25, bitrateKbps: 2048 });
  await send(topics.cameraStatus('tt-cam-2'), 'tt-cam-2', { state: 'online', fps: 25, bitrateKbps: 2048 });
  await send(topics.cameraStatus('tt-cam-5'), 'tt-cam-5', { state: 'offline' });
  await waitFor(() => app.operations.incidents.open().length === 2 && app.operations.alerts.open().some((a) => a.rule === 'station_down') && app.registry.cameras.get('tt-cam-5')?.state === 'offline', { message: 'the test picture never formed' });
  await app.writer.flush(10_000);
});
afterAll(async () => {
  await officer?.close();
  await stack?.stop();
});

/**
 * The duty officer's console, shared by the tests in order (one page load for the
 * file): the sound test runs first, before any click on the page.
 */
let officer: ConsolePage;
async function withConsole(opts: Parameters<typeof openConsole>[2], body: (c: ConsolePage) => Promise<void>): Promise<void> {
  const shared = opts?.role === undefined;
  const c = shared ? (officer ??= await openConsole(browser, app, { width: 1600, height: 900, beforeLoad: countTones })) : await openConsole(browser, app, { width: 1600, height: 900, ...opts });
  try {
    await body(c);
    expect(c.watch.pageErrors).toEqual([]);
    c.watch.assertNoExternalRequests();
  } finally {
    if (!shared) await c.close();
  }
}

/**
 * Counts the tones the page starts (a beep is two), with the real WebAudio
 * underneath; and holds audio back until the page's first click or key, as a
 * desktop browser does for a site it does not know (headless Chromium plays
 * sound at once whatever --autoplay-policy says): the context reads suspended
 * and does not resume before the user has pressed something.
 */
async function countTones(page: Page): Promise<void> {
  await page.addInitScript(() => {
    // Chromium counts the test's own navigation as user activation, so the page's first click or key is
    // watched here (registered before the app's listeners).
    let active = false;
    for (const type of ['pointerdown', 'keydown']) window.addEventListener(type, (e) => (active ||= e.isTrusted), true);
    const Real = window.AudioContext;
    const acted = () => active;
    class DeskAudioContext extends Real {
      override get state(): AudioContextState {
        return acted() ? super.state : 'suspended';
      }
      override resume(): Promise<void> {
        return acted() ? super.resume() : Promise.resolve();
      }
    }
    window.AudioContext = DeskAudioContext;
    const w = window as unknown as { __tones: number };
    w.__tones = 0;
    const start = OscillatorNode.prototype.start;
    OscillatorNode.prototype.start = function (this: OscillatorNode, ...args: Parameters<OscillatorNode['start']>) {
      w.__tones += 1;
      return start.apply(this, args);
    };
  });
}

/** Puts the map over the whole test town (the tests share one page; an earlier one may have flown elsewhere). */
const showTown = (page: Page) => page.evaluate(() => (window as unknown as { __iocMap: { jumpTo(o: object): void } }).__iocMap.jumpTo({ center: [106.015, 10.005], zoom: 14 }));
const mapCenter = (page: Page) => page.evaluate(() => (window as unknown as { __iocMap: { getCenter(): { lng: number; lat: number } } }).__iocMap.getCenter());
const selectionPoint = (page: Page) =>
  page.evaluate(() => (window as unknown as { __iocMap: { querySourceFeatures(id: string): { geometry: { coordinates: number[] } }[] } }).__iocMap.querySourceFeatures('selection')[0]?.geometry.coordinates ?? null);

describe('officer tools (test town)', () => {
  it('sound is on by default: muted until the first click, then a critical alert beeps; muted by the officer, it stays silent and says so', async () => {
    const beeps = (page: Page) => page.evaluate(() => (window as unknown as { __tones: number }).__tones);
    await withConsole(
      {},
      async ({ page }) => {
        const toggle = page.locator('[data-testid="sound-toggle"]');
        // No gesture yet: the browser holds the audio back, and the switch says so in words.
        expect(await toggle.getAttribute('data-state')).toBe('blocked');
        expect(await toggle.textContent()).toContain('Chưa có tiếng');
        await screenshot(page, 'officer-sound-blocked-1600x900', { artifact: true });
        // Any first click on the page unlocks it; the switch's new look must not move the header under that
        // click (it did: the press began on the tools button and ended on the clock).
        await page.locator('[data-testid="tools-menu"]').click();
        await page.locator('[data-testid="tools-list"]').waitFor({ timeout: 5_000 });
        await page.locator('[data-testid="sound-toggle"][data-state="on"]').waitFor({ timeout: 5_000 });
        await page.keyboard.press('Escape');
        expect(await beeps(page)).toBe(0);

        await send(topics.cameraDetection('tt-cam-3'), 'tt-cam-3', { kind: 'fire_smoke', confidence: 0.9, lat: 10.005, lon: 106.025 });
        await waitFor(async () => (await beeps(page)) === 2, { message: 'no beep for a new critical alert' });

        // Muted by the officer: red, in words, and the next critical alert is silent.
        await toggle.click();
        await page.locator('[data-testid="sound-toggle"][data-state="muted"]').waitFor();
        expect(await toggle.textContent()).toContain('Tắt tiếng');
        await send(topics.cameraDetection('tt-cam-1'), 'tt-cam-1', { kind: 'fire_smoke', confidence: 0.9, lat: 10.005, lon: 106.005 });
        await page.locator('[data-testid="alert-row"][data-severity="critical"]').nth(1).waitFor({ timeout: 5_000 });
        expect(await beeps(page)).toBe(2);
        // Turned back on, it beeps once to say so.
        await toggle.click();
        await page.locator('[data-testid="sound-toggle"][data-state="on"]').waitFor();
        expect(await beeps(page)).toBe(4);
      },
    );
  });

  it('the roster lists every unit with its status; a click selects the unit, rings it on the map and flies there; markers carry callsigns', async () => {
    await withConsole({}, async ({ page }) => {
      const roster = page.locator('[data-testid="unit-roster"]');
      await roster.locator('[data-testid="roster-toggle"]').click();
      const rows = roster.locator('[data-testid="roster-row"]');
      await waitFor(async () => (await rows.count()) === app.pack.sites.units.length, { message: 'not every unit is in the roster' });
      const fire = app.pack.sites.units.find((u) => u.id === 'tt-u-fire')!;
      const row = roster.locator('[data-testid="roster-row"][data-unit-id="tt-u-fire"]');
      expect(await row.textContent()).toContain('FIRE');
      expect(await row.textContent()).toContain(fire.name);
      await row.locator('button').click();
      await page.locator('[data-testid="unit-detail"][data-unit-id="tt-u-fire"]').waitFor({ timeout: 5_000 });
      // Tile coordinates are quantized: within a metre or so.
      await waitFor(async () => {
        const p = await selectionPoint(page);
        return !!p && Math.abs(p[0]! - fire.position[0]) < 2e-5 && Math.abs(p[1]! - fire.position[1]) < 2e-5;
      }, { message: 'the selection ring is not on the unit' });
      await waitFor(async () => {
        const c = await mapCenter(page);
        return Math.abs(c.lng - fire.position[0]) < 1e-4 && Math.abs(c.lat - fire.position[1]) < 1e-4;
      }, { message: 'the map did not fly to the unit' });
      const units = await sourceFeatures(page, 'units');
      expect(Object.fromEntries(units.map((u) => [u.id, u.callsign]))).toMatchObject({ 'tt-u-fire': 'FIRE', 'tt-u-police': 'POLICE', 'tt-u-amb': 'AMB' });
      await screenshot(page, 'console-unit-roster-1600x900');
    });
  });

  it('a camera’s panel lists its detections of the last 24 hours next to its FPS and bitrate chart', async () => {
    await withConsole({}, async ({ page }) => {
      // Click the camera on the map, where the officer finds it.
      await page.keyboard.press('Escape');
      await showTown(page);
      await waitForMapIdle(page);
      const at = await page.evaluate(() => {
        const map = (window as unknown as { __iocMap: { project(p: [number, number]): { x: number; y: number }; getCanvas(): HTMLCanvasElement } }).__iocMap;
        const p = map.project([106.015, 10.008]);
        const r = map.getCanvas().getBoundingClientRect();
        return { x: r.left + p.x, y: r.top + p.y };
      });
      await waitForMapIdle(page);
      await page.mouse.click(at.x, at.y);
      const panel = page.locator('[data-testid="camera-detail"]');
      await panel.waitFor({ timeout: 5_000 });
      await panel.locator('[data-testid="history"]').waitFor();
      const det = panel.locator('[data-testid="detections"][data-total="3"]');
      await det.waitFor({ timeout: 10_000 });
      const rows = det.locator('[data-testid="detection-row"]');
      expect(await rows.count()).toBe(3);
      const text = (await rows.allTextContents()).join('\n');
      for (let i = 0; i < 3; i++) expect(text).toContain(`85A-12${i}.45`);
      expect(text).toContain('Vượt đèn đỏ');
      expect(await det.locator('[data-kind="red_light"]').first().getAttribute('data-count')).toBe('3');
      await screenshot(page, 'console-camera-detections-1600x900');

      // Esc closes what is on top only: a header popover opened over the panel goes, the panel stays; the next Esc closes the panel.
      await page.locator('[data-testid="tools-menu"]').click();
      const list = page.locator('[data-testid="tools-list"]');
      await list.waitFor();
      await page.keyboard.press('Escape');
      await list.waitFor({ state: 'detached', timeout: 2_000 });
      expect(await panel.isVisible()).toBe(true);
      await page.keyboard.press('Escape');
      await panel.waitFor({ state: 'detached', timeout: 2_000 });
    });
  });

  it('the tools menu replays this moment, downloads the shift’s incidents as CSV, and offers the audit to a supervisor only (the server refuses an officer)', async () => {
    await withConsole({}, async ({ page, context }) => {
      await page.locator('[data-testid="tools-menu"]').click();
      await page.locator('[data-testid="tools-list"]').waitFor({ timeout: 5_000 });
      expect(await page.locator('[data-testid="tool-audit"]').count(), 'a duty officer sees no audit link').toBe(0);
      await screenshot(page, 'officer-tools-menu-1600x900', { artifact: true });

      // Replay "this moment": a new tab, positioned at the time of the click.
      const clickedAt = Date.now();
      const [replay] = await Promise.all([context.waitForEvent('page'), page.locator('[data-testid="tool-replay"]').click()]);
      await replay.waitForSelector('[data-testid="replay"][data-loading="false"]', { timeout: 20_000 });
      const url = new URL(replay.url());
      expect(url.pathname).toBe('/replay');
      const at = Number(url.searchParams.get('at'));
      expect(Math.abs(at - clickedAt)).toBeLessThan(5_000);
      expect(Number(await replay.locator('[data-testid="replay"]').getAttribute('data-at'))).toBe(at);
      await replay.close();

      // The shift's CSV: a download with a BOM, the header row and both incidents.
      await page.locator('[data-testid="tools-menu"]').click();
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="tool-export"]').click()]);
      expect(download.suggestedFilename()).toMatch(/^incidents-shift-\d{4}-\d\d-\d\dT\d\d-00\.csv$/);
      const bytes = fs.readFileSync((await download.path())!);
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const csv = bytes.subarray(3).toString('utf8');
      expect(csv.split('\r\n')[0]).toMatch(/^id,created_at,type,/);
      for (const inc of app.operations.incidents.open()) expect(csv).toContain(`${inc.id},`);
      expect(csv).toContain('Tin báo T-A');

      // The audit: the server refuses the officer, and the page says so.
      const direct = await page.evaluate(async () => (await fetch('/api/audit')).status);
      expect(direct).toBe(401); // no token at all
      expect((await fetch(`${app.url}/api/audit`, { headers: await app.headers('duty_officer') })).status).toBe(403);
      const audit = await context.newPage();
      await audit.goto(`${app.url}/audit`);
      await audit.locator('[data-testid="audit-refused"]').waitFor({ timeout: 10_000 });
      await audit.close();
    });
    await withConsole({ role: 'supervisor' }, async ({ page, context }) => {
      await page.locator('[data-testid="tools-menu"]').click();
      const [audit] = await Promise.all([context.waitForEvent('page'), page.locator('[data-testid="tool-audit"]').click()]);
      await audit.waitForSelector('[data-testid="audit-page"][data-state="ready"]', { timeout: 10_000 });
      expect(await audit.locator('[data-testid="audit-row"]').count()).toBeGreaterThan(0);
    });
  });

  it('a ward chosen in the filter narrows the map, the header counts, the incidents and the devices; clearing it shows the city', async () => {
    await withConsole({}, async ({ page }) => {
      const ward = 'tt-b';
      const inWard = (a: Alert) => (a.wardId ?? (a.source.kind === 'ward' ? a.source.id : null)) === ward;
      const alertsB = app.operations.alerts.open().filter(inWard);
      const incidentsB = app.operations.incidents.open().filter((i) => i.wardId === ward);
      const camerasB = [...app.registry.cameras.values()].filter((c) => c.wardId === ward).map((c) => c.id).sort();
      expect(alertsB.length).toBeGreaterThan(0);
      expect(incidentsB).toHaveLength(1);
      expect(app.operations.alerts.open().length).toBeGreaterThan(alertsB.length);
      const ids = async (source: string) => (await sourceFeatures(page, source)).map((f) => f.id).sort();
      await page.keyboard.press('Escape');
      await showTown(page);
      await waitForMapIdle(page);
      await waitFor(async () => (await ids('cameras')).length === 5, { message: 'cameras never on the map' });

      await page.locator('[data-testid="filter-ward"]').selectOption(ward);
      await page.locator(`[data-testid="ward-banner"][data-ward="${ward}"]`).waitFor();
      await waitFor(async () => JSON.stringify(await ids('cameras')) === JSON.stringify(camerasB), { message: 'the map still shows cameras outside the ward' });
      await waitFor(async () => JSON.stringify(await ids('alerts')) === JSON.stringify(alertsB.map((a) => a.id).sort()), { message: 'the map still shows alerts outside the ward' });
      expect(await ids('incidents')).toEqual(incidentsB.map((i) => i.id));
      const stations = await ids('stations');
      expect(stations.every((id) => id.startsWith('tt-bs-b'))).toBe(true);
      // Counts: unacknowledged alerts by severity, open incidents, devices.
      for (const s of ['critical', 'major', 'minor', 'info'] as const) {
        expect(Number(await page.locator(`[data-testid="severity-counts"] [data-severity="${s}"]`).getAttribute('data-count')), s).toBe(alertsB.filter((a) => a.severity === s && a.state === 'active').length);
      }
      expect(Number(await page.locator('[data-testid="kpi-incidents"]').getAttribute('data-count'))).toBe(1);
      expect(await page.locator('[data-testid="kpi-cameras"] .kpi__value').textContent()).toBe('50 %');
      expect(await page.locator('[data-testid="device-summary"] [data-kind="cameras"]').getAttribute('data-total')).toBe(String(camerasB.length));
      // The incidents panel and the queue, its count and severity chips too.
      expect(await page.locator('[data-testid="alert-queue"]').getAttribute('data-count')).toBe(String(alertsB.length));
      expect(await page.locator('[data-testid="incident-row"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-incident-id')))).toEqual([incidentsB[0]!.id]);
      const queued = await page.locator('[data-testid="alert-row"]').evaluateAll((els) => els.flatMap((e) => (e.getAttribute('data-member-ids') ?? '').split(' ')));
      expect(queued.every((id) => alertsB.some((a) => a.id === id))).toBe(true);
      await waitForMapIdle(page);
      await screenshot(page, 'console-ward-filter-1600x900');

      await page.locator('[data-testid="ward-clear"]').click();
      await waitFor(async () => (await ids('cameras')).length === 5, { message: 'clearing the ward did not bring the city back' });
      expect(Number(await page.locator('[data-testid="kpi-incidents"]').getAttribute('data-count'))).toBe(app.operations.incidents.open().length);
      expect(await page.locator('[data-testid="kpi-cameras"] .kpi__value').textContent()).toBe('66,7 %');
      expect(await page.locator('[data-testid="ward-banner"]').count()).toBe(0);
    });
  });

});
