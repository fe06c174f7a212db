/**
 * The map zoomed out (issue #27 point 4), on the built console against the real
 * server, Mosquitto and influxd, the demo city with the simulators off (the test
 * town is too small to zoom out of: the map keeps it in view):
 *
 * - an incident and the alerts it holds are ONE marker, showing how many alerts;
 *   an alert of no incident is its own marker;
 * - zoomed out, markers merge into a cluster that shows the count and takes the
 *   colour of the worst severity inside (read from the drawn pixels); cameras
 *   merge into groups coloured by the worst camera, still on the map;
 * - clicking a cluster zooms in until it splits.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { topics } from '../../contract/index.js';
import { MAP_COLORS } from '../../client/src/map/layers.js';
import type { TestApp } from '../harness/app.js';
import { screenshot } from '../harness/chromium.js';
import { type ConsolePage, openConsole, pixel, renderedFeatures, REPO_ROOT, rgb, sourceFeatures, waitForMapIdle } from '../harness/console.js';
import type { DeviceSend } from '../harness/device.js';
import { startConsoleStack, type ConsoleStack } from '../harness/stack.js';
import { waitFor } from '../harness/wait.js';

const CAM = 'cam-005';
const SCENE: [number, number] = [108.989, 11.568];

let stack: ConsoleStack;
let app: TestApp;
let send: DeviceSend;
let con: ConsolePage;

beforeAll(async () => {
  stack = await startConsoleStack({ env: { CITY_PACK: path.join(REPO_ROOT, 'citypacks', 'phan-rang-thap-cham') } });
  ({ app, send } = stack);
  con = await openConsole(stack.browser, app, { width: 1280, height: 800 });
});
afterAll(async () => {
  await con?.close();
  await stack?.stop();
});

/** Moves the map at once and waits until it has drawn there. */
async function view(page: Page, center: [number, number], zoom: number): Promise<void> {
  await page.evaluate(([c, z]) => (window as unknown as { __iocMap: { jumpTo(o: object): void } }).__iocMap.jumpTo({ center: c, zoom: z }), [center, zoom] as const);
  await waitForMapIdle(page);
}

const near = (a: number[], b: number[], tol = 40) => a.every((v, i) => Math.abs(v - b[i]!) <= tol);

/** Rendered clusters of a layer with their screen position. */
async function clustersOf(page: Page, layer: string) {
  return page.evaluate((l) => {
    type F = { properties: Record<string, unknown>; geometry: { coordinates: [number, number] } };
    const map = (window as unknown as { __iocMap: { queryRenderedFeatures(o: object): F[]; project(c: [number, number]): { x: number; y: number }; getCanvas(): HTMLCanvasElement } }).__iocMap;
    const box = map.getCanvas().getBoundingClientRect();
    const seen = new Map<number, { id: number; count: number; worst: number; x: number; y: number }>();
    for (const f of map.queryRenderedFeatures({ layers: [l] })) {
      const p = map.project(f.geometry.coordinates);
      seen.set(Number(f.properties.cluster_id), { id: Number(f.properties.cluster_id), count: Number(f.properties.point_count), worst: Number(f.properties.worst), x: box.left + p.x, y: box.top + p.y });
    }
    return [...seen.values()];
  }, layer);
}

describe('the map zoomed out (issue #27 point 4)', () => {
  it('draws an incident with its alerts as one marker, clusters by worst severity with counts, camera groups, and zooms into a clicked cluster', async () => {
    const { page } = con;
    // An accident seen by cam-005 (Thống Nhất – Trần Phú) and phoned in to 115 beside it: one incident, two alerts.
    await send(topics.cameraDetection(CAM), CAM, { kind: 'accident', confidence: 0.93, lat: 11.5681, lon: 108.9871 });
    await send(topics.incidentReport('hotline-115'), 'hotline-115', {
      channel: 'hotline_115', type: 'traffic_accident', severity: 'major', lat: 11.5686, lon: 108.9875,
      address: 'Ngã tư Thống Nhất – Trần Phú', description: 'Va chạm xe máy', externalRef: 'CALL-115-7001',
    });
    // A flood reported ~400 m east (an incident of its own, minor), and the camera offline (the worst camera).
    await send(topics.incidentReport('citizen-app'), 'citizen-app', {
      channel: 'citizen_app', type: 'flood', severity: 'minor', lat: 11.5679, lon: 108.9908, description: 'Nước ngập nửa bánh xe', externalRef: 'APP-7002',
    });
    await send(topics.cameraStatus(CAM), CAM, { state: 'offline' });

    const open = () => app.operations.alerts.open();
    const accident = await waitFor(() => open().find((a) => a.rule.startsWith('detection_accident') && a.incidentId), { message: 'no accident alert with an incident' });
    const incidentId = accident.incidentId!;
    await waitFor(() => open().some((a) => a.dedupeKey === 'incident:hotline-115:CALL-115-7001' && a.incidentId === incidentId), { message: '115 call not on the accident incident' });
    const flood = await waitFor(() => open().find((a) => a.dedupeKey === 'incident:citizen-app:APP-7002' && a.incidentId && a.incidentId !== incidentId), { message: 'no flood incident' });
    const linked = open().filter((a) => a.incidentId === incidentId);
    expect(linked.length).toBeGreaterThanOrEqual(2);
    // What should be drawn: every open incident with a position, and every alert that is in none of them.
    const drawnIncidents = new Set(app.operations.incidents.open().filter((i) => i.position).map((i) => i.id));
    const loose = open().filter((a) => !(a.incidentId && drawnIncidents.has(a.incidentId)));

    // Close up: the incident is one marker showing its alerts; its alerts are not drawn again beside it.
    await waitFor(async () => (await sourceFeatures(page, 'alerts')).length >= open().length, { message: 'alerts never reached the map' });
    await view(page, SCENE, 16);
    const incidentMarker = await waitFor(async () => (await renderedFeatures(page, 'incidents')).find((f) => f.id === incidentId && f.alertCount === linked.length), {
      message: `incident ${incidentId} not drawn with ${linked.length} alerts`,
    });
    expect(incidentMarker).toMatchObject({ kind: 'incident', alertCount: linked.length });
    const drawnAlerts = (await renderedFeatures(page, 'alerts')).map((f) => f.id);
    for (const a of linked) expect(drawnAlerts, `linked alert ${a.id} drawn on its own`).not.toContain(a.id);
    for (const a of loose) expect(drawnAlerts, `alert ${a.id} of no incident not drawn`).toContain(a.id);
    expect((await renderedFeatures(page, 'incident-alerts-count')).map((f) => f.id)).toContain(incidentId);
    // The alerts source still holds every open alert (for queries and the other tests).
    expect((await sourceFeatures(page, 'alerts')).map((f) => f.id)).toEqual(expect.arrayContaining(linked.map((a) => a.id)));

    expect((await renderedFeatures(page, 'incidents')).map((f) => f.id)).toContain(flood.incidentId);

    // Zoomed out to the whole city: one cluster holding both incidents (and any loose alert), in the
    // colour of the worst inside (the critical accident, not the minor flood), with its count.
    await view(page, SCENE, 11);
    const markers = drawnIncidents.size + loose.length;
    let last: unknown = null;
    const [cluster] = await waitFor(async () => {
      const c = await clustersOf(page, 'markers-clusters');
      last = { clusters: c, incidents: await renderedFeatures(page, 'incidents'), alerts: await renderedFeatures(page, 'alerts') };
      return c.length === 1 && c[0]!.count === markers ? c : null;
    }, { message: `no single cluster of ${markers} markers zoomed out` }).catch((err: Error) => {
      throw new Error(`${err.message}: drawn ${JSON.stringify(last)}`);
    });
    expect(cluster!.worst).toBe(3);
    expect(await renderedFeatures(page, 'incidents')).toEqual([]);
    expect(await renderedFeatures(page, 'alerts')).toEqual([]);
    // The badge is drawn in the critical colour (a pixel beside the count, inside the square).
    expect(near(await pixel(page, cluster!.x - 6, cluster!.y + 6), rgb(MAP_COLORS.severity.critical)), 'cluster not drawn in the critical colour').toBe(true);

    // Cameras are still on the map zoomed out: groups with counts that add up to every camera, red where one is offline.
    const cameras = app.pack.sites.cameras.length;
    const groups = await waitFor(async () => {
      const g = await clustersOf(page, 'cameras-groups');
      const loneCams = (await renderedFeatures(page, 'cameras')).length;
      return g.reduce((n, x) => n + x.count, 0) + loneCams === cameras && g.length > 0 ? g : null;
    }, { message: `the ${cameras} cameras are not all on the map zoomed out` });
    const worstGroup = groups.find((g) => g.worst === 3);
    expect(worstGroup, 'no camera group marked by the offline camera').toBeDefined();
    expect(near(await pixel(page, worstGroup!.x - 5, worstGroup!.y + 3), rgb(MAP_COLORS.down)), 'camera group not drawn red').toBe(true);
    await screenshot(page, 'map-clusters-zoomed-out', { artifact: true });

    // Clicking the cluster zooms in until it splits.
    const zoomBefore = await page.evaluate(() => (window as unknown as { __iocMap: { getZoom(): number } }).__iocMap.getZoom());
    await page.mouse.click(cluster!.x, cluster!.y);
    await page.waitForFunction((z0) => {
      const map = (window as unknown as { __iocMap: { getZoom(): number; isMoving(): boolean } }).__iocMap;
      return !map.isMoving() && map.getZoom() > z0 + 0.5;
    }, zoomBefore, { timeout: 10_000 });
    await waitForMapIdle(page);
    const zoomAfter = await page.evaluate(() => (window as unknown as { __iocMap: { getZoom(): number } }).__iocMap.getZoom());
    expect(zoomAfter).toBeGreaterThan(zoomBefore);
    const split = await clustersOf(page, 'markers-clusters');
    const single = (await renderedFeatures(page, 'incidents')).length + (await renderedFeatures(page, 'alerts')).length;
    expect(split.every((c) => c.count < markers), 'the cluster did not split').toBe(true);
    expect(single).toBeGreaterThan(0);
    await screenshot(page, 'map-clusters-expanded', { artifact: true });
    con.watch.assertNoErrors();
  }, 60_000);
});
