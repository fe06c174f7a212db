/**
 * An injury accident played through the console and two phones (issue #26), against the
 * real server, Mosquitto and influxd (test town, simulators off):
 *   a camera sees an accident and a 115 caller says "có người bị thương" nearby: one incident,
 *   marked as having no unit; the ambulance and the traffic police are the first two choices
 *   of the dispatch list; both are dispatched (the second keeps the first) and both show on
 *   the map; each crew's phone (390×844) shows the address, the caller's words and the
 *   officer's note; the ambulance crew accepts (a step of its own); the officer releases the
 *   police and the ambulance is untouched, in the console and on its phone; the timelines read
 *   as sentences, with no raw ids. Screenshots: docs/screenshots/dispatch-list-1600x900.png,
 *   responder-ambulance-390x844.png. Needs dist/client (`npx vite build`).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { activeUnits, topics, type Incident } from '../../contract/index.js';
import { login, type TestSession } from '../harness/auth.js';
import { screenshot } from '../harness/chromium.js';
import { incidentRow, openConsole, openIncident, openPhone as openPhoneAs, pngSize, sourceFeatures, type ConsolePage, type PhonePage } from '../harness/console.js';
import { consoleStackForFile } from '../harness/stack.js';
import { waitFor } from '../harness/wait.js';

const AMB = 'tt-u-amb';
const POLICE = 'tt-u-police';
const NOTE = 'Cần xe cứu thương, nạn nhân chảy máu đầu';
const CALLER = 'Tai nạn giữa xe máy và ô tô, có người bị thương nằm dưới đường';

const stack = consoleStackForFile();
let officer: ConsolePage;
/** The first test's incident: its ambulance is taken by the second. */
let accident = '';

/** The police crew is the harness's test responder; the ambulance crew gets an account of its own, as an admin makes it. */
async function ambulanceCrew(): Promise<TestSession> {
  const username = 'cap-cuu-115';
  const password = 'cap-cuu-115-pass-2024';
  const res = await fetch(`${stack().app.url}/api/admin/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await stack().app.headers('admin')) },
    body: JSON.stringify({ username, role: 'responder', unitId: AMB, displayName: 'Tổ cấp cứu 115', password }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return login(stack().app.url, username, password);
}

const openPhone = (session: TestSession): Promise<PhonePage> => openPhoneAs(stack().browser, stack().app.url, session);

const card = (page: Page, id: string) => page.locator(`[data-testid="responder-incident"][data-incident-id="${id}"]`);
const server = (id: string) => stack().app.operations.incidents.get(id)!;
const partOn = (inc: Incident, unitId: string) => inc.units.filter((u) => u.unitId === unitId).at(-1)?.status;

/** What a timeline must never show: ids of units, channels, actors, incidents, and the old accept marker. */
const RAW = /tt-u-|hotline_|citizen_app|\bsystem\b|\[accept\]|inc-[0-9a-f]{8}|\b(dispatch|on_scene|release|reassign|accept)\b/;

describe('an injury accident: the right units, several at once, a phone that says where and why', () => {
  it('ambulance and police first; both dispatched and on the map; each phone shows where and why; releasing one leaves the other', async () => {
    const t0 = Date.now();
    // A camera sees the accident; a 115 caller, 30 m away, says people are hurt.
    await stack().send(topics.cameraDetection('tt-cam-2'), 'tt-cam-2', { kind: 'accident', confidence: 0.91, lat: 10.005, lon: 106.015 });
    await stack().send(topics.incidentReport('hotline-115'), 'hotline-115', { channel: 'hotline_115', type: 'traffic_accident', severity: 'major', lat: 10.0052, lon: 106.0152, description: CALLER, externalRef: 'CALL-115-0001', callback: '0905 123 456' });
    const found = await waitFor(() => stack().app.operations.incidents.recent().find((i) => i.type === 'traffic_accident' && i.hurt && i.description !== '' && i.status !== 'closed'), {
      timeoutMs: 15_000,
      message: 'no hurt traffic accident incident from the detection and the 115 call',
    });
    const id = found.id;

    officer = await openConsole(stack().browser, stack().app, { width: 1600, height: 900 });
    const { page } = officer;
    // In the list, it is marked as having no unit.
    await incidentRow(page, id).waitFor({ timeout: 10_000 });
    expect(await incidentRow(page, id).getAttribute('data-needs-unit')).toBe('true');
    expect(await incidentRow(page, id).locator('[data-testid="needs-unit"]').textContent()).toBe('Chưa có đơn vị');
    const view = await openIncident(page, id);

    // The officer's note first (what the crews must read).
    await view.locator('[data-testid="note-input"]').fill(NOTE);
    await view.locator('[data-testid="note-add"]').click();
    await waitFor(() => server(id).timeline.some((e) => e.action === 'note' && e.note === NOTE), { message: 'note not stored' });

    // The dispatch list: the ambulance and the traffic police first, each with distance and ETA.
    const candidates = view.locator('[data-testid="dispatch-candidate"]');
    await candidates.first().waitFor({ timeout: 10_000 });
    const first = await candidates.evaluateAll((els) => els.map((e) => ({ id: e.getAttribute('data-unit-id'), suitable: e.getAttribute('data-suitable') })));
    expect(new Set(first.slice(0, 2).map((c) => c.id))).toEqual(new Set([AMB, POLICE]));
    expect(first.slice(0, 2).every((c) => c.suitable === 'true')).toBe(true);
    expect(await candidates.first().locator('[data-testid="dispatch-eta"]').textContent()).toMatch(/^~\d+ phút$/);
    // "Show all" reveals the others (fire, telecom crew), under their own heading.
    await view.locator('[data-testid="dispatch-show-all"]').click();
    await view.locator('[data-testid="dispatch-others"] [data-testid="dispatch-candidate"]').first().waitFor();
    expect(await candidates.count()).toBe(4);
    const shot = await screenshot(page, 'dispatch-list-1600x900');
    expect(pngSize(shot)).toEqual({ width: 1600, height: 900 });
    await view.locator('[data-testid="dispatch-show-all"]').click();

    // Dispatch the ambulance, then the police: the second keeps the first.
    await view.locator(`[data-testid="dispatch-candidate"][data-unit-id="${AMB}"] [data-testid="dispatch-unit"]`).click();
    await waitFor(() => partOn(server(id), AMB) === 'dispatched', { message: 'ambulance not dispatched' });
    // Police still missing: the list stays open with it first.
    await view.locator(`[data-testid="dispatch-candidate"][data-unit-id="${POLICE}"] [data-testid="dispatch-unit"]`).click();
    await waitFor(() => partOn(server(id), POLICE) === 'dispatched', { message: 'police not dispatched' });
    expect(activeUnits(server(id)).map((u) => u.unitId).sort()).toEqual([AMB, POLICE].sort());
    expect(server(id).status).toBe('dispatched');
    await waitFor(async () => (await view.locator('[data-testid="incident-unit"]').count()) === 2, { message: 'console does not list both units' });
    expect(await incidentRow(page, id).getAttribute('data-needs-unit')).toBe('false');

    // Both on the map, busy.
    await waitFor(
      async () => {
        const f = await sourceFeatures(page, 'units');
        return [AMB, POLICE].every((u) => f.some((x) => x.id === u && x.status === 'busy'));
      },
      { timeoutMs: 10_000, message: 'both units not shown busy on the map' },
    );

    // Each crew's phone: the address, the caller's words, the officer's note.
    const amb = await openPhone(await ambulanceCrew());
    const pol = await openPhone(await stack().app.login('responder'));
    try {
      for (const phone of [amb, pol]) {
        const c = card(phone.page, id);
        await c.waitFor({ timeout: 10_000 });
        const address = (await c.locator('[data-testid="responder-address"]').textContent()) ?? '';
        expect(address.trim()).not.toBe('');
        expect(address).not.toContain('Chưa có địa chỉ');
        expect(await c.locator('[data-testid="responder-description"]').textContent()).toContain('có người bị thương');
        expect(await c.locator('[data-testid="responder-timeline"]').textContent()).toContain(NOTE);
        expect(await c.locator('[data-testid="responder-callback"]').getAttribute('href')).toBe('tel:0905123456');
        expect(await c.locator('[data-testid="responder-navigate"]').getAttribute('href')).toMatch(/^geo:10\.\d+,106\.\d+\?q=10\.\d+,106\.\d+/);
        expect(await c.locator('[data-testid="responder-distance"]').isVisible()).toBe(true);
      }

      // The ambulance crew accepts: a step of its own, named in the timeline.
      await amb.page.locator(`[data-testid="responder-new"][data-incident-id="${id}"] [data-testid="responder-accept-new"]`).click();
      await waitFor(() => partOn(server(id), AMB) === 'accepted', { message: 'accept not stored' });
      expect(server(id).timeline.some((e) => e.action === 'accept' && e.unitId === AMB)).toBe(true);
      expect(server(id).timeline.some((e) => e.note?.includes('[accept]'))).toBe(false);
      await waitFor(async () => (await card(amb.page, id).getAttribute('data-part')) === 'accepted', { message: 'phone does not show accepted' });
      await waitFor(async () => ((await card(amb.page, id).locator('[data-testid="responder-timeline"]').textContent()) ?? '').includes('Cấp cứu 115 Test Town đã nhận nhiệm vụ'), {
        message: 'accept sentence not on the phone',
      });
      const phoneShot = await screenshot(amb.page, 'responder-ambulance-390x844');
      expect(pngSize(phoneShot)).toEqual({ width: 390, height: 844 });

      // The officer releases the police (confirmed); the ambulance is untouched.
      const before = server(id).units.find((u) => u.unitId === AMB)!;
      const policeRow = view.locator(`[data-testid="incident-unit"][data-unit-id="${POLICE}"]`);
      await policeRow.locator('button[data-action="release"]').click();
      expect(await policeRow.locator('[data-testid="release-confirm"]').textContent()).toContain('CSGT Test Town');
      await policeRow.locator('[data-testid="release-confirm-yes"]').click();
      await waitFor(() => partOn(server(id), POLICE) === 'released', { message: 'police not released' });
      expect(server(id).units.find((u) => u.unitId === AMB)).toEqual(before);
      expect(server(id).status).toBe('dispatched');
      await waitFor(async () => (await policeRow.getAttribute('data-status')) === 'released', { message: 'console: police not shown released' });
      expect(await view.locator(`[data-testid="incident-unit"][data-unit-id="${AMB}"]`).getAttribute('data-status')).toBe('accepted');
      // On the map: the police free again, the ambulance still busy.
      await waitFor(
        async () => {
          const f = await sourceFeatures(page, 'units');
          return f.some((x) => x.id === POLICE && x.status === 'available') && f.some((x) => x.id === AMB && x.status === 'busy');
        },
        { timeoutMs: 10_000, message: 'map: police not available again, or ambulance not busy' },
      );
      expect(await view.locator('[data-testid="incident-view"] .facts, .facts').first().textContent()).toContain('Hệ thống · Tổng đài 115');
      // On the phones: the police's card goes, the ambulance's stays as it was.
      await card(pol.page, id).waitFor({ state: 'detached', timeout: 10_000 });
      expect(await card(amb.page, id).getAttribute('data-part')).toBe('accepted');
      await waitFor(async () => ((await card(amb.page, id).locator('[data-testid="responder-timeline"]').textContent()) ?? '').includes('CSGT Test Town đã rời sự cố'), {
        message: 'release sentence not on the ambulance phone',
      });
      // The ambulance phone's timeline, scrolled into view: the release, the accept and the officer's note in one place.
      await card(amb.page, id).locator('[data-testid="responder-timeline"]').scrollIntoViewIfNeeded();
      expect(pngSize(await screenshot(amb.page, 'responder-timeline-390x844'))).toEqual({ width: 390, height: 844 });
      await waitFor(async () => (await officer.page.locator(`[data-testid="incident-view"][data-incident-id="${id}"] [data-testid="timeline-entry"]`).count()) === server(id).timeline.length, {
        message: 'console timeline not up to date',
      });

      // The console: the units with their parts, and the timeline, for the record.
      await view.locator('[data-testid="incident-units"]').scrollIntoViewIfNeeded();
      expect(pngSize(await screenshot(page, 'console-incident-units-1600x900'))).toEqual({ width: 1600, height: 900 });

      // The timeline reads as sentences, the same words on the console and the phone.
      const consoleLines = await view.locator('[data-testid="timeline-entry"]').allTextContents();
      const phoneLines = await card(amb.page, id).locator('[data-testid="responder-timeline"] li').allTextContents();
      for (const line of [...consoleLines, ...phoneLines]) expect(line).not.toMatch(RAW);
      for (const lines of [consoleLines, phoneLines]) {
        const text = lines.join('\n');
        // The camera's alert made the incident; the 115 call joined it.
        expect(text).toMatch(/(Nhận tin báo|Tin báo bổ sung) qua Tổng đài 115/);
        expect(text).toContain('Đã điều động Cấp cứu 115 Test Town — bởi duty-officer');
        expect(text).toContain('Đã điều động CSGT Test Town — bởi duty-officer');
        expect(text).toContain('Cấp cứu 115 Test Town đã nhận nhiệm vụ');
        expect(text).toContain('CSGT Test Town đã rời sự cố — bởi duty-officer');
        expect(text).toContain(NOTE);
      }
      // The phone holds the whole timeline, every step the console holds.
      expect(phoneLines).toHaveLength(server(id).timeline.length);
      // On scene: the ambulance's phone stops saying how far it is; the address and the steps stay.
      expect(await card(amb.page, id).locator('[data-testid="responder-distance"]').isVisible()).toBe(true);
      await card(amb.page, id).locator('button[data-action="on_scene"]').click();
      await card(amb.page, id).locator('[data-testid="responder-confirm-yes"]').click();
      await waitFor(() => partOn(server(id), AMB) === 'on_scene', { message: 'on scene not stored' });
      await waitFor(async () => (await card(amb.page, id).getAttribute('data-part')) === 'on_scene', { message: 'phone does not show on scene' });
      expect(await card(amb.page, id).locator('[data-testid="responder-distance"]').count()).toBe(0);
      expect(await card(amb.page, id).locator('[data-testid="responder-address"]').textContent()).toContain('Đường Ngang');
      expect(server(id).status).toBe('on_scene');
      expect(officer.watch.pageErrors).toEqual([]);
      expect(amb.watch.pageErrors).toEqual([]);
      expect(pol.watch.pageErrors).toEqual([]);
      console.log(`injury accident played in ${Date.now() - t0} ms`);
      accident = id;
    } finally {
      await amb.context.close();
      await pol.context.close();
    }
  });

  it('a busy unit is offered behind "show all" and reassigned after a confirmation naming the incident it leaves', async () => {
    expect(accident).not.toBe('');
    const { page } = officer;
    await stack().send(topics.incidentReport('hotline-115'), 'hotline-115', { channel: 'hotline_115', type: 'medical', severity: 'critical', lat: 10.002, lon: 106.024, address: '7 Lê Lợi, Test Town', description: 'Cụ ông ngã, bất tỉnh', externalRef: 'CALL-115-0002' });
    const inc = await waitFor(() => stack().app.operations.incidents.recent().find((i) => i.externalRef?.endsWith('CALL-115-0002')), { message: 'no incident from the second call' });
    const view = await openIncident(page, inc.id);
    // The only ambulance is busy: not in the short list; "show all" shows it, and where it is.
    await view.locator('[data-testid="dispatch-candidate"]').first().waitFor({ timeout: 10_000 });
    expect(await view.locator(`[data-testid="dispatch-candidate"][data-unit-id="${AMB}"]`).count()).toBe(0);
    await view.locator('[data-testid="dispatch-show-all"]').click();
    const amb = view.locator(`[data-testid="dispatch-candidate"][data-unit-id="${AMB}"]`);
    expect(await amb.getAttribute('data-status')).toBe('busy');
    expect(await amb.getAttribute('data-suitable')).toBe('true');
    expect(await amb.textContent()).toContain('Đang ở: Tai nạn giao thông');
    await amb.locator('[data-testid="dispatch-unit"]').click();
    const confirm = amb.locator('[data-testid="dispatch-confirm"]');
    expect(await confirm.textContent()).toMatch(/Điều Cấp cứu 115 Test Town khỏi sự cố “Tai nạn giao thông · .+” sang đây\?/);
    await confirm.locator('[data-testid="dispatch-confirm-yes"]').click();
    await waitFor(() => partOn(server(inc.id), AMB) === 'dispatched', { message: 'ambulance not reassigned' });
    expect(partOn(server(accident), AMB)).toBe('released');
    // Both timelines say it in words: where it went, where it came from.
    await waitFor(async () => ((await view.locator('[data-testid="timeline"]').textContent()) ?? '').includes('Đã điều Cấp cứu 115 Test Town từ Tai nạn giao thông'), { message: 'reassign sentence' });
    const first = await openIncident(page, accident);
    await waitFor(async () => ((await first.locator('[data-testid="timeline"]').textContent()) ?? '').includes('Cấp cứu 115 Test Town được điều sang Cấp cứu y tế · 7 Lê Lợi, Test Town'), { message: 'release-to sentence' });
    for (const line of await first.locator('[data-testid="timeline-entry"]').allTextContents()) expect(line).not.toMatch(RAW);
    // The accident has no unit left: marked again in the list.
    await waitFor(async () => (await incidentRow(page, accident).getAttribute('data-needs-unit')) === 'true', { message: 'accident not marked as needing a unit' });
    expect(officer.watch.pageErrors).toEqual([]);
  });
});
