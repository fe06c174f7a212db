/**
 * The documentation screenshots of the duty officer's console (docs/screenshots
 * when UPDATE_SCREENSHOTS=1 or outside CI, else tests/.artifacts: see
 * screenshotDir): the real city with the normal-day simulation, plus what a shift
 * brings: an accident seen by a camera and phoned in to 115 (one incident on the
 * server), and a base station down leaving part of a ward without coverage.
 *
 * Shots: main screen 1920×1080 in Vietnamese and English, the incident view, the
 * main screen at 1366×768, and the outage at 1366×768.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { topics } from '../../contract/index.js';
import { opsEn } from '../../client/src/app/strings/en.js';
import type { TestApp } from '../harness/app.js';
import { screenshot } from '../harness/chromium.js';
import {
  deviceCounts,
  incidentAction,
  layerLayout,
  openConsole,
  openIncident,
  pngSize,
  queueRows,
  DEMO_CITY_DAY,
  sourceFeature,
  sourceFeatures,
  waitForMapSteady,
  type ConsolePage,
} from '../harness/console.js';
import type { DeviceSend } from '../harness/device.js';
import { startConsoleStack, type ConsoleStack } from '../harness/stack.js';
import { waitFor } from '../harness/wait.js';

const ACCIDENT_CAM = 'cam-005'; // Thống Nhất – Trần Phú, city centre
const DOWN_STATION = 'bs-vnp-23'; // alone covers ~48 % of Tấn Tài ward (3G/4G)

let stack: ConsoleStack;
let browser: Browser;
let app: TestApp;
let send: DeviceSend;
let con: ConsolePage;

/**
 * The simulation keeps raising alerts, and the map takes store changes on a
 * ~250 ms timer: before a shot, wait until every open alert the server holds is
 * in the queue (on its own line or in its group's) and drawn, then for the map to go idle.
 */
async function settle(page: Page): Promise<void> {
  await waitFor(
    async () => {
      const want = app.operations.alerts
        .open()
        .filter((a) => a.position ?? (a.source.kind === 'camera' ? app.registry.cameras.get(a.source.id)?.position : a.source.kind === 'station' ? app.registry.stations.get(a.source.id)?.position : null))
        .map((a) => a.id);
      const rows = (await queueRows(page)).flatMap((r) => r.memberIds);
      const onMap = new Set((await sourceFeatures(page, 'alerts')).map((f) => f.id));
      return want.length > 0 && want.every((id) => (rows.includes(id) || rows.length >= 40) && onMap.has(id));
    },
    { timeoutMs: 10_000, message: 'queue and map never caught up with the server' },
  );
  await waitForMapSteady(page);
}

beforeAll(async () => {
  stack = await startConsoleStack({ env: DEMO_CITY_DAY });
  ({ browser, app, send } = stack);
  con = await openConsole(browser, app, { width: 1920, height: 1080 });
  return stack.stop;
});

describe('console screenshots on the default city (normal-day simulation)', () => {
  it('a shift with an accident, a 115 call and a coverage loss: main screen in Vietnamese and English at 1920×1080', async () => {
    const { page } = con;
    const pack = app.pack;
    await waitFor(async () => (await deviceCounts(page, 'cameras')).up >= pack.sites.cameras.length - 2, { timeoutMs: 20_000, message: 'simulated cameras never came up' });
    await waitFor(async () => (await deviceCounts(page, 'stations')).up >= pack.sites.stations.length - 2, { timeoutMs: 20_000, message: 'simulated stations never came up' });

    await send(topics.cameraDetection(ACCIDENT_CAM), ACCIDENT_CAM, { kind: 'accident', confidence: 0.91, lat: 11.5681, lon: 108.9871 });
    await send(topics.incidentReport('hotline-115'), 'hotline-115', {
      channel: 'hotline_115',
      type: 'medical',
      severity: 'major',
      lat: 11.5686,
      lon: 108.9875,
      address: 'Ngã tư Thống Nhất – Trần Phú',
      description: 'Va chạm giữa xe máy và ô tô, 2 người bị thương',
      externalRef: 'CALL-115-0342',
    });
    // Its simulated twin keeps heartbeating "up": a timestamp 90 s ahead makes the server take those as older news.
    await send(topics.stationStatus(DOWN_STATION), DOWN_STATION, { state: 'down', power: 'battery', batteryPct: 0, backhaul: 'down' }, { ts: Date.now() + 90_000 });

    const open = () => app.operations.alerts.open();
    await waitFor(() => open().some((a) => a.dedupeKey === 'coverage_loss:w-tan-tai'), { message: 'no coverage loss alert for Tấn Tài' });
    const accident = await waitFor(() => open().find((a) => a.dedupeKey.startsWith(`detection:${ACCIDENT_CAM}:accident:`) && a.incidentId), { message: 'no accident alert with an incident' });
    await waitFor(() => open().some((a) => a.dedupeKey === 'incident:hotline-115:CALL-115-0342' && a.incidentId === accident.incidentId), { message: '115 call not on the accident incident' });

    // The outage is ONE queue line (station down, backhaul, battery, the ward's coverage), and so is the accident.
    const downAlerts = open().filter((a) => a.dedupeKey === `station_down:${DOWN_STATION}` || a.dedupeKey === 'coverage_loss:w-tan-tai');
    await waitFor(async () => {
      const rows = await queueRows(page);
      return rows.some((r) => downAlerts.every((a) => r.memberIds.includes(a.id)));
    }, { message: 'station outage not grouped on one line' });
    await waitFor(async () => (await sourceFeature(page, 'coverage', DOWN_STATION))?.state === 'down', { message: 'coverage hole not on the map' });
    await waitFor(async () => (await sourceFeatures(page, 'incidents')).some((f) => f.id === accident.incidentId), { message: 'incident not on the map' });
    await settle(page);
    expect(pngSize(await screenshot(page, 'console-vi-1920x1080'))).toEqual({ width: 1920, height: 1080 });

    await page.locator('[data-testid="lang-switch"] button[data-lang="en"]').click();
    await waitFor(async () => (await page.locator('[data-testid="incidents-panel"] h2').textContent())?.includes(opsEn.ops.incidents.title), { timeoutMs: 2_000 });
    await settle(page);
    expect(pngSize(await screenshot(page, 'console-en-1920x1080'))).toEqual({ width: 1920, height: 1080 });
    await page.locator('[data-testid="lang-switch"] button[data-lang="vi"]').click();
    con.watch.assertNoExternalRequests();
    con.watch.assertNoErrors();
  }, 90_000);

  it('the incident view: acknowledged, a unit dispatched, nearby cameras, timeline', async () => {
    const { page } = con;
    const accident = app.operations.alerts.open().find((a) => a.dedupeKey.startsWith(`detection:${ACCIDENT_CAM}:accident:`))!;
    const view = await openIncident(page, accident.incidentId!);
    await incidentAction(page, 'acknowledge');
    await waitFor(async () => (await view.getAttribute('data-status')) === 'acknowledged', { message: 'not acknowledged' });
    // The traffic police (suitable for an accident), then the nearest ambulance (first in the list when someone is hurt, else from "show all"): two units on it.
    const candidates = app.operations.candidates(app.operations.incidents.get(accident.incidentId!)!);
    const police = candidates.find((c) => c.suitable && c.unit.kind === 'police_traffic' && c.unit.status === 'available')!;
    const ambulance = candidates.find((c) => c.unit.kind === 'ambulance' && c.unit.status === 'available')!;
    await page.locator(`[data-testid="dispatch-candidate"][data-unit-id="${police.unit.id}"] [data-testid="dispatch-unit"]`).click();
    await waitFor(async () => (await view.getAttribute('data-status')) === 'dispatched', { message: 'not dispatched' });
    const showAll = page.locator('[data-testid="dispatch-show-all"]');
    if ((await page.locator('[data-testid="dispatch"]').getAttribute('data-open')) !== 'true') await page.locator('[data-testid="dispatch-toggle"]').click();
    if ((await page.locator(`[data-testid="dispatch-candidate"][data-unit-id="${ambulance.unit.id}"]`).count()) === 0) await showAll.click();
    await page.locator(`[data-testid="dispatch-candidate"][data-unit-id="${ambulance.unit.id}"] [data-testid="dispatch-unit"]`).click();
    await waitFor(async () => (await page.locator('[data-testid="incident-unit"]').count()) === 2, { message: 'second unit not dispatched' });
    await page.locator('[data-testid="note-input"]').fill('Đã báo 115 cử xe, CSGT phân luồng hướng Trần Phú');
    await page.locator('[data-testid="note-add"]').click();
    await waitFor(async () => (await page.locator('[data-testid="timeline"] li').first().getAttribute('data-action')) === 'note', { message: 'note not shown' });
    await page.locator('[data-testid="nearby-cameras"]').waitFor();
    // Zoomed in on the scene: the map holds only nearby tiles, so wait for the drawing, not the whole city.
    await waitFor(async () => (await sourceFeatures(page, 'incidents')).some((f) => f.id === accident.incidentId), { message: 'incident not drawn' });
    await waitForMapSteady(page);
    expect(pngSize(await screenshot(page, 'console-incident-1920x1080'))).toEqual({ width: 1920, height: 1080 });
    con.watch.assertNoErrors();
  }, 90_000);

  it('the main screen at 1366×768, then the server gone: the whole screen marked stale', async () => {
    const small = await openConsole(browser, app, { width: 1366, height: 768 });
    try {
      const { page } = small;
      await settle(page);
      expect(pngSize(await screenshot(page, 'console-vi-1366x768'))).toEqual({ width: 1366, height: 768 });
      // Open the first queue line in the side panel, then lose the server.
      await page.locator('[data-testid="alert-row"] .alert-row__btn').first().click();
      await page.locator('[data-testid="detail-panel"]').waitFor();
      await app.stop();
      await page.locator('[data-testid="offline-banner"]').waitFor({ state: 'visible', timeout: 10_000 });
      await waitFor(async () => (await page.locator('[data-testid="detail-panel"]').getAttribute('data-stale')) === 'true', { timeoutMs: 2_000, message: 'side panel not stale' });
      expect(await layerLayout(page, 'stale-veil', 'visibility')).toBe('visible');
      await waitForMapSteady(page);
      expect(pngSize(await screenshot(page, 'console-offline-1366x768'))).toEqual({ width: 1366, height: 768 });
      expect(small.watch.pageErrors).toEqual([]);
      small.watch.assertNoExternalRequests();
    } finally {
      await small.close();
    }
  }, 120_000);
});
