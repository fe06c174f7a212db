/**
 * Issue #23 part 1, video-conference points, end to end on the whole app (real influxd,
 * Mosquitto, PostgreSQL) with the test town's three points: statuses over MQTT
 * (`ioc/v1/vc/{pointId}/status`) → InfluxDB and the board; a meeting scheduled by a
 * supervisor over REST (PostgreSQL) → a required point offline before the start raises an
 * alert naming what it is behind (the commune's fiber link cut) → readiness by commune for
 * the console and the wall → call quality during the meeting → cancelling ends its alerts.
 * The server's clock is moved forward to reach the meeting (no sleeping).
 */
import { describe, expect, it } from 'vitest';
import type { Alert, AlertOf } from '../../contract/index.js';
import { topics } from '../../contract/index.js';
import type { Meeting, VcBoardView } from '../../contract/vc.js';
import { connectConsole } from '../harness/app.js';
import { appStackForFile } from '../harness/stack.js';
import { waitFor } from '../harness/wait.js';

let shiftMs = 0;
const stack = appStackForFile({ env: { DEVICE_STALE_S: '3600' }, now: () => Date.now() + shiftMs });
const MIN = 60_000;

const open = (rule: string) => stack().app.operations.alerts.open().filter((a) => a.rule === rule) as Alert[];

async function board(): Promise<VcBoardView> {
  const { app } = stack();
  const res = await fetch(`${app.url}/api/vc`, { headers: await app.headers('wall') });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: VcBoardView }).data;
}

async function schedule(body: unknown, role: 'supervisor' | 'duty_officer' = 'supervisor') {
  const { app } = stack();
  const res = await fetch(`${app.url}/api/vc/meetings`, { method: 'POST', headers: { ...(await app.headers(role)), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { ok: boolean; data?: Meeting; error?: { message: string } } };
}

const vc = (id: string, body: Record<string, unknown>) => stack().send(topics.vcStatus(id), id, body, { retain: true });

describe('video-conference points', () => {
  let meeting: Meeting;

  it('takes statuses into InfluxDB and the board; refuses unknown points and bad payloads in feed health', async () => {
    const { app } = stack();
    await vc('tt-vc-a', { state: 'online', lastTestCallAt: Date.now() - 5 * MIN, lastTestCallOk: true, lossPct: 0.1, jitterMs: 8, rttMs: 45 });
    await vc('tt-vc-b', { state: 'online', lossPct: 0.2, jitterMs: 10, rttMs: 60 });
    await vc('tt-vc-c', { state: 'offline' });
    await vc('tt-vc-zz', { state: 'online' });
    await vc('tt-vc-a', { state: 'busy' });
    await waitFor(async () => (await board()).points.filter((p) => p.state !== 'unknown').length === 3, { message: 'three points on the board' });
    const b = await board();
    expect(b.points.find((p) => p.id === 'tt-vc-a')).toMatchObject({ state: 'online', wardId: 'tt-a', lossPct: 0.1, jitterMs: 8, rttMs: 45, lastTestCallOk: true, stale: false });
    // No meeting yet: readiness is over every point.
    expect(b.readiness).toMatchObject({ meeting: null, ready: 2, expected: 3 });

    const vcFeed = await waitFor(async () => {
      const res = await fetch(`${app.url}/api/feeds/health`, { headers: await app.headers('duty_officer') });
      const f = ((await res.json()) as { feeds: { feed: string; messages: number; rejected: Record<string, number> }[] }).feeds.find((x) => x.feed === 'vc')!;
      return f.rejected.unknown_point && f.rejected.schema ? f : null;
    }, { message: 'vc rejects counted' });
    expect(vcFeed).toMatchObject({ messages: 3, rejected: { unknown_point: 1, schema: 1 } });
    const rows = await waitFor(async () => {
      const r = await app.influx.query<{ point: string; state: string }>(`SELECT "state", "point" FROM "raw"."vc_status" WHERE time > now() - 1h`);
      return r.length >= 3 ? r : null;
    }, { message: 'vc_status points in InfluxDB' });
    expect(new Set(rows.map((r) => r.point))).toEqual(new Set(['tt-vc-a', 'tt-vc-b', 'tt-vc-c']));
  });

  it('lets a supervisor schedule a meeting, not a duty officer; refuses unknown points and bad bodies', async () => {
    const startsAt = Date.now() + 10 * MIN;
    expect((await schedule({ title: 'x', startsAt, pointIds: ['tt-vc-a'] }, 'duty_officer')).status).toBe(403);
    expect((await schedule({ title: 'x', startsAt, pointIds: ['tt-vc-nope'] })).body.error?.message).toMatch(/no such video-conference point: tt-vc-nope/);
    expect((await schedule({ title: '', startsAt, pointIds: ['tt-vc-a'] })).status).toBe(400);
    expect((await schedule({ title: 'x', startsAt: Date.now() - 600 * MIN, durationMin: 60, pointIds: ['tt-vc-a'] })).body.error?.message).toMatch(/already be over/);
    const r = await schedule({ title: 'Giao ban trực tuyến UBND tỉnh', startsAt, durationMin: 60, pointIds: ['tt-vc-a', 'tt-vc-b', 'tt-vc-c'] });
    expect(r.status).toBe(201);
    meeting = r.body.data!;
    expect(meeting).toMatchObject({ title: 'Giao ban trực tuyến UBND tỉnh', durationMin: 60, createdBy: expect.any(String), cancelledAt: null });
    expect((await board()).meetings.map((m) => m.id)).toEqual([meeting.id]);
  });

  it('raises an alert for a required point offline before the start, naming the cut link, on the console; readiness by commune', async () => {
    const { app, send } = stack();
    const c = await connectConsole(app.url, await app.token('duty_officer'));
    try {
      await send(topics.linkStatus('tt-fo-c'), 'tt-fo-c', { state: 'down' }, { retain: true });
      // Raised as soon as the meeting was scheduled (the point was already offline), with no cause
      // yet: the cut, reported now, is named on the same alert.
      const [alert] = await waitFor(() => {
        const a = open('vc_not_ready') as AlertOf<'vc_not_ready'>[];
        return a.length && a[0]!.data.cause ? a : null;
      }, { message: 'vc_not_ready naming its cause' });
      expect(open('vc_not_ready')).toHaveLength(1);
      expect(alert).toMatchObject({ source: { kind: 'vc', id: 'tt-vc-c' }, wardId: 'tt-c', severity: 'major', data: { meetingId: meeting.id, pointId: 'tt-vc-c', state: 'offline', cause: { kind: 'link', id: 'tt-fo-c' } } });
      expect(alert!.title).toContain('do đứt cáp quang Nhánh Phường C');
      await waitFor(() => c.deltas.flatMap((d) => d.changes).some((ch) => ch.kind === 'alert' && ch.alert.id === alert!.id), { message: 'alert on the console' });

      const r = (await board()).readiness;
      expect(r).toMatchObject({ meeting: { id: meeting.id }, ready: 2, expected: 3 });
      expect(r.wards[0]).toEqual({ wardId: 'tt-c', ready: 0, expected: 1 });

      // The point comes back: the alert clears.
      await vc('tt-vc-c', { state: 'online', lossPct: 0.3, jitterMs: 12, rttMs: 70 });
      await waitFor(() => open('vc_not_ready').length === 0, { message: 'vc_not_ready cleared' });
      expect((await board()).readiness).toMatchObject({ ready: 3, expected: 3 });
    } finally {
      c.close();
    }
  });

  it('during the meeting, raises poor call quality and clears it; cancelling the meeting ends its alerts', async () => {
    shiftMs = 11 * MIN; // the meeting is under way
    await vc('tt-vc-b', { state: 'in_session', lossPct: 6.5, jitterMs: 55, rttMs: 120 });
    const [q] = await waitFor(() => {
      const a = open('vc_quality');
      return a.length ? a : null;
    }, { message: 'vc_quality raised' });
    expect(q).toMatchObject({ source: { id: 'tt-vc-b' }, data: { lossPct: 6.5, jitterMs: 55 } });
    await vc('tt-vc-b', { state: 'in_session', lossPct: 0.4, jitterMs: 9, rttMs: 60 });
    await waitFor(() => open('vc_quality').length === 0, { message: 'vc_quality cleared' });

    // A point dropping during the meeting is not ready again; cancelling ends that alert too.
    await vc('tt-vc-a', { state: 'offline' });
    await waitFor(() => open('vc_not_ready').length === 1, { message: 'point a not ready' });
    const { app } = stack();
    expect((await fetch(`${app.url}/api/vc/meetings/${meeting.id}`, { method: 'DELETE', headers: await app.headers('duty_officer') })).status).toBe(403);
    const res = await fetch(`${app.url}/api/vc/meetings/${meeting.id}`, { method: 'DELETE', headers: await app.headers('supervisor') });
    expect(res.status).toBe(200);
    await waitFor(() => open('vc_not_ready').length === 0, { message: 'alerts of a cancelled meeting cleared' });
    expect((await board()).meetings).toEqual([]);
    expect((await fetch(`${app.url}/api/vc/meetings/${meeting.id}`, { method: 'DELETE', headers: await app.headers('supervisor') })).status).toBe(404);
    shiftMs = 0;
  });
});
