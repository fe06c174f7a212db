/**
 * The night shift's keyboard and its irreversible steps (issue #27, points 2 and 3), in
 * the built console against the real server, Mosquitto, influxd and PostgreSQL
 * (test town, simulators off):
 *  - the whole accident job by keyboard alone: select the accident with j/k (Tab and the
 *    cursor are one), acknowledge, open its incident, dispatch, note, resolve (asked
 *    first: no unit reached the scene), close with a closing note; each step checked on
 *    screen and in the server's state over REST; the `?` help, focus held inside;
 *  - resolve of an incident no unit worked and close both ask first; the closed incident
 *    stays on screen, read only, with "Mở lại";
 *  - clearing an alert is held with "Hoàn tác" (undo, by click or `u`), then sent;
 *  - today's closed incidents: listed, searched (accent-blind), opened and reopened.
 * Screenshots: docs/screenshots/shortcut-help-1366x768.png, closed-incidents-1366x768.png.
 * Needs a built client (`npx vite build`, or IOC_CLIENT_DIR).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { topics, type Alert, type Incident } from '../../contract/index.js';
import { deskEn, deskVi } from '../../client/src/app/strings/desk.js';
import { screenshot } from '../harness/chromium.js';
import { incidentRow, openConsole, pngSize, queueRows, rowOf, type ConsolePage } from '../harness/console.js';
import { consoleStackForFile } from '../harness/stack.js';
import { waitFor } from '../harness/wait.js';

const vi = deskVi.desk;

const stack = consoleStackForFile();
let officer: ConsolePage;
let page: Page;

/** The server's state as any integration reads it: REST, as the duty officer. */
async function rest<T>(p: string): Promise<T> {
  const res = await fetch(`${stack().app.url}/api${p}`, { headers: await stack().app.headers() });
  expect(res.status, p).toBe(200);
  return ((await res.json()) as { data: T }).data;
}
const incidentOf = async (id: string) => (await rest<{ incident: Incident }>(`/incidents/${id}`)).incident;
const alertOf = (id: string) => rest<Alert>(`/alerts/${id}`);

/** What has the keyboard focus: its test id, the row or panel it is in, and whether it is inside a dialog. */
const focused = (p: Page) =>
  p.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return {
      testid: el?.getAttribute('data-testid') ?? null,
      tag: el?.tagName ?? null,
      row: el?.closest('[data-testid="alert-row"]')?.getAttribute('data-alert-id') ?? null,
      inPanel: !!el?.closest('[data-testid="detail-panel"]'),
      dialog: el?.closest('[role="dialog"]')?.getAttribute('data-testid') ?? null,
      unit: el?.closest('[data-testid="dispatch-candidate"]')?.getAttribute('data-unit-id') ?? null,
    };
  });
const selectedRow = async (p: Page) => (await queueRows(p)).find((r) => r.selected)?.alertId ?? null;

describe('the night shift: keyboard, confirmations, undo, closed incidents', () => {
  let accidentIncident = '';
  let medicalIncident = '';

  it('does the whole accident job by keyboard alone, and `?` lists every key with the focus held in it', async () => {
    // A fire and a crowd first, then the accident: the accident is not the line the cursor starts on.
    await stack().send(topics.cameraDetection('tt-cam-3'), 'tt-cam-3', { kind: 'fire_smoke', confidence: 0.93, lat: 10.005, lon: 106.025 });
    await stack().send(topics.cameraDetection('tt-cam-5'), 'tt-cam-5', { kind: 'crowd', confidence: 0.9, lat: 10.002, lon: 106.012, peopleCount: 80 });
    await stack().send(topics.cameraDetection('tt-cam-2'), 'tt-cam-2', { kind: 'accident', confidence: 0.91, lat: 10.005, lon: 106.015 });
    const accident = await waitFor(() => stack().app.operations.alerts.open().find((a) => a.rule === 'detection_accident' && a.incidentId), { message: 'no accident alert with its incident' });
    accidentIncident = accident.incidentId!;
    await waitFor(() => stack().app.operations.alerts.open().filter((a) => a.rule.startsWith('detection_')).length >= 3, { message: 'not all three alerts raised' });

    officer = await openConsole(stack().browser, stack().app, { width: 1366, height: 768 });
    page = officer.page;
    await rowOf(page, accident.id).waitFor({ timeout: 10_000 });
    await waitFor(async () => (await queueRows(page)).length >= 3, { message: 'queue not filled' });
    const k = page.keyboard;

    // j until the accident's line: the focus follows the cursor, row by row.
    for (let n = 0; n < 6 && (await selectedRow(page)) !== accident.id; n++) {
      await k.press('j');
      await waitFor(async () => (await focused(page)).row === (await selectedRow(page)) && (await selectedRow(page)) !== null, { timeoutMs: 2_000, message: 'the focus did not follow j' });
    }
    expect(await selectedRow(page)).toBe(accident.id);
    expect(await rowOf(page, accident.id).locator('.alert-row__btn').getAttribute('aria-current')).toBe('true');

    // a: acknowledged on screen and on the server, and its incident with it.
    await k.press('a');
    await waitFor(async () => (await rowOf(page, accident.id).getAttribute('data-state')) === 'acknowledged', { message: 'row not acknowledged' });
    expect((await alertOf(accident.id)).state).toBe('acknowledged');
    expect((await incidentOf(accidentIncident)).status).toBe('acknowledged');

    // Tab and the cursor are one: Tab onto the next line moves the cursor there; Shift+Tab back.
    await k.press('Tab');
    await waitFor(async () => (await focused(page)).row !== accident.id && (await focused(page)).row !== null, { timeoutMs: 2_000, message: 'Tab did not reach the next line' });
    expect(await selectedRow(page)).toBe((await focused(page)).row);
    await k.press('Shift+Tab');
    await waitFor(async () => (await focused(page)).row === accident.id && (await selectedRow(page)) === accident.id, { timeoutMs: 2_000, message: 'Shift+Tab did not bring cursor and focus back' });

    // Enter: the focused line opens, and the panel takes the focus.
    await k.press('Enter');
    const panel = page.locator('[data-testid="detail-panel"]');
    await waitFor(async () => (await panel.getAttribute('data-id')) === accident.id, { timeoutMs: 2_000, message: 'Enter did not open the accident' });
    await waitFor(async () => (await focused(page)).inPanel, { timeoutMs: 2_000, message: 'focus did not move into the panel' });

    // i: its incident.
    await k.press('i');
    const view = page.locator(`[data-testid="incident-view"][data-incident-id="${accidentIncident}"]`);
    await view.waitFor({ timeout: 3_000 });
    await waitFor(async () => (await focused(page)).inPanel, { timeoutMs: 2_000, message: 'focus not in the incident' });

    // d: the dispatch list, the first unit focused; Enter sends it.
    await k.press('d');
    await waitFor(async () => (await focused(page)).testid === 'dispatch-unit', { timeoutMs: 5_000, message: 'd did not focus a unit to dispatch' });
    const unitId = (await focused(page)).unit!;
    await k.press('Enter');
    await waitFor(async () => (await view.locator(`[data-testid="incident-unit"][data-unit-id="${unitId}"]`).count()) === 1, { message: 'dispatched unit not on screen' });
    // A key pressed while a command is still in flight is not taken (its buttons are disabled, "Đang gửi…"
    // shows): the officer, and this test, wait for the answer before the next step.
    const settled = (what: string) =>
      waitFor(async () => (await view.locator('[data-testid="command-status"]').count()) === 0, { message: `${what}: the command was never answered` });
    await settled('dispatch');
    const dispatched = await incidentOf(accidentIncident);
    expect(dispatched.status).toBe('dispatched');
    expect(dispatched.units.map((u) => [u.unitId, u.status])).toEqual([[unitId, 'dispatched']]);

    // n: the note field; Enter sends; Esc leaves the field.
    await k.press('n');
    await waitFor(async () => (await focused(page)).testid === 'note-input', { timeoutMs: 2_000, message: 'n did not focus the note' });
    const note = 'Xe cứu thương đang tới, đã báo CSGT phân luồng';
    await k.insertText(note);
    await k.press('Enter');
    await waitFor(async () => (await view.locator('[data-testid="timeline"]').textContent())?.includes(note), { message: 'note not in the timeline' });
    expect((await incidentOf(accidentIncident)).timeline.some((e) => e.action === 'note' && e.note === note)).toBe(true);
    await settled('note');
    await k.press('Escape');
    await waitFor(async () => (await focused(page)).inPanel && (await focused(page)).testid !== 'note-input', { timeoutMs: 2_000, message: 'Esc did not leave the note' });

    // r: asked first, saying no unit reached the scene; Enter answers yes.
    await k.press('r');
    const ask = view.locator('[data-testid="resolve-confirm"]');
    await ask.waitFor({ timeout: 2_000 });
    expect(await ask.textContent()).toContain(vi.confirm.resolveNotArrived);
    // The question takes the focus as it opens (an effect after it mounts): waited for, not read at once.
    await waitFor(async () => (await focused(page)).testid === 'resolve-confirm-yes', { timeoutMs: 2_000, message: 'the resolve question did not take the focus' });
    expect((await incidentOf(accidentIncident)).status).toBe('dispatched');
    await k.press('Enter');
    await waitFor(async () => (await view.getAttribute('data-status')) === 'resolved', { message: 'not resolved on screen' });
    expect((await incidentOf(accidentIncident)).status).toBe('resolved');
    await settled('resolve'); // the change can reach the screen before the command's own answer

    // c: the closing note is asked; an empty one closes nothing.
    await k.press('c');
    await waitFor(async () => (await focused(page)).testid === 'closing-note-input', { timeoutMs: 2_000, message: 'c did not ask for the closing note' });
    await k.press('Enter');
    expect((await incidentOf(accidentIncident)).status).toBe('resolved');
    const closing = 'Đã giải toả hiện trường, bàn giao CSGT lập biên bản';
    await k.insertText(closing);
    await waitFor(() => view.locator('[data-testid="close-confirm-yes"]').isEnabled(), { timeoutMs: 5_000, message: 'the close button never took the note' });
    await k.press('Enter');
    // The closed incident stays on screen, read only, with its closing note and "Mở lại".
    const closed = page.locator(`[data-testid="closed-incident"][data-incident-id="${accidentIncident}"]`);
    await closed.waitFor({ timeout: 5_000 });
    expect(await closed.locator('[data-testid="closing-note"]').textContent()).toBe(closing);
    expect(await closed.locator('[data-testid="reopen"]').isVisible()).toBe(true);
    const done = await incidentOf(accidentIncident);
    expect(done.status).toBe('closed');
    expect(done.timeline.at(-1)).toMatchObject({ action: 'close', note: closing });

    // Esc: the panel closes and the focus is back on the line it came from.
    await k.press('Escape');
    await panel.waitFor({ state: 'detached', timeout: 2_000 });
    if (await rowOf(page, accident.id).count()) await waitFor(async () => (await focused(page)).row === accident.id, { timeoutMs: 2_000, message: 'focus not back on the line' });

    // ?: every key in the help, Vietnamese; Tab stays inside; Esc closes it.
    await k.press('?');
    const help = page.locator('[data-testid="shortcut-help"]');
    await help.waitFor({ timeout: 2_000 });
    await waitFor(async () => (await focused(page)).dialog === 'shortcut-help', { timeoutMs: 2_000, message: 'the help did not take the focus' });
    const listed = await help.locator('[data-testid="shortcut"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-keys')));
    expect(listed).toEqual(expect.arrayContaining(['j k', 'Enter', 'a', 'i', 'd', 'n', 'r', 'c', 'Esc', 'u', 'l', '?']));
    expect(await help.textContent()).toContain(vi.keys.dispatch);
    for (let n = 0; n < 3; n++) {
      await k.press('Tab');
      expect((await focused(page)).dialog).toBe('shortcut-help');
    }
    // Keys of the page wait while it is open.
    await k.press('j');
    expect(await help.isVisible()).toBe(true);
    const shot = await screenshot(page, 'shortcut-help-1366x768');
    expect(pngSize(shot)).toEqual({ width: 1366, height: 768 });
    await k.press('Escape');
    await help.waitFor({ state: 'detached', timeout: 2_000 });
    // The same list in English.
    await page.locator('[data-testid="lang-switch"] button[data-lang="en"]').click();
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await k.press('?');
    await help.waitFor({ timeout: 2_000 });
    await waitFor(async () => (await focused(page)).dialog === 'shortcut-help', { timeoutMs: 2_000, message: 'the English help did not take the focus' });
    expect(await help.locator('h2').textContent()).toBe(deskEn.desk.keys.title);
    expect(await help.textContent()).toContain(deskEn.desk.keys.closeIncident);
    await k.press('Escape');
    await help.waitFor({ state: 'detached', timeout: 2_000 });
    await page.locator('[data-testid="lang-switch"] button[data-lang="vi"]').click();
    officer.watch.assertNoErrors();
  });

  it('resolving an incident no unit worked asks first and says so; closing asks for a note; the closed incident stays, read only', async () => {
    await stack().send(topics.incidentReport('hotline-115'), 'hotline-115', {
      channel: 'hotline_115',
      type: 'medical',
      severity: 'major',
      // In ward A, away from the other incidents (a related report nearby would join one of them).
      lat: 10.008,
      lon: 106.004,
      address: 'Ngã tư Chính – Ngang',
      description: 'Người đi đường bất tỉnh',
      externalRef: 'CALL-KEYS-1',
    });
    medicalIncident = (await waitFor(() => stack().app.operations.incidents.open().find((i) => i.type === 'medical'), { message: 'no medical incident' })).id;
    await incidentRow(page, medicalIncident).locator('button').click();
    const view = page.locator(`[data-testid="incident-view"][data-incident-id="${medicalIncident}"]`);
    await view.waitFor({ timeout: 5_000 });
    const button = (a: string) => view.locator(`[data-testid="incident-actions"] button[data-action="${a}"]`);

    // Resolve: the question names what is wrong; "no" changes nothing.
    await button('resolve').click();
    const ask = view.locator('[data-testid="resolve-confirm"]');
    expect(await ask.textContent()).toContain(vi.confirm.resolveNoUnit);
    await ask.locator('[data-testid="resolve-confirm-no"]').click();
    await ask.waitFor({ state: 'detached' });
    expect((await incidentOf(medicalIncident)).status).toBe('new');
    await button('resolve').click();
    await ask.locator('[data-testid="resolve-confirm-yes"]').click();
    await waitFor(async () => (await view.getAttribute('data-status')) === 'resolved', { message: 'not resolved' });
    expect((await incidentOf(medicalIncident)).status).toBe('resolved');

    // Close: nothing without a closing note.
    await button('close').click();
    const form = view.locator('[data-testid="close-confirm"]');
    expect(await form.textContent()).toContain(vi.confirm.closeWarn);
    expect(await form.locator('[data-testid="close-confirm-yes"]').isDisabled()).toBe(true);
    await form.locator('[data-testid="close-confirm-no"]').click();
    expect((await incidentOf(medicalIncident)).status).toBe('resolved');
    await button('close').click();
    await form.locator('[data-testid="closing-note-input"]').fill('Người bệnh đã tỉnh, người nhà đưa về');
    await form.locator('[data-testid="close-confirm-yes"]').click();
    const closed = page.locator(`[data-testid="closed-incident"][data-incident-id="${medicalIncident}"]`);
    await closed.waitFor({ timeout: 5_000 });
    expect(await page.locator('[data-testid="detail-panel"]').textContent()).not.toContain('không còn tồn tại');
    expect(await closed.getAttribute('data-status')).toBe('closed');
    expect((await incidentOf(medicalIncident)).status).toBe('closed');
    await page.locator('[data-testid="detail-close"]').click();
    officer.watch.assertNoErrors();
  });

  it('clearing an alert is held with an undo (click or u), away from acknowledge, then sent', async () => {
    const fire = stack().app.operations.alerts.open().find((a) => a.rule === 'detection_fire_smoke')!;
    const row = rowOf(page, fire.id);
    // Not in the row, under "Tiếp nhận": in the panel, at the far end from it.
    expect(await row.locator('[data-testid="clear"]').count()).toBe(0);
    await row.locator('.alert-row__btn').click();
    const ack = page.locator('[data-testid="detail-ack"]');
    const clear = page.locator('[data-testid="detail-clear"]');
    await clear.waitFor();
    const [a, c] = [(await ack.boundingBox())!, (await clear.boundingBox())!];
    expect(c.x - (a.x + a.width)).toBeGreaterThan(120);

    const toast = page.locator(`[data-testid="undo-toast"][data-alert-id="${fire.id}"]`);
    const clearAndUndo = async (undo: () => Promise<void>) => {
      await page.locator('[data-testid="detail-clear"]').click();
      await toast.waitFor({ timeout: 2_000 });
      await row.waitFor({ state: 'detached', timeout: 2_000 });
      expect((await alertOf(fire.id)).state).toBe('active');
      await undo();
      await toast.waitFor({ state: 'detached', timeout: 2_000 });
      await row.waitFor({ timeout: 2_000 });
      await row.locator('.alert-row__btn').click();
    };
    await clearAndUndo(async () => {
      await screenshot(page, 'undo-clear-1366x768', { artifact: true });
      await toast.locator('[data-testid="undo-clear"]').click();
    });
    await clearAndUndo(async () => {
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await page.keyboard.press('u');
    });

    // Left alone, it is sent when the hold ends: cleared on the server, once.
    await page.locator('[data-testid="detail-clear"]').click();
    await toast.waitFor({ timeout: 2_000 });
    await waitFor(async () => (await alertOf(fire.id)).state === 'cleared', { timeoutMs: 9_000, message: 'the held clear was never sent' });
    await toast.waitFor({ state: 'detached', timeout: 3_000 });
    expect(await row.count()).toBe(0);
    const audit = await fetch(`${stack().app.url}/api/audit?entity=alert&id=${fire.id}`, { headers: await stack().app.headers('supervisor') });
    const rows = ((await audit.json()) as { data: { type: string; result: string }[] }).data;
    // One clear, the last: the undone ones were never sent (a second would be refused, and be here too).
    expect(rows.filter((r) => r.type === 'cleared' || r.type === 'clear')).toEqual([expect.objectContaining({ type: 'cleared', result: 'ok' })]);
    officer.watch.assertNoErrors();
  });

  it('lists today’s closed incidents, searched by id, type, address and ward; one opens for review and is reopened', async () => {
    await page.locator('[data-testid="closed-list-open"]').click();
    const dialog = page.locator('[data-testid="closed-list"]');
    await dialog.waitFor();
    const rowsOf = () => dialog.locator('[data-testid="closed-row"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-incident-id')));
    await waitFor(async () => (await rowsOf()).length === 2, { message: 'closed list does not show both' });
    expect(new Set(await rowsOf())).toEqual(new Set([accidentIncident, medicalIncident]));
    await waitFor(async () => (await focused(page)).testid === 'closed-search', { timeoutMs: 2_000, message: 'the closed list did not focus its search' });
    const search = dialog.locator('[data-testid="closed-search"]');
    const expectRows = async (q: string, want: string[]) => {
      await search.fill(q);
      await waitFor(async () => JSON.stringify((await rowsOf()).sort()) === JSON.stringify([...want].sort()), { timeoutMs: 2_000, message: `search "${q}"` });
    };
    await expectRows('nga tu chinh', [medicalIncident]); // address, without accents
    await expectRows('Tai nạn', [accidentIncident]); // type, in words
    await expectRows(accidentIncident.slice(-8), [accidentIncident]); // id
    await expectRows('phuong', [accidentIncident, medicalIncident]); // ward
    await expectRows('không có gì như thế', []);
    await expectRows('', [accidentIncident, medicalIncident]);
    // Day by day: written day first (07/12/2026), today marked; the day before has none of these; no day after today.
    const dayLabel = dialog.locator('[data-testid="closed-day"]');
    const today = await dayLabel.getAttribute('data-day');
    const [y, m, d] = today!.split('-');
    expect(await dayLabel.textContent()).toContain(`${d}/${m}/${y}`);
    expect(await dayLabel.textContent()).toContain(vi.closed.today);
    expect(await dialog.locator('[data-testid="closed-next"]').isDisabled()).toBe(true);
    await dialog.locator('[data-testid="closed-prev"]').click();
    await waitFor(async () => (await dayLabel.getAttribute('data-day')) !== today && (await dialog.textContent())?.includes(vi.closed.none), { timeoutMs: 3_000, message: 'the day before did not load' });
    await dialog.locator('[data-testid="closed-next"]').click();
    await waitFor(async () => (await rowsOf()).length === 2, { timeoutMs: 3_000, message: 'back to today' });
    const shot = await screenshot(page, 'closed-incidents-1366x768');
    expect(pngSize(shot)).toEqual({ width: 1366, height: 768 });

    // Open one for review: read only in the panel; reopen it.
    await dialog.locator(`[data-testid="closed-row"][data-incident-id="${medicalIncident}"]`).click();
    await dialog.waitFor({ state: 'detached' });
    const closed = page.locator(`[data-testid="closed-incident"][data-incident-id="${medicalIncident}"]`);
    await closed.waitFor({ timeout: 5_000 });
    expect(await closed.locator('[data-testid="closing-note"]').textContent()).toBe('Người bệnh đã tỉnh, người nhà đưa về');
    await closed.locator('[data-testid="reopen"]').click();
    // Back in the live picture: the working view, and the incidents panel, acknowledged.
    await page.locator(`[data-testid="incident-view"][data-incident-id="${medicalIncident}"][data-status="acknowledged"]`).waitFor({ timeout: 5_000 });
    await incidentRow(page, medicalIncident).waitFor({ timeout: 3_000 });
    const reopened = await incidentOf(medicalIncident);
    expect(reopened.status).toBe('acknowledged');
    expect(reopened.timeline.at(-1)).toMatchObject({ action: 'reopen', from: 'closed', to: 'acknowledged' });
    expect((await rest<{ incidents: Incident[] }>('/incidents/closed')).incidents.map((i) => i.id)).toEqual([accidentIncident]);

    // The list, by its key, no longer has it.
    await page.locator('[data-testid="detail-close"]').click();
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('l');
    await dialog.waitFor();
    await waitFor(async () => JSON.stringify(await rowsOf()) === JSON.stringify([accidentIncident]), { message: 'reopened incident still listed as closed' });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    officer.watch.assertNoErrors();
  });
});
