/**
 * PostgreSQL as the system of record (issue #20), on the real server with a real
 * PostgreSQL, influxd and Mosquitto:
 *   - what the server decides is in the event log and the current-state tables;
 *   - compare-and-set: two commands on the same version give one win, one `conflict`, one event;
 *     and two writers appending the same stream version straight to the database do too;
 *   - read-your-writes: the audit trail read right after a command's answer has its rows;
 *   - an outage under load: PostgreSQL stopped while reports keep coming, then started again.
 *     Commands answer `unavailable` (nothing changes), ingest goes on, and every change made
 *     meanwhile is written when it returns, in order, none lost, none twice.
 */
import mqtt from 'mqtt';
import pg from 'pg';
import { pino } from 'pino';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident, Result } from '../../contract/index.js';
import { topics } from '../../contract/index.js';
import { DbRejectedError, Journal } from '../../server/db/journal.js';
import { migrate } from '../../server/db/migrate.js';
import { createPool } from '../../server/db/pool.js';
import { startPostgres, type PostgresHandle } from '../../server/db/postgres.js';
import { connectConsole, startTestApp, type TestApp, type TestConsole } from '../harness/app.js';
import { startTestInfluxd, type TestInfluxd } from '../harness/influxd.js';
import { startMosquitto, type TestMosquitto } from '../harness/mosquitto.js';
import { freePort } from '../harness/ports.js';
import { createDatabase, postgresTempDir } from '../harness/postgres.js';
import { waitFor } from '../harness/wait.js';

const quiet = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
let influxd: TestInfluxd;
let broker: TestMosquitto;
let pgDir: string;
let pgPort: number;
let postgres: PostgresHandle;
let app: TestApp;
let a: TestConsole;
let b: TestConsole;
let db: pg.Pool;
let reportSeq = 0;

beforeAll(async () => {
  influxd = await startTestInfluxd();
  broker = await startMosquitto();
  // A cluster of this file's own, on a fixed port and folder: the outage test stops it and starts it again.
  pgDir = await postgresTempDir();
  pgPort = await freePort();
  postgres = await startPostgres({ dataDir: pgDir, port: pgPort, logger: quiet });
  app = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env: { DATABASE_URL: postgres.url, DB_COMMAND_TIMEOUT_MS: '1500' } });
  a = await connectConsole(app.url, await app.token('duty_officer'));
  b = await connectConsole(app.url, await app.token('supervisor'));
  db = createPool(postgres.url, { max: 2 });
});
afterAll(async () => {
  a?.close();
  b?.close();
  await db?.end();
  await app?.stop();
  await postgres?.stop();
  await rm(pgDir, { recursive: true, force: true });
  await broker?.stop();
  await influxd?.stop();
});

function emit<T>(c: TestConsole, event: string, body: unknown): Promise<Result<T>> {
  return new Promise((resolve) => (c.socket.emit as unknown as (e: string, b: unknown, ack: (r: Result<T>) => void) => void)(event, body, resolve));
}

/** A fire reported to 114; each one 500 m from the others, so that none joins another's incident (correlation radius 300 m). */
async function report(dev: mqtt.MqttClient, ref: string): Promise<void> {
  const k = ++reportSeq;
  const at = { lon: 106.0 + (k % 25) * 0.0046, lat: 10.0 + Math.floor(k / 25) * 0.0046 };
  const body = { seq: k, ts: Date.now(), channel: 'hotline_115', type: 'fire', severity: 'major', ...at, description: 'Cháy nhà dân', externalRef: ref };
  await dev.publishAsync(topics.incidentReport('hotline-114'), JSON.stringify(body), { qos: 1 });
}

const incidentByRef = (ref: string) => app.operations.incidents.open().find((i) => i.externalRef?.endsWith(ref));

async function rest(path: string, body: unknown, role: 'duty_officer' | 'supervisor' = 'duty_officer'): Promise<{ status: number; json: Result<Incident> }> {
  const res = await fetch(`${app.url}/api${path}`, { method: 'POST', headers: { ...(await app.headers(role)), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Result<Incident> };
}

describe('the system of record in PostgreSQL', () => {
  let incident: Incident;

  it('holds each incident and alert: its current state and one event per stored version', async () => {
    const dev = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    await report(dev, 'SOR-1');
    await dev.endAsync();
    incident = await waitFor(() => incidentByRef('SOR-1'), { message: 'no incident' });
    // Ids no second server can make too: UUIDv7 (version nibble 7, RFC 4122 variant).
    const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(incident.id.replace(/^inc-/, '')).toMatch(UUID7);
    for (const id of incident.alertIds) expect(id.replace(/^al-/, '')).toMatch(UUID7);
    await waitFor(async () => (await db.query('SELECT 1 FROM incidents WHERE id = $1', [incident.id])).rowCount === 1, { message: 'incident not in PostgreSQL' });
    const row = (await db.query<{ version: number; state: Incident; status: string }>('SELECT version, state, status FROM incidents WHERE id = $1', [incident.id])).rows[0]!;
    const now = app.operations.incidents.get(incident.id)!;
    expect(row.version).toBe(now.version);
    expect(row.state).toEqual(now);
    expect(row.status).toBe('new');
    const events = (await db.query<{ version: number; type: string }>("SELECT version, type FROM events WHERE stream_type = 'incident' AND stream_id = $1 ORDER BY version", [incident.id])).rows;
    // One event per version, 1 … n, nothing skipped for an incident.
    expect(events.map((e) => e.version)).toEqual(Array.from({ length: now.version }, (_, k) => k + 1));
    expect(events[0]!.type).toBe('created');
    // Its alert (the report rule's) is there too, linked to it.
    const alerts = (await db.query<{ id: string; incident_id: string }>('SELECT id, incident_id FROM alerts WHERE incident_id = $1', [incident.id])).rows;
    expect(alerts.length).toBeGreaterThan(0);
  });

  it('compare-and-set: two officers acknowledging the same version at once give one win, one conflict, one event', async () => {
    const v = app.operations.incidents.get(incident.id)!.version;
    const [ra, rb] = await Promise.all([emit<Incident>(a, 'incident:acknowledge', { id: incident.id, version: v }), emit<Incident>(b, 'incident:acknowledge', { id: incident.id, version: v })]);
    const results = [ra, rb];
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const lost = results.find((r) => !r.ok) as { ok: false; error: { code: string } };
    expect(lost.error.code).toBe('conflict');
    // The answer came after the write: the event is there now, not eventually.
    const acks = await db.query("SELECT version, actor FROM events WHERE stream_type = 'incident' AND stream_id = $1 AND type = 'acknowledge'", [incident.id]);
    expect(acks.rowCount).toBe(1);
    expect(acks.rows[0].version).toBe(v + 1);
  });

  it('compare-and-set in the database: two writers appending the same stream version, one wins and the other gets a conflict', async () => {
    const pools = [createPool(postgres.url, { max: 1 }), createPool(postgres.url, { max: 1 })];
    try {
      const journals = pools.map((p) => new Journal(p, { log: quiet }));
      const current = app.operations.incidents.get(incident.id)!;
      const next = { ...current, version: current.version + 1, updatedAt: Date.now() };
      const seqs = journals.map((j, k) =>
        j.append({ kind: 'event', eventId: crypto.randomUUID(), stream: 'incident', id: incident.id, version: next.version, type: `writer-${k}`, state: next, actor: `writer-${k}`, at: Date.now() }),
      );
      const outcomes = await Promise.allSettled(journals.map((j, k) => j.flushed(seqs[k])));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(DbRejectedError);
      expect((refused.reason as DbRejectedError).conflict).toBe(true);
      const rows = await db.query('SELECT type FROM events WHERE stream_type = $1 AND stream_id = $2 AND version = $3', ['incident', incident.id, next.version]);
      expect(rows.rowCount).toBe(1);
      await Promise.all(journals.map((j) => j.stop()));
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('read-your-writes: the audit trail asked right after each answer has the row of that command', async () => {
    const dev = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    await report(dev, 'SOR-2');
    await dev.endAsync();
    const inc = await waitFor(() => incidentByRef('SOR-2'), { message: 'no incident' });
    const unit = app.operations.units.list().find((u) => u.status === 'available')!;
    const steps: [string, Record<string, unknown>][] = [
      ['acknowledge', {}],
      ['dispatch', { unitId: unit.id }],
      ['on-scene', {}],
      ['resolve', { note: 'đã dập lửa' }],
      ['close', { note: 'đã bàn giao hiện trường' }],
    ];
    for (const [k, [step, extra]] of steps.entries()) {
      const version = app.operations.incidents.get(inc.id)!.version;
      const r = await rest(`/incidents/${inc.id}/${step}`, { version, ...extra });
      expect(r.status, `${step}: ${JSON.stringify(r.json)}`).toBe(200);
      const audit = await fetch(`${app.url}/api/audit?entity=incident&id=${inc.id}`, { headers: await app.headers('supervisor') });
      const rows = ((await audit.json()) as { data: { type: string; by: string; role: string }[] }).data;
      // Every command so far, at once: no lag behind what the officer just did.
      expect(rows.filter((x) => x.role === 'duty_officer').map((x) => x.type).reverse()).toEqual(steps.slice(0, k + 1).map(([s]) => s.replace('-', '_')));
      expect(rows[0]).toMatchObject({ role: 'duty_officer', address: expect.stringMatching(/127\.0\.0\.1/) });
    }
  });

  it('an outage under load: commands answer `unavailable`, ingest goes on, and what happened meanwhile is written in order when it returns', async () => {
    const dev = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    const before = Number((await db.query('SELECT count(*) AS n FROM events')).rows[0].n);
    let sent = 0;
    let stop = false;
    // Reports keep coming, 20 a second, through the whole outage.
    const load = (async () => {
      while (!stop) {
        await report(dev, `LOAD-${++sent}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    await postgres.stop();
    // The journal notices at its next write (within a batch of the load).
    await waitFor(async () => !((await (await fetch(`${app.url}/api/health`)).json()) as { database: { reachable: boolean } }).database.reachable, {
      timeoutMs: 10_000,
      message: 'health never said the database is away',
    });
    const sentAtDown = sent;
    const target = app.operations.incidents.open().find((i) => i.status === 'new')!;
    const res = await rest(`/incidents/${target.id}/acknowledge`, { version: target.version });
    expect(res.status).toBe(503);
    expect(res.json).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect((res.json as { error: { message: string } }).error.message).toMatch(/database is not answering.*nothing was changed/);
    expect(app.operations.incidents.get(target.id)!.status).toBe('new');
    const viaSocket = await emit(a, 'incident:acknowledge', { id: target.id, version: target.version });
    expect(viaSocket).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    // Ingest goes on: incidents keep arriving on the consoles while the database is away.
    await waitFor(() => incidentByRef(`LOAD-${sentAtDown + 20}`), { timeoutMs: 10_000, message: 'ingest stopped with the database' });
    const pendingDuring = ((await (await fetch(`${app.url}/api/health`)).json()) as { database: { pending: number } }).database.pending;
    expect(pendingDuring).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1000));
    postgres = await startPostgres({ dataDir: pgDir, port: pgPort, logger: quiet });
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await load;
    await dev.endAsync();
    // Every report became an incident, and every one is in PostgreSQL once the queue drains.
    await waitFor(() => incidentByRef(`LOAD-${sent}`), { timeoutMs: 10_000, message: 'last report never arrived' });
    await waitFor(async () => ((await (await fetch(`${app.url}/api/health`)).json()) as { database: { pending: number; reachable: boolean } }).database.pending === 0, {
      timeoutMs: 15_000,
      message: 'the kept changes were never written',
    });
    await db.end();
    db = createPool(postgres.url, { max: 2 });
    const refs = (await db.query<{ external_ref: string }>("SELECT external_ref FROM incidents WHERE external_ref LIKE '%LOAD-%'")).rows.map((r) => r.external_ref.replace(/.*LOAD-/, ''));
    expect(new Set(refs).size).toBe(sent);
    expect(refs).toHaveLength(sent);
    // Each stored state equals the one in memory: nothing lost on the way.
    for (const inc of app.operations.incidents.open().filter((i) => i.externalRef?.includes('LOAD-'))) {
      const row = (await db.query<{ state: Incident }>('SELECT state FROM incidents WHERE id = $1', [inc.id])).rows[0]!;
      expect(row.state).toEqual(inc);
    }
    // The alerts the reports raised meanwhile: each one stored, as it is in memory.
    const loadAlerts = app.operations.incidents
      .open()
      .filter((i) => i.externalRef?.includes('LOAD-'))
      .flatMap((i) => i.alertIds.map((id) => app.operations.alerts.get(id)!))
      .filter((al) => al && al.count === 1);
    expect(loadAlerts.length).toBeGreaterThanOrEqual(sent);
    for (const al of loadAlerts) {
      const row = (await db.query<{ state: unknown }>('SELECT state FROM alerts WHERE id = $1', [al.id])).rows[0];
      expect(row?.state, `alert ${al.id}`).toEqual(al);
    }
    // In order: within every stream, versions rise with the write order; and never twice.
    const disorder = await db.query(`
      SELECT stream_type, stream_id FROM (
        SELECT stream_type, stream_id, version, lag(version) OVER (PARTITION BY stream_type, stream_id ORDER BY global_seq) AS prev FROM events) e
      WHERE prev IS NOT NULL AND version <= prev`);
    expect(disorder.rowCount).toBe(0);
    const twice = await db.query('SELECT event_id FROM events GROUP BY event_id HAVING count(*) > 1');
    expect(twice.rowCount).toBe(0);
    const after = Number((await db.query('SELECT count(*) AS n FROM events')).rows[0].n);
    expect(after - before).toBeGreaterThanOrEqual(sent);
    // Commands work again.
    const again = app.operations.incidents.get(target.id)!;
    const ok = await rest(`/incidents/${again.id}/acknowledge`, { version: again.version });
    expect(ok.status).toBe(200);
    console.info(`[system-of-record] outage: ${sent} reports sent, ${sent - sentAtDown} after the stop; ${pendingDuring} changes were waiting mid-outage; ${after - before} events written`);
  });
});

describe('migrations at start', () => {
  it('an app on a database at the first schema version brings it to the last', async () => {
    await waitFor(async () => (await db.query('SELECT 1')).rowCount === 1, { message: 'PostgreSQL is not back' });
    const url = new URL(await createDatabase(postgres.url, 'sor_old'));
    await migrate(url.toString(), quiet, { count: 1 });
    const old = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env: { DATABASE_URL: url.toString() } });
    try {
      const c = new pg.Client({ connectionString: url.toString() });
      await c.connect();
      const names = (await c.query<{ name: string }>('SELECT name FROM pgmigrations ORDER BY id')).rows.map((r) => r.name);
      await c.end();
      expect(names.length).toBeGreaterThan(1);
      expect(names[0]).toMatch(/^0001_/);
    } finally {
      await old.stop();
    }
  });
});
