/**
 * Closing and reopening an incident (issue #27), against the real server, Mosquitto,
 * influxd and PostgreSQL: closing needs a closing note, over Socket.IO and REST alike,
 * refused with a plain error and nothing changed; the closed incident is in the day's
 * closed list (GET /api/incidents/closed, from PostgreSQL) for the roles that read
 * incidents only; reopening takes it back to acknowledged, with its event in the log and
 * its row in the audit trail, and it leaves the closed list.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLOSING_NOTE_REQUIRED, topics, type Incident, type Result } from '../../contract/index.js';
import { connectConsole, type TestApp, type TestConsole } from '../harness/app.js';
import { startAppStack, type AppStack } from '../harness/stack.js';
import { queryRows } from '../harness/postgres.js';
import { waitFor } from '../harness/wait.js';

let stack: AppStack;
let app: TestApp;
let officer: TestConsole;

beforeAll(async () => {
  stack = await startAppStack();
  ({ app } = stack);
  officer = await connectConsole(app.url, await app.token('duty_officer'));
  return async () => {
    officer?.close();
    await stack.stop();
  };
});

function emit<T>(event: string, body: unknown): Promise<Result<T>> {
  return new Promise((resolve) => (officer.socket.emit as unknown as (e: string, b: unknown, ack: (r: Result<T>) => void) => void)(event, body, resolve));
}
const held = (id: string) => app.operations.incidents.get(id)!;
async function rest(method: string, p: string, body?: unknown, role: 'duty_officer' | 'supervisor' | 'responder' | 'wall' = 'duty_officer') {
  const res = await fetch(`${app.url}/api${p}`, { method, headers: { 'content-type': 'application/json', ...(await app.headers(role)) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, json: (await res.json()) as { ok: boolean; data?: unknown; error?: { code: string; message: string } } };
}
const closedToday = async () => ((await rest('GET', '/incidents/closed')).json.data as { day: string; incidents: Incident[] }).incidents.map((i) => i.id);

describe('closing needs a note; a closed incident is listed for the day and can be reopened', () => {
  let id = '';

  it('a resolved incident is not closed without a closing note, over Socket.IO or REST', async () => {
    const dev = await mqtt.connectAsync(stack.broker.url, { protocolVersion: 4 });
    await dev.publishAsync(
      topics.incidentReport('hotline-115'),
      JSON.stringify({ seq: 1, ts: Date.now(), channel: 'hotline_115', type: 'traffic_accident', severity: 'major', lat: 10.0052, lon: 106.0152, description: 'Va chạm xe máy', externalRef: 'CALL-CLOSE-1' }),
      { qos: 1 },
    );
    await dev.endAsync();
    id = (await waitFor(() => app.operations.incidents.open().find((i) => i.externalRef === 'hotline-115:CALL-CLOSE-1' || i.description === 'Va chạm xe máy'), { message: 'no incident from the report' })).id;
    expect((await emit('incident:resolve', { id, version: held(id).version })).ok).toBe(true);
    const v = held(id).version;

    for (const body of [{ id, version: v }, { id, version: v, note: '   ' }]) {
      const r = await emit('incident:close', body);
      expect(r).toEqual({ ok: false, error: { code: 'bad_request', message: expect.stringContaining(CLOSING_NOTE_REQUIRED) } });
    }
    const viaRest = await rest('POST', `/incidents/${id}/close`, { version: v });
    expect(viaRest.status).toBe(400);
    expect(viaRest.json.error?.message).toContain(CLOSING_NOTE_REQUIRED);
    // Nothing changed, and the refusals are in the audit trail.
    expect(held(id)).toMatchObject({ status: 'resolved', version: v });
    const audit = await rest('GET', `/audit?entity=incident&id=${id}`, undefined, 'supervisor');
    const refused = (audit.json.data as { type: string; result: string; note?: string }[]).filter((x) => x.type === 'close' && x.result === 'refused');
    expect(refused.length).toBe(3);
    expect(refused[0]!.note).toContain('closing note');
  });

  it('with a note it closes, and the day’s closed list (PostgreSQL) has it, for the roles that read incidents only', async () => {
    const note = 'Đã giải toả hiện trường, không có người bị thương';
    const r = await emit<Incident>('incident:close', { id, version: held(id).version, note });
    expect(r.ok).toBe(true);
    expect(held(id).status).toBe('closed');
    expect(held(id).timeline.at(-1)).toMatchObject({ action: 'close', to: 'closed', note, by: expect.any(String) });

    const list = await rest('GET', '/incidents/closed');
    expect(list.status).toBe(200);
    const data = list.json.data as { day: string; from: number; to: number; incidents: Incident[] };
    // Today in the city's calendar (the test town is in Asia/Ho_Chi_Minh, UTC+7).
    expect(data.day).toBe(new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10));
    expect(data.to - data.from).toBe(24 * 3600_000);
    expect(data.incidents.find((i) => i.id === id)).toMatchObject({ status: 'closed', version: held(id).version });
    // The same day by name; the day before has none of today's.
    expect(((await rest('GET', `/incidents/closed?day=${data.day}`)).json.data as { incidents: Incident[] }).incidents.map((i) => i.id)).toContain(id);
    const yesterday = new Date(data.from - 3600_000 + 7 * 3600_000).toISOString().slice(0, 10);
    expect(((await rest('GET', `/incidents/closed?day=${yesterday}`)).json.data as { incidents: Incident[] }).incidents).toEqual([]);
    for (const bad of ['2026-02-30', 'today', '2026-1-1']) {
      const b = await rest('GET', `/incidents/closed?day=${bad}`);
      expect(b.status, bad).toBe(400);
      expect(b.json.error?.message).toMatch(/YYYY-MM-DD/);
    }
    // Deny by default: a responder's phone and the wall do not read the city's incidents.
    expect((await rest('GET', '/incidents/closed', undefined, 'responder')).status).toBe(403);
    expect((await rest('GET', '/incidents/closed', undefined, 'wall')).status).toBe(403);
    expect((await rest('GET', '/incidents/closed', undefined, 'supervisor')).status).toBe(200);
  });

  it('reopening takes it back to acknowledged: event log, audit trail, and it leaves the closed list', async () => {
    const closed = held(id);
    // A stale version is a conflict, not a second reopen.
    expect(await emit('incident:reopen', { id, version: closed.version - 1 })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    const r = await rest('POST', `/incidents/${id}/reopen`, { version: closed.version, note: 'Người dân báo còn xe chắn đường' });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(held(id)).toMatchObject({ status: 'acknowledged', version: closed.version + 1 });
    expect(held(id).timeline.at(-1)).toMatchObject({ action: 'reopen', from: 'closed', to: 'acknowledged' });

    // PostgreSQL: the current row and the event of that version (answered after it was written).
    const [row] = await queryRows<{ status: string; version: number }>(app.config.DATABASE_URL!, 'SELECT status, version FROM incidents WHERE id = $1', [id]);
    expect(row).toEqual({ status: 'acknowledged', version: closed.version + 1 });
    const events = await queryRows<{ type: string; version: number; actor: string; actor_role: string }>(app.config.DATABASE_URL!, 'SELECT type, version, actor, actor_role FROM events WHERE stream_type = $1 AND stream_id = $2 ORDER BY version', ['incident', id]);
    expect(events.slice(-2).map((e) => [e.type, e.version, e.actor_role])).toEqual([
      ['close', closed.version, 'duty_officer'],
      ['reopen', closed.version + 1, 'duty_officer'],
    ]);
    const audit = await rest('GET', `/audit?entity=incident&id=${id}`, undefined, 'supervisor');
    expect((audit.json.data as { type: string; result: string; role: string }[])[0]).toMatchObject({ type: 'reopen', result: 'ok', role: 'duty_officer' });
    expect(await closedToday()).not.toContain(id);
    // The console saw it come back.
    await waitFor(() => officer.deltas.some((d) => d.changes.some((c) => c.kind === 'incident' && c.incident.id === id && c.incident.status === 'acknowledged' && c.incident.version === closed.version + 1)), { message: 'the console did not see the reopen' });
  });
});
