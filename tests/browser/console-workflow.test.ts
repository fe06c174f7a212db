/**
 * The duty officer's workflow in the built console, against the real server,
 * Mosquitto and influxd (test-town, simulators off), with two consoles open as
 * in a control room: what one officer does, the other sees.
 *
 * Needs dist/client (`npx vite build`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { activeUnits, topics } from '../../contract/index.js';
import { opsEn } from '../../client/src/app/strings/en.js';
import { opsVi } from '../../client/src/app/strings/vi.js';
import { startTestApp, type TestApp } from '../harness/app.js';
import { launchChromium, screenshot } from '../harness/chromium.js';
import {
  acknowledgeFromQueue,
  incidentAction,
  incidentRow,
  layerLayout,
  openConsole,
  openIncident,
  pngSize,
  pressShortcut,
  queueRows,
  requireBuiltClient,
  rowOf,
  severityCount,
  type ConsolePage,
} from '../harness/console.js';
import { startTestInfluxd, type TestInfluxd } from '../harness/influxd.js';
import { startMosquitto, type TestMosquitto } from '../harness/mosquitto.js';
import { databaseUrl } from '../harness/postgres.js';
import { devicePublisher, type DeviceSend } from '../harness/device.js';
import { waitFor } from '../harness/wait.js';

const STATIC_DIR = requireBuiltClient();

let influxd: TestInfluxd;
let browser: Browser;
let broker: TestMosquitto;
let app: TestApp;
let dev: MqttClient;
let a: ConsolePage;
let b: ConsolePage;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-workflow-'));
// Pinned so a restart on the same port is the same system (same data, same MQTT session).
const env = {
  STATIC_DIR,
  INFLUX_DATABASE: `ioc_workflow_${process.pid}`,
  MQTT_CLIENT_ID: `ioc-workflow-${process.pid}`,
  SPOOL_DIR: path.join(dir, 'spool'),
  AUTH_DIR: path.join(dir, 'auth'),
  DEVICE_REGISTRY: path.join(dir, 'devices.json'),
};

let send: DeviceSend;

const openAlert = (pred: (x: ReturnType<TestApp['operations']['alerts']['open']>[number]) => boolean) =>
  waitFor(() => app.operations.alerts.open().find(pred), { message: 'expected alert never raised on the server' });

/** Frames the page's sockets receive, recorded from before it loads: to say where a missing row was lost. */
function recordFrames(page: Page, into: string[]): void {
  page.on('websocket', (ws) => ws.on('framereceived', (f) => into.push(String(f.payload))));
}

/** The alert's row on this console; if it never shows, says what the console had and what reached it. */
async function rowShown(c: ConsolePage, alertId: string, frames: string[]): Promise<void> {
  await rowOf(c.page, alertId)
    .waitFor({ timeout: 10_000 })
    .catch(async (err: Error) => {
      const state = await c.page.locator('[data-testid="connection-state"]').getAttribute('data-state');
      const rows = await c.page.locator('[data-testid="alert-row"]').count();
      const sent = frames.filter((m) => m.includes(alertId)).length;
      throw new Error(`${err.message}\nconsole ${state}, ${rows} rows; the alert was in ${sent} of the ${frames.length} frames it received`);
    });
}

beforeAll(async () => {
  [influxd, browser, broker] = await Promise.all([startTestInfluxd(), launchChromium(), startMosquitto()]);
  app = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env });
  dev = await mqtt.connectAsync(broker.url, { clientId: `workflow-dev-${process.pid}`, protocolVersion: 4 });
  send = devicePublisher(dev);
  [a, b] = await Promise.all([openConsole(browser, app, { width: 1600, height: 900 }), openConsole(browser, app, { width: 1600, height: 900 })]);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await dev?.endAsync();
  if (app) await app.stop();
  await broker?.stop();
  await browser?.close();
  await influxd?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('duty officer workflow (two consoles, test-town)', () => {
  it('acknowledging from the queue in one console updates every other open console', async () => {
    await send(topics.cameraDetection('tt-cam-3'), 'tt-cam-3', { kind: 'fire_smoke', confidence: 0.93, lat: 10.005, lon: 106.025 });
    const fire = await openAlert((x) => x.rule === 'detection_fire_smoke');
    for (const c of [a, b]) await rowOf(c.page, fire.id).waitFor({ timeout: 5_000 });
    expect(await severityCount(b.page, 'critical')).toBe(1);
    // The tab title calls for attention while a critical alert is unacknowledged.
    await waitFor(async () => (await b.page.title()).startsWith('(!)'), { timeoutMs: 3_000, message: 'title did not flash' });

    await acknowledgeFromQueue(a.page, fire.id);
    await waitFor(() => app.operations.alerts.get(fire.id)?.state === 'acknowledged', { message: 'server never acknowledged' });
    // The OTHER console: the row turns acknowledged and the header count drops, without any action there.
    await waitFor(async () => (await rowOf(b.page, fire.id).getAttribute('data-state')) === 'acknowledged', { timeoutMs: 3_000, message: 'console B row not acknowledged' });
    await waitFor(async () => (await severityCount(b.page, 'critical')) === 0, { timeoutMs: 3_000, message: 'console B header still counts it' });
    await waitFor(async () => !(await b.page.title()).startsWith('(!)'), { timeoutMs: 3_000, message: 'title still flashing after ack' });
    expect(app.operations.alerts.get(fire.id)?.acknowledgedBy).toBe('duty-officer');
    a.watch.assertNoErrors();
    b.watch.assertNoErrors();
  });

  it('filters the queue by severity, type, ward and acknowledgement', async () => {
    const { page } = a;
    await send(topics.stationStatus('tt-bs-c2'), 'tt-bs-c2', { state: 'down', power: 'battery', batteryPct: 5, backhaul: 'down' });
    await send(topics.cameraDetection('tt-cam-5'), 'tt-cam-5', { kind: 'crowd', confidence: 0.9, lat: 10.002, lon: 106.012, peopleCount: 80 });
    const down = await openAlert((x) => x.rule === 'station_down' && x.source.id === 'tt-bs-c2');
    const crowd = await openAlert((x) => x.rule === 'detection_crowd');
    await rowOf(page, down.id).waitFor();
    await rowOf(page, crowd.id).waitFor();
    const all = await queueRows(page);
    expect(all.length).toBeGreaterThanOrEqual(3);

    // Severity: the header counts double as toggles.
    await page.locator('[data-testid="queue-severity"] button[data-severity="critical"]').click();
    await waitFor(async () => (await queueRows(page)).every((r) => r.severity === 'critical'), { timeoutMs: 2_000, message: 'severity filter' });
    expect((await queueRows(page)).length).toBeGreaterThan(0);
    await page.locator('[data-testid="queue-severity"] button[data-severity="critical"]').click();

    // Type: telecom keeps the station's alerts only.
    await page.locator('[data-testid="filter-type"]').selectOption('telecom');
    await waitFor(async () => {
      const rows = await queueRows(page);
      return rows.length > 0 && rows.flatMap((r) => r.memberIds).every((id) => ['station_down', 'station_battery', 'backhaul_down', 'link_down'].includes(app.operations.alerts.get(id)!.rule));
    }, { timeoutMs: 2_000, message: 'type filter' });
    expect((await queueRows(page)).flatMap((r) => r.memberIds)).toContain(down.id);
    await page.locator('[data-testid="filter-type"]').selectOption('');

    // Ward: only Phường B (the crowd at the market camera).
    await page.locator('[data-testid="filter-ward"]').selectOption('tt-b');
    await waitFor(async () => {
      const ids = (await queueRows(page)).flatMap((r) => r.memberIds);
      return ids.includes(crowd.id) && ids.every((id) => app.operations.alerts.get(id)!.wardId === 'tt-b');
    }, { timeoutMs: 2_000, message: 'ward filter' });
    await page.locator('[data-testid="filter-ward"]').selectOption('');

    // Acknowledged only: the fire acknowledged in the first test.
    await page.locator('[data-testid="filter-ack"]').selectOption('acked');
    await waitFor(async () => {
      const rows = await queueRows(page);
      return rows.length > 0 && rows.every((r) => r.state === 'acknowledged');
    }, { timeoutMs: 2_000, message: 'ack filter' });
    await page.locator('[data-testid="filter-reset"]').click();
    await waitFor(async () => (await queueRows(page)).length === all.length, { timeoutMs: 2_000, message: 'reset did not restore the queue' });
    a.watch.assertNoErrors();
  });

  it('keyboard: j/k move through the queue, a acknowledges, Enter opens, Esc closes', async () => {
    const { page } = a;
    await pressShortcut(page, 'j');
    await waitFor(async () => (await queueRows(page))[0]?.selected, { timeoutMs: 2_000, message: 'j did not select the first line' });
    await pressShortcut(page, 'j');
    await waitFor(async () => (await queueRows(page))[1]?.selected, { timeoutMs: 2_000, message: 'j did not move down' });
    await pressShortcut(page, 'k');
    await waitFor(async () => (await queueRows(page))[0]?.selected, { timeoutMs: 2_000, message: 'k did not move up' });

    // Down to the first line nobody has acknowledged, then `a`.
    const rows = await queueRows(page);
    const target = rows.findIndex((r) => r.state === 'active');
    expect(target).toBeGreaterThan(0);
    for (let i = 0; i < target; i++) await pressShortcut(page, 'j');
    await waitFor(async () => (await queueRows(page))[target]?.selected, { timeoutMs: 2_000, message: 'did not reach the active line' });
    const ids = rows[target]!.memberIds;
    await pressShortcut(page, 'a');
    await waitFor(() => ids.every((id) => app.operations.alerts.get(id)?.state === 'acknowledged'), { message: '`a` did not acknowledge the line' });

    await pressShortcut(page, 'Enter');
    const panel = page.locator('[data-testid="detail-panel"]');
    await panel.waitFor({ timeout: 2_000 });
    expect(await panel.getAttribute('data-kind')).toBe('alert');
    expect(await panel.getAttribute('data-id')).toBe(rows[target]!.alertId);
    await pressShortcut(page, 'Escape');
    await panel.waitFor({ state: 'detached', timeout: 2_000 });
    a.watch.assertNoErrors();
  });

  it('takes an incident new → acknowledged → dispatched → on scene → resolved from the UI; the other console follows', async () => {
    const { page } = a;
    await send(topics.incidentReport('hotline-115'), 'hotline-115', {
      channel: 'hotline_115',
      type: 'medical',
      severity: 'major',
      lat: 10.0062,
      lon: 106.0162,
      address: 'Ngã tư Chính – Ngang',
      description: 'Người đi đường bất tỉnh',
      externalRef: 'CALL-115-0001',
    });
    const call = await openAlert((x) => x.dedupeKey === 'incident:hotline-115:CALL-115-0001' && x.incidentId !== null);
    const inc = app.operations.incidents.get(call.incidentId!)!;
    await incidentRow(page, inc.id).waitFor({ timeout: 5_000 });
    await incidentRow(b.page, inc.id).waitFor({ timeout: 5_000 });
    const view = await openIncident(page, inc.id);
    expect(await view.getAttribute('data-status')).toBe('new');
    const status = () => view.getAttribute('data-status');

    await incidentAction(page, 'acknowledge');
    await waitFor(async () => (await status()) === 'acknowledged', { message: 'not acknowledged' });

    // Dispatch: the units that fit first (a medical call: the ambulance), with distance and ETA, as the server ranks them.
    const first = page.locator('[data-testid="dispatch-candidate"]').first();
    await first.waitFor({ timeout: 5_000 });
    const best = app.operations.candidates(app.operations.incidents.get(inc.id)!)[0]!;
    expect(best.unit.kind).toBe('ambulance');
    expect(await first.getAttribute('data-unit-id')).toBe(best.unit.id);
    expect(await first.textContent()).toMatch(/\d+(\s|\u00a0)?(m|km).*~\d+ phút/);
    await first.locator('[data-testid="dispatch-unit"]').click();
    await waitFor(async () => (await status()) === 'dispatched', { message: 'not dispatched' });
    expect(activeUnits(app.operations.incidents.get(inc.id)!).map((u) => u.unitId)).toEqual([best.unit.id]);
    await waitFor(async () => (await incidentRow(b.page, inc.id).getAttribute('data-status')) === 'dispatched', { timeoutMs: 3_000, message: 'console B did not see the dispatch' });
    expect(await incidentRow(b.page, inc.id).textContent()).toContain(best.unit.name);

    await page.locator('[data-testid="note-input"]').fill('Đã gọi lại người báo tin');
    await page.locator('[data-testid="note-add"]').click();
    await waitFor(async () => (await page.locator('[data-testid="timeline"]').textContent())?.includes('Đã gọi lại người báo tin'), { message: 'note not in the timeline' });

    // A unit's arrival is on its own row.
    await page.locator(`[data-testid="incident-unit"][data-unit-id="${best.unit.id}"] button[data-action="on_scene"]`).click();
    await waitFor(async () => (await status()) === 'on_scene', { message: 'not on scene' });
    await incidentAction(page, 'resolve');
    await waitFor(async () => (await status()) === 'resolved', { message: 'not resolved' });
    await waitFor(async () => (await incidentRow(b.page, inc.id).getAttribute('data-status')) === 'resolved', { timeoutMs: 3_000, message: 'console B did not see it resolved' });
    expect(app.operations.incidents.get(inc.id)?.status).toBe('resolved');
    const actions = app.operations.incidents.get(inc.id)!.timeline.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['created', 'acknowledge', 'dispatch', 'note', 'on_scene', 'resolve']));
    // The timeline lists every step, newest first.
    expect(await page.locator('[data-testid="timeline"] li').first().getAttribute('data-action')).toBe('resolve');
    // An action that no longer fits is not offered: resolved allows close and reopen only.
    expect(await page.locator('[data-testid="incident-actions"] button').evaluateAll((els) => els.map((e) => e.getAttribute('data-action')))).toEqual(['close', 'reopen']);
    a.watch.assertNoErrors();
    b.watch.assertNoErrors();
  });

  it('English: alert titles translated by rule, ward labels in English, attribution translated', async () => {
    const { page } = a;
    const fire = app.operations.alerts.open().find((x) => x.rule === 'detection_fire_smoke')!;
    const down = app.operations.alerts.open().find((x) => x.rule === 'station_down')!;
    await page.locator('[data-testid="lang-switch"] button[data-lang="en"]').click();
    await waitFor(async () => (await rowOf(page, fire.id).locator('[data-testid="alert-title"]').textContent()) === opsEn.ops.detection.fire_smoke, { timeoutMs: 2_000, message: 'fire title not English' });
    // The server wrote it in Vietnamese; the client rebuilt it from rule + data.
    expect(fire.title).toContain('khói');
    // A grouped alert: open the group to see the station-down line itself.
    const stationRow = rowOf(page, down.id);
    if ((await stationRow.getAttribute('data-alert-id')) !== down.id) await stationRow.locator('[data-testid="group-toggle"]').click();
    await waitFor(async () => (await page.locator(`[data-testid="alert-row"][data-alert-id="${down.id}"] [data-testid="alert-title"]`).first().textContent()) === opsEn.ops.rule.station_down, { timeoutMs: 2_000, message: 'station title not English' });
    expect(await layerLayout(page, 'ward-labels', 'text-field')).toEqual(['get', 'nameEn']);
    expect(await page.locator('[data-testid="map-attribution"]').textContent()).toBe(opsEn.ops.attribution);

    await page.locator('[data-testid="lang-switch"] button[data-lang="vi"]').click();
    await waitFor(async () => (await rowOf(page, fire.id).locator('[data-testid="alert-title"]').textContent()) === opsVi.ops.detection.fire_smoke, { timeoutMs: 2_000, message: 'fire title not Vietnamese again' });
    expect(await layerLayout(page, 'ward-labels', 'text-field')).toEqual(['get', 'name']);
    a.watch.assertNoErrors();
  });

  it('disconnected: every panel and the open side panel marked stale with the time; catches up on reconnect', async () => {
    const { page } = a;
    const down = app.operations.alerts.open().find((x) => x.rule === 'station_down')!;
    // Open the station in the detail panel by clicking its queue line's source.
    await page.locator('[data-testid="filter-type"]').selectOption('telecom');
    await rowOf(page, down.id).locator('.alert-row__btn').click();
    await page.locator('[data-testid="detail-panel"]').waitFor();
    await page.locator('[data-testid="filter-reset"]').click();
    const errorsBefore = a.watch.consoleErrors.length;
    const port = new URL(app.url).port;

    await app.stop();
    await page.waitForSelector('[data-testid="connection-state"][data-state="offline"]', { timeout: 10_000 });
    const panel = page.locator('[data-testid="detail-panel"]');
    await waitFor(async () => (await panel.getAttribute('data-stale')) === 'true', { timeoutMs: 2_000, message: 'side panel not marked stale' });
    expect(await page.locator('[data-testid="console"]').getAttribute('data-stale')).toBe('true');
    // A stamp with the last update time on the queue, incidents, devices and the side panel.
    expect(await page.locator('[data-testid="stale-stamp"]').count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator('[data-testid="stale-stamp"]').first().textContent()).toMatch(/\d{1,2}:\d{2}:\d{2}/);
    // "All up" would be a claim about now.
    expect(await page.locator('[data-testid="device-summary"]').textContent()).not.toContain('Tất cả hoạt động');
    // The map: veil on, alerts still drawn in colour with a stale mark.
    expect(await layerLayout(page, 'stale-veil', 'visibility')).toBe('visible');
    expect(await layerLayout(page, 'alerts-stale', 'visibility')).toBe('visible');

    // Meanwhile the station comes back.
    await send(topics.stationStatus('tt-bs-c2'), 'tt-bs-c2', { state: 'up', power: 'mains', batteryPct: 100, backhaul: 'up' });
    app = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env: { ...env, PORT: port } });
    await page.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: 30_000 });
    await waitFor(async () => (await panel.getAttribute('data-stale')) === null, { timeoutMs: 2_000, message: 'side panel still stale' });
    expect(await page.locator('[data-testid="stale-stamp"]').count()).toBe(0);
    expect(await layerLayout(page, 'stale-veil', 'visibility')).toBe('none');
    // Caught up: the station-down alert cleared while we were away leaves the queue.
    await waitFor(async () => (await page.locator(`[data-testid="alert-row"][data-member-ids~="${down.id}"]`).count()) === 0, { timeoutMs: 10_000, message: 'queue did not catch up' });
    const during = a.watch.consoleErrors.slice(errorsBefore);
    expect(during.filter((m) => !/WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/socket\.io\/.*' failed/.test(m) && !/Failed to load resource: net::ERR_CONNECTION_REFUSED/.test(m))).toEqual([]);
    expect(a.watch.pageErrors).toEqual([]);
  });

  it('an acknowledgement made on a stale version is refused as a conflict, said plainly; the row then shows the alert as it is', async () => {
    // A third console whose socket runs through a relay: while `hold` is on, what the server
    // sends waits, so the screen keeps the version it had when the officer clicked.
    let hold = false;
    const held: (string | Buffer)[] = [];
    const relayed: string[] = []; // what the server sent this console
    let toPage: { send(m: string | Buffer): void } | null = null;
    const c = await openConsole(browser, app, {
      width: 1600,
      height: 900,
      beforeLoad: (page) =>
        page.routeWebSocket(/\/socket\.io\//, (ws) => {
          const server = ws.connectToServer();
          toPage = ws;
          ws.onMessage((m) => server.send(m));
          server.onMessage((m) => {
            relayed.push(String(m));
            return hold ? held.push(m) : ws.send(m);
          });
        }),
    });
    try {
      await send(topics.cameraDetection('tt-cam-6'), 'tt-cam-6', { kind: 'accident', confidence: 0.97, lat: 10.004, lon: 106.03 });
      const accident = await openAlert((x) => x.rule === 'detection_accident' && x.source.id === 'tt-cam-6');
      await rowShown(c, accident.id, relayed);
      hold = true;
      // Meanwhile nobody acknowledged it in time, and the server escalates it: a new version.
      // (A repeat of the camera's report does not do: repeats keep the stored version, so that
      // an officer on another server acts on the version PostgreSQL holds.)
      const before = app.operations.alerts.get(accident.id)!.version;
      app.operations.alerts.escalate(accident.id, 'critical');
      await waitFor(() => (app.operations.alerts.get(accident.id)?.version ?? 0) > before, { message: 'the escalation made no new version' });
      await acknowledgeFromQueue(c.page, accident.id);
      await waitFor(() => held.some((m) => String(m).includes('"conflict"')), { message: 'no conflict answer from the server' });
      expect(app.operations.alerts.get(accident.id)?.state).toBe('active');

      // The screen gets what was held: the repeat, then the answer.
      hold = false;
      for (const m of held.splice(0)) toPage!.send(m);
      const error = rowOf(c.page, accident.id).locator('[data-testid="command-error"]');
      await error.waitFor({ timeout: 10_000 });
      expect(await error.getAttribute('data-code')).toBe('conflict');
      expect(await error.locator('strong').textContent()).toBe(opsVi.ops.action.error.conflict);
      // The server's English detail stays out of a Vietnamese screen (a tooltip, for IT).
      expect(await error.locator('.cmd-status__detail').count()).toBe(0);
      expect(await error.getAttribute('title')).toMatch(/changed \(version \d+, you saw \d+\)/);
      expect(await rowOf(c.page, accident.id).getAttribute('data-state')).toBe('active');
      await screenshot(c.page, 'console-conflict', { artifact: true });

      // Looked at again, acknowledged again: now on the current version, it goes through.
      await error.locator('button').click();
      await error.waitFor({ state: 'detached' });
      await acknowledgeFromQueue(c.page, accident.id);
      await waitFor(() => app.operations.alerts.get(accident.id)?.state === 'acknowledged', { message: 'second acknowledgement refused' });
      await waitFor(async () => (await rowOf(c.page, accident.id).getAttribute('data-state')) === 'acknowledged', { timeoutMs: 3_000, message: 'row not acknowledged' });
      c.watch.assertNoErrors();
    } finally {
      hold = false;
      await c.close();
    }
  });

  it('with the database away, an acknowledgement is refused and says plainly that nothing was saved; once it is back the same click goes through', async () => {
    const frames: string[] = [];
    const c = await openConsole(browser, app, { width: 1600, height: 900, beforeLoad: async (page) => recordFrames(page, frames) });
    // The database goes away for this server, as PostgreSQL itself does it: new connections
    // refused, the open ones ended. The console, the broker and InfluxDB stay up.
    const dbUrl = app.config.DATABASE_URL!;
    const dbName = new URL(dbUrl).pathname.slice(1);
    const admin = new pg.Client({ connectionString: databaseUrl(dbUrl, 'ioc') });
    await admin.connect();
    const health = async () => ((await (await fetch(`${app.url}/api/health`)).json()) as { database: { reachable: boolean; pending: number } }).database;
    try {
      await send(topics.cameraDetection('tt-cam-7'), 'tt-cam-7', { kind: 'accident', confidence: 0.96, lat: 10.001, lon: 106.035 });
      const accident = await openAlert((x) => x.rule === 'detection_accident' && x.source.id === 'tt-cam-7');
      await rowShown(c, accident.id, frames);
      await admin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [dbName]);
      // The camera reports again: the repeat is written within 2 s, and so the server learns the database is away.
      await send(topics.cameraDetection('tt-cam-7'), 'tt-cam-7', { kind: 'accident', confidence: 0.96, lat: 10.001, lon: 106.035 });
      await waitFor(async () => !(await health()).reachable, { timeoutMs: 10_000, message: 'the server never noticed the database was away' });

      await acknowledgeFromQueue(c.page, accident.id);
      const error = rowOf(c.page, accident.id).locator('[data-testid="command-error"]');
      await error.waitFor({ timeout: 10_000 });
      expect(await error.getAttribute('data-code')).toBe('unavailable');
      expect(await error.locator('strong').textContent()).toBe(opsVi.ops.action.error.unavailable);
      expect(await error.getAttribute('title')).toMatch(/database is not answering: nothing was changed/);
      expect(app.operations.alerts.get(accident.id)?.state).toBe('active');
      expect(await rowOf(c.page, accident.id).getAttribute('data-state')).toBe('active');
      expect(pngSize(await screenshot(c.page, 'console-database-away-1600x900'))).toEqual({ width: 1600, height: 900 });

      // Back: what waited is written, and the same click goes through.
      await admin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS true`);
      await waitFor(async () => {
        const h = await health();
        return h.reachable && h.pending === 0;
      }, { timeoutMs: 15_000, message: 'the database never came back for the server' });
      await error.locator('button').click();
      await error.waitFor({ state: 'detached' });
      await acknowledgeFromQueue(c.page, accident.id);
      await waitFor(() => app.operations.alerts.get(accident.id)?.state === 'acknowledged', { message: 'acknowledgement refused after the database came back' });
      await waitFor(async () => (await rowOf(c.page, accident.id).getAttribute('data-state')) === 'acknowledged', { timeoutMs: 3_000, message: 'row not acknowledged' });
      c.watch.assertNoErrors();
    } finally {
      await admin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS true`).catch(() => undefined);
      await admin.end();
      await c.close();
    }
  });
});
