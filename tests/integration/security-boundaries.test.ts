/**
 * Issue #19, tried from outside against the real server (real influxd, real
 * Mosquitto): login guessing stopped at the limit whatever the spelling and
 * however parallel, an account never locked outright, the client address from
 * a trusted proxy; Socket.IO events outside the permission table refused,
 * commands and notes bounded, audiences de-duplicated, capped and freed; the
 * wall's picture without plates, notes or callers' words; no credentials in
 * /api/health; data files readable by the server alone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { io as ioClient } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, Incident, Result } from '../../contract/index.js';
import { topics } from '../../contract/index.js';
import { connectConsole, startTestApp, type TestApp, type TestConsole } from '../harness/app.js';
import { bearer, testPassword } from '../harness/auth.js';
import { startTestInfluxd, type TestInfluxd } from '../harness/influxd.js';
import { startMosquitto, type TestMosquitto } from '../harness/mosquitto.js';
import { waitFor } from '../harness/wait.js';
import { dataOf } from '../fixtures/domain.js';

let influxd: TestInfluxd;
let broker: TestMosquitto;
let app: TestApp;
const open: TestConsole[] = [];
const spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-sec-spool-'));

beforeAll(async () => {
  influxd = await startTestInfluxd();
  broker = await startMosquitto();
  // Credentials in INFLUX_URL: influxd (auth off) ignores them; /api/health must not show them.
  const withCreds = influxd.url.replace('http://', 'http://ioc-writer:s3cret-in-url@');
  app = await startTestApp({
    mqttUrl: broker.url,
    influxUrl: withCreds,
    env: {
      RATE_LIMIT_LOGIN_PER_MIN: '100000',
      TRUST_PROXY: '1',
      PUSH_MAX_AUDIENCES: '3',
      INCIDENT_MAX_NOTES: '3',
      SOCKET_COMMANDS_PER_S: '5',
      SPOOL_DIR: spoolDir,
    },
  });
});
afterAll(async () => {
  for (const c of open) c.close();
  await app?.stop();
  await broker?.stop();
  await influxd?.stop();
  fs.rmSync(spoolDir, { recursive: true, force: true });
});

const login = (username: string, password: string, from?: string) =>
  fetch(`${app.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(from ? { 'x-forwarded-for': from } : {}) },
    body: JSON.stringify({ username, password }),
  });

function emit<T>(c: TestConsole, event: string, body: unknown): Promise<Result<T>> {
  return new Promise((resolve) => (c.socket.emit as unknown as (e: string, b: unknown, ack: (r: Result<T>) => void) => void)(event, body, resolve));
}
function resync(c: TestConsole): Promise<Result<unknown>> {
  return new Promise((resolve) => c.socket.emit('state:resync', resolve as never));
}
async function consoleOf(role: 'duty_officer' | 'responder' | 'wall' | 'supervisor', auth: Record<string, unknown> = {}): Promise<TestConsole> {
  const c = await connectConsole(app.url, await app.token(role), auth);
  open.push(c);
  return c;
}

describe('login', () => {
  it('stops sixty parallel guesses at the limit: each is counted before its hash', async () => {
    // Waves of sixty at once until the pair (user, address) is locked. Counted after the hash,
    // the two in flight at the fifth failure would both be checked: six or more. Counted before, five.
    const statuses: number[] = [];
    let first: number[] = [];
    for (let wave = 0; wave < 10; wave++) {
      const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => login('supervisor', `wrong-guess-${wave}-${i}`, '198.51.100.7')));
      const s = answers.map((r) => r.status);
      if (wave === 0) first = s;
      statuses.push(...s);
      if (answers.some((r) => r.status === 429 && r.headers.get('retry-after') && Number(r.headers.get('retry-after')) > 1)) break;
    }
    // At most two checked at once (AUTH_MAX_CONCURRENT_PER_USER), the rest of the wave refused unread.
    expect(first.filter((s) => s === 401).length).toBeLessThanOrEqual(2);
    expect(first.filter((s) => s === 429).length).toBeGreaterThanOrEqual(58);
    // AUTH_MAX_FAILURES = 5 passwords compared in all, and not one more.
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    // The right password from the locked address is refused too, with Retry-After…
    const locked = await login('supervisor', testPassword('supervisor'), '198.51.100.7');
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(1);
  });

  it('never locks the account: the officer gets in from another address (slowed down, not refused)', async () => {
    const t0 = Date.now();
    const res = await login('supervisor', testPassword('supervisor'), '203.0.113.9');
    expect(res.status).toBe(200);
    // Past AUTH_MAX_FAILURES failures the username waits before its check (250 ms and up).
    expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
  });

  it('caps logins in flight per username: a burst from many addresses gets 429 beyond two at once', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => login('responder', `nope-nope-nope-${i}`, `192.0.2.${i + 1}`)));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
  });

  it('takes the client address from the trusted proxy (TRUST_PROXY=1) into the audit trail', async () => {
    await login('duty-officer', 'definitely-wrong-pw', '203.0.113.77');
    const headers = await app.headers('admin');
    const rows = await waitFor(
      async () => {
        const r = (await (await fetch(`${app.url}/api/audit?entity=auth&limit=500`, { headers })).json()) as { ok: boolean; data: { type: string; note?: string; id: string }[] };
        return r.data.find((e) => e.type === 'login_failed' && e.id === 'duty-officer' && e.note?.includes('203.0.113.77'));
      },
      { message: 'no login_failed audit row with the forwarded address' },
    );
    expect(rows.note).toContain('ip 203.0.113.77');
  });
});

describe('Socket.IO', () => {
  it('refuses an event missing from the permission table, and one the role may not send', async () => {
    const officer = await consoleOf('duty_officer');
    const bogus = await emit(officer, 'admin:shutdown', { id: 'x' });
    expect(bogus).toEqual({ ok: false, error: { code: 'forbidden', message: 'no such event' } });
    const wall = await consoleOf('wall');
    const ack = await emit(wall, 'alert:acknowledge', { id: 'x', version: 1 });
    expect(ack.ok).toBe(false);
    expect(!ack.ok && ack.error.code).toBe('forbidden');
    expect((await resync(wall)).ok).toBe(true);
  });

  it('rate-limits commands per user, over sockets and REST alike', async () => {
    const officer = await consoleOf('supervisor');
    const answers = await Promise.all(Array.from({ length: 30 }, () => emit(officer, 'incident:note', { id: 'no-such-incident', note: 'x' })));
    const limited = answers.filter((a) => !a.ok && a.error.code === 'unavailable').length;
    // SOCKET_COMMANDS_PER_S = 5: a burst of 10 passes (to its not_found), the rest wait.
    expect(limited).toBeGreaterThanOrEqual(18);
    const rest = await fetch(`${app.url}/api/incidents/no-such-incident/notes`, { method: 'POST', headers: { ...(await app.headers('supervisor')), 'content-type': 'application/json' }, body: JSON.stringify({ note: 'x' }) });
    expect(rest.status).toBe(503);
  });

  it('bounds notes per incident (INCIDENT_MAX_NOTES)', async () => {
    const officer = await consoleOf('duty_officer');
    const dev = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    await dev.publishAsync(topics.incidentReport('hotline-115'), JSON.stringify({ seq: 1, ts: Date.now(), channel: 'hotline_115', type: 'medical', severity: 'major', lat: 10.0051, lon: 106.0052, description: 'Ngã xe', externalRef: 'NOTES-1' }), { qos: 1 });
    await dev.endAsync();
    const inc = await waitFor(() => app.operations.incidents.open().find((i) => i.externalRef?.endsWith('NOTES-1')));
    const notes: Result<Incident>[] = [];
    for (let i = 0; i < 4; i++) {
      notes.push(await emit<Incident>(officer, 'incident:note', { id: inc.id, note: `ghi chú ${i}` }));
      await new Promise((r) => setTimeout(r, 250)); // within SOCKET_COMMANDS_PER_S
    }
    expect(notes.map((n) => n.ok)).toEqual([true, true, true, false]);
    expect(!notes[3]!.ok && notes[3]!.error.code).toBe('conflict');
    expect(app.operations.incidents.get(inc.id)!.timeline.filter((e) => e.action === 'note')).toHaveLength(3);
  });

  it('de-duplicates audiences, caps them in total, and frees one when its last screen leaves', async () => {
    // Only the city's stream is left once the earlier screens have gone (it is never dropped).
    for (const c of open.splice(0)) c.close();
    await waitFor(() => app.push.audienceCount === 1, { message: 'earlier audiences not freed' });
    const a = await consoleOf('duty_officer', { wards: ['tt-a'] });
    const sameA = await consoleOf('duty_officer', { wards: ['tt-a', 'tt-a', 'tt-a', 'tt-a', 'tt-a'] });
    expect(sameA.snapshots[0]!.epoch).toBe(a.snapshots[0]!.epoch); // one stream for both
    expect(app.push.audienceCount).toBe(2);
    const b = await consoleOf('duty_officer', { wards: ['tt-b', 'tt-b'] });
    expect(app.push.audienceCount).toBe(3); // PUSH_MAX_AUDIENCES = 3
    // Every ward at once is the city itself, not another audience.
    const all = await consoleOf('duty_officer', { wards: ['tt-c', 'tt-b', 'tt-a'] });
    expect(app.push.audienceCount).toBe(3);
    const city = await consoleOf('duty_officer');
    expect(app.push.audienceCount).toBe(3);
    expect(all.snapshots[0]!.incidents.length).toBe(city.snapshots[0]!.incidents.length);
    expect(all.snapshots[0]!.epoch).toBe(city.snapshots[0]!.epoch);
    // Now full: a new distinct audience is refused with a reason, and nothing is allocated for it.
    const before = app.push.audienceCount;
    const refused = await new Promise<{ message: string; data?: { code: string } }>((resolve) => {
      const s = ioClient(app.url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token: '', wards: ['tt-a', 'tt-c'] } });
      void app.token('duty_officer').then((token) => {
        s.auth = { token, wards: ['tt-a', 'tt-c'] };
        s.connect();
      });
      s.on('connect_error', (err) => {
        s.close();
        resolve(err as never);
      });
    });
    expect(refused.message).toBe('unavailable');
    expect(refused.data?.code).toBe('unavailable');
    expect(app.push.audienceCount).toBe(before);
    // The last screen of tt-a leaves: its stream goes, and room is made.
    a.close();
    sameA.close();
    await waitFor(() => app.push.audienceCount < before, { message: 'the audience was not freed' });
    const again = await consoleOf('duty_officer', { wards: ['tt-a', 'tt-c'] });
    expect(again.snapshots).toHaveLength(1);
    b.close();
    all.close();
  });
});

describe('the wall', () => {
  it('sees the city without plates, notes, callers’ words or references', async () => {
    const wall = await consoleOf('wall');
    const officer = await consoleOf('duty_officer');
    const dev = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    await dev.publishAsync(topics.cameraDetection('tt-cam-1'), JSON.stringify({ seq: 1, ts: Date.now(), kind: 'accident', confidence: 0.97, lat: 10.0051, lon: 106.0052, plate: '85A-123.45' }), { qos: 1 });
    await dev.publishAsync(
      topics.incidentReport('hotline-115'),
      JSON.stringify({ seq: 2, ts: Date.now(), channel: 'hotline_115', type: 'traffic_accident', severity: 'critical', lat: 10.0052, lon: 106.0053, description: 'Hai xe va chạm, gọi từ 0912345678', reporter: 'Nguyễn Văn A 0912345678', externalRef: 'CALL-WALL-1' }),
      { qos: 1 },
    );
    await dev.endAsync();
    const incOf = (c: TestConsole, id: string) =>
      c.deltas
        .flatMap((d) => d.changes)
        .filter((ch): ch is { kind: 'incident'; incident: Incident } => ch.kind === 'incident' && ch.incident.id === id)
        .at(-1)?.incident;
    // The call and the camera's accident 20 m apart are one incident (correlated): the one holding the call.
    const officerInc = await waitFor(() => app.operations.incidents.open().find((i) => JSON.stringify(i).includes('Hai xe va chạm')), { message: 'no incident from the call' });
    const id = officerInc.id;
    // The officers see the caller; add a note as well.
    await emit(officer, 'incident:note', { id, note: 'Người báo: 0912345678, cần xe cứu thương' });
    await waitFor(() => wall.deltas.flatMap((d) => d.changes).some((ch) => ch.kind === 'incident' && ch.incident.id === id && ch.incident.timeline.some((e) => e.action === 'note')));
    const alertOf = (c: TestConsole) => c.deltas.flatMap((d) => d.changes).find((ch): ch is { kind: 'alert'; alert: Alert } => ch.kind === 'alert' && ch.alert.rule === 'detection_accident')?.alert;
    await waitFor(() => alertOf(wall) && alertOf(officer));
    expect(dataOf(alertOf(officer), 'detection_accident').plate).toBe('85A-123.45');
    // Everything the wall received, deltas and a fresh snapshot, holds none of it.
    const fresh = await resync(wall);
    expect(fresh.ok).toBe(true);
    const everything = JSON.stringify([wall.snapshots, wall.deltas, fresh]);
    for (const secret of ['85A-123.45', '0912345678', 'Nguyễn Văn A', 'CALL-WALL-1', 'cần xe cứu thương', 'Hai xe va chạm']) expect(everything).not.toContain(secret);
    expect(incOf(wall, id)).toMatchObject({ id, severity: 'critical', description: '', externalRef: null });
    expect(JSON.stringify(incOf(officer, id))).toContain('0912345678');
    // And over REST the wall reads its panels only.
    const h = bearer(await app.token('wall'));
    expect((await fetch(`${app.url}/api/incidents`, { headers: h })).status).toBe(403);
    expect((await fetch(`${app.url}/api/alerts`, { headers: h })).status).toBe(403);
    expect((await fetch(`${app.url}/api/wall/today`, { headers: h })).status).toBe(200);
  });
});

describe('secrets', () => {
  it('/api/health shows no credentials of INFLUX_URL', async () => {
    const text = await (await fetch(`${app.url}/api/health`)).text();
    expect(text).not.toContain('s3cret-in-url');
    expect(text).not.toContain('ioc-writer');
    expect(JSON.parse(text).influx.url).toMatch(/^http:\/\/\*\*\*@127\.0\.0\.1:\d+$/);
  });

  it('keeps the spool and the account files to the server alone (0600 files, 0700 folders)', async () => {
    await waitFor(() => fs.readdirSync(spoolDir).some((f) => f.endsWith('.lp')));
    const mode = (p: string) => fs.statSync(p).mode & 0o777;
    expect(mode(spoolDir)).toBe(0o700);
    for (const f of fs.readdirSync(spoolDir)) expect([f, mode(path.join(spoolDir, f))]).toEqual([f, 0o600]);
    const authDir = app.config.AUTH_DIR;
    for (const f of fs.readdirSync(authDir)) expect([f, mode(path.join(authDir, f))]).toEqual([f, 0o600]);
  });
});
