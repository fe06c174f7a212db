/**
 * Commands on any instance (issue #21), two instances in this process on one PostgreSQL,
 * Mosquitto, influxd and Redis: PostgreSQL's version check decides between two officers on two
 * servers, a unit is never dispatched to two incidents, every instance shows what the other
 * changed, a deposed leader's writes are refused by the database, a standby sends ingest to
 * the leader, and each instance names itself in /metrics.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, Incident, Result, Unit } from '../../contract/index.js';
import { topics } from '../../contract/index.js';
import { DbRejectedError, Journal } from '../../server/db/journal.js';
import { createPool } from '../../server/db/pool.js';
import { connectConsole, startTestApp, testDatabase, type TestApp, type TestConsole } from '../harness/app.js';
import { queryRows } from '../harness/postgres.js';
import { startTestInfluxd, type TestInfluxd } from '../harness/influxd.js';
import { startMosquitto, type TestMosquitto } from '../harness/mosquitto.js';
import { startRedis, type TestRedis } from '../harness/redis.js';
import { waitFor } from '../harness/wait.js';

let influxd: TestInfluxd;
let broker: TestMosquitto;
let redis: TestRedis;
let dbUrl: string;
/** One statement on the cluster's database. */
const query = <T extends pg.QueryResultRow>(sql: string, values: unknown[] = []) => queryRows<T>(dbUrl, sql, values);
let a: TestApp;
let b: TestApp;
let onA: TestConsole;
let onB: TestConsole;
const dirs: string[] = [];

beforeAll(async () => {
  [influxd, broker, redis] = await Promise.all([startTestInfluxd(), startMosquitto({ extraConfig: 'max_inflight_messages 1000' }), startRedis()]);
  dbUrl = await testDatabase('ioc_cluster_commands');
  const spool = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-cc-spool-'));
    dirs.push(d);
    return d;
  };
  const common = {
    CLUSTER: 'true',
    DATABASE_URL: dbUrl,
    REDIS_URL: redis.url,
    INFLUX_DATABASE: `ioc_cluster_commands_${process.pid}`,
    AUTH_SECRET: 'cluster-commands-test-key-0123456789abcdef',
    MQTT_CLUSTER_CLIENT_ID: `ioc-cc-leader-${process.pid}`,
    SOCKET_COMMANDS_PER_S: '100',
  };
  a = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env: { ...common, INSTANCE_ID: 'a', SPOOL_DIR: spool() } });
  b = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env: { ...common, INSTANCE_ID: 'b', SPOOL_DIR: spool() } });
  onA = await connectConsole(a.url, await a.token('duty_officer'));
  onB = await connectConsole(b.url, await b.token('duty_officer'));
}, 60_000);

afterAll(async () => {
  onA?.close();
  onB?.close();
  await b?.stop();
  await a?.stop();
  await Promise.allSettled([influxd?.stop(), broker?.stop(), redis?.stop()]);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
}, 60_000);

function emit<T>(c: TestConsole, event: string, body: unknown): Promise<Result<T>> {
  return new Promise((resolve) => (c.socket.emit as unknown as (e: string, b: unknown, ack: (r: Result<T>) => void) => void)(event, body, resolve));
}
const changes = (c: TestConsole) => c.deltas.flatMap((d) => d.changes);
const lastAlert = (c: TestConsole, id: string) => changes(c).filter((ch): ch is { kind: 'alert'; alert: Alert } => ch.kind === 'alert' && ch.alert.id === id).map((ch) => ch.alert).at(-1);
const lastIncident = (c: TestConsole, id: string) =>
  changes(c)
    .filter((ch): ch is { kind: 'incident'; incident: Incident } => ch.kind === 'incident' && ch.incident.id === id)
    .map((ch) => ch.incident)
    .at(-1);
const lastUnit = (c: TestConsole, id: string) =>
  changes(c)
    .filter((ch): ch is { kind: 'unit'; unit: Unit } => ch.kind === 'unit' && ch.unit.id === id)
    .map((ch) => ch.unit)
    .at(-1);

let seq = 1;
async function publish(topic: string, body: Record<string, unknown>): Promise<void> {
  const dev = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
  await dev.publishAsync(topic, JSON.stringify({ seq: seq++, ts: Date.now(), ...body }), { qos: 1 });
  await dev.endAsync();
}
async function report(ref: string, lon: number, lat: number): Promise<Incident> {
  await publish(topics.incidentReport('hotline-115'), { channel: 'hotline_115', type: 'medical', severity: 'major', lat, lon, description: `cuộc gọi ${ref}`, externalRef: ref });
  // Raised on the leader (a), followed by b from PostgreSQL's event log.
  const onBoth = await waitFor(() => {
    const x = changes(onA).find((ch) => ch.kind === 'incident' && ch.incident.externalRef?.endsWith(ref)) as { incident: Incident } | undefined;
    return x && lastIncident(onB, x.incident.id) ? x.incident : null;
  }, { message: `incident ${ref} not on both instances` });
  return onBoth;
}

describe('commands on any instance', () => {
  it('a leads, b stands by; each names itself in /api/health and /metrics', async () => {
    await waitFor(async () => (await a.healthReport()).cluster.role === 'leader' && (await b.healthReport()).cluster.leader === 'a');
    expect((await b.healthReport()).cluster).toMatchObject({ instance: 'b', role: 'standby', leading: false, leader: 'a' });
    const metricsA = await (await fetch(`${a.url}/metrics`)).text();
    const metricsB = await (await fetch(`${b.url}/metrics`)).text();
    expect(metricsA).toMatch(/ioc_cluster_leading\{instance_id="a"\} 1/);
    expect(metricsB).toMatch(/ioc_cluster_leading\{instance_id="b"\} 0/);
    expect(metricsB).toMatch(/ioc_process_process_cpu_user_seconds_total\{instance_id="b"\}/);
  });

  it('what an officer does on one instance shows on the other', async () => {
    const inc = await report('CC-1', 106.0052, 10.0051);
    const r = await emit<Incident>(onB, 'incident:acknowledge', { id: inc.id, version: lastIncident(onB, inc.id)!.version });
    expect(r.ok).toBe(true);
    const seen = await waitFor(() => (lastIncident(onA, inc.id)?.status === 'acknowledged' ? lastIncident(onA, inc.id) : null), { message: 'the leader never showed the standby’s acknowledgement' });
    expect(seen.acknowledgedAt).not.toBeNull();
    expect(a.operations.incidents.get(inc.id)?.version).toBe(b.operations.incidents.get(inc.id)?.version);
  });

  it('two officers on two servers acknowledge the same alert at once: one wins, the other gets `conflict`, and both show the winner', async () => {
    await publish(topics.cameraDetection('tt-cam-2'), { kind: 'accident', confidence: 0.95, lat: 10.002, lon: 106.025 });
    const alert = await waitFor(() => {
      const x = changes(onA).find((ch) => ch.kind === 'alert' && ch.alert.rule === 'detection_accident') as { alert: Alert } | undefined;
      return x && lastAlert(onB, x.alert.id) ? lastAlert(onB, x.alert.id) : null;
    }, { message: 'the accident alert never reached both instances' });
    // Repeats held back for PostgreSQL keep the version: both consoles name the same one.
    expect(lastAlert(onA, alert.id)!.version).toBe(alert.version);
    const [ra, rb] = await Promise.all([emit<Alert>(onA, 'alert:acknowledge', { id: alert.id, version: alert.version }), emit<Alert>(onB, 'alert:acknowledge', { id: alert.id, version: alert.version })]);
    const results = [ra, rb];
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const lost = results.find((r) => !r.ok)!;
    expect(!lost.ok && lost.error.code).toBe('conflict');
    const rows = await query<{ version: number; status: string }>('SELECT version, status FROM alerts WHERE id = $1', [alert.id]);
    expect(rows[0]).toEqual({ version: alert.version + 1, status: 'acknowledged' });
    // The loser's instance re-read the alert: both instances and both consoles show the winner.
    await waitFor(() => a.operations.alerts.get(alert.id)?.version === alert.version + 1 && b.operations.alerts.get(alert.id)?.version === alert.version + 1);
    expect(a.operations.alerts.get(alert.id)).toEqual(b.operations.alerts.get(alert.id));
    await waitFor(() => lastAlert(onA, alert.id)?.state === 'acknowledged' && lastAlert(onB, alert.id)?.state === 'acknowledged');
  });

  it('one unit dispatched to two incidents on two servers at once: one dispatch stands, the other is refused, nothing half-written', async () => {
    const first = await report('CC-2', 106.008, 10.009);
    const second = await report('CC-3', 106.018, 10.009);
    const unitId = a.responderUnit;
    const [ra, rb] = await Promise.all([
      emit<Incident>(onA, 'incident:dispatch', { id: first.id, version: lastIncident(onA, first.id)!.version, unitId }),
      emit<Incident>(onB, 'incident:dispatch', { id: second.id, version: lastIncident(onB, second.id)!.version, unitId }),
    ]);
    expect([ra, rb].filter((r) => r.ok)).toHaveLength(1);
    const refused = [ra, rb].find((r) => !r.ok)!;
    expect(!refused.ok && refused.error.code).toBe('conflict');
    const winner = ra.ok ? first.id : second.id;
    const loser = ra.ok ? second.id : first.id;
    // PostgreSQL: the unit is on the winner only; the loser has no unit and no dispatch event.
    const [unit] = await query<{ incident_id: string | null; status: string }>('SELECT incident_id, status FROM units WHERE id = $1', [unitId]);
    expect(unit).toEqual({ incident_id: winner, status: 'busy' });
    const onIncidents = await query<{ id: string }>('SELECT id FROM incidents WHERE $1 = ANY(unit_ids)', [unitId]);
    expect(onIncidents.map((r) => r.id)).toEqual([winner]);
    const [lostRow] = await query<{ status: string; unit_ids: string[] }>('SELECT status, unit_ids FROM incidents WHERE id = $1', [loser]);
    expect(lostRow!.unit_ids).toEqual([]);
    expect(lostRow!.status).toBe('new');
    // Both instances agree with the database.
    await waitFor(() => a.operations.units.get(unitId)?.incidentId === winner && b.operations.units.get(unitId)?.incidentId === winner, { message: 'the instances disagree about the unit' });
    await waitFor(() => a.operations.incidents.get(loser)?.units.length === 0 && b.operations.incidents.get(loser)?.units.length === 0);
    await waitFor(() => lastUnit(onA, unitId)?.incidentId === winner && lastUnit(onB, unitId)?.incidentId === winner);
  });

  it("a deposed leader's writes are refused by the database, not by its manners", async () => {
    const [lease] = await query<{ holder: string; token: string }>('SELECT holder, token::text AS token FROM cluster_leader');
    expect(lease!.holder).toBe('a');
    const pool = createPool(dbUrl, { max: 2 });
    const stale = new Journal(pool, { log: pino({ level: 'silent' }), fence: () => ({ holder: 'a', token: Number(lease!.token) - 1 }) });
    const current = new Journal(pool, { log: pino({ level: 'silent' }), fence: () => ({ holder: 'a', token: Number(lease!.token) }) });
    const event = (id: string) => ({
      kind: 'event' as const,
      eventId: crypto.randomUUID(),
      stream: 'unit' as const,
      id,
      version: 1,
      type: 'status_available',
      state: { id, name: id, kind: 'police', position: [0, 0], status: 'available', incidentId: null, updatedAt: 0, version: 1 } as unknown as Unit,
      actor: 'system',
      at: Date.now(),
    });
    try {
      stale.append(event('fence-test-stale'));
      const err = await stale.flushed(stale.lastSeq, { timeoutMs: 5000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DbRejectedError);
      expect((err as DbRejectedError).fenced).toBe(true);
      // Under the current token the same write lands.
      current.append(event('fence-test-current'));
      await current.flushed(current.lastSeq, { timeoutMs: 5000 });
      expect(await query('SELECT stream_id FROM events WHERE stream_id LIKE $1 ORDER BY 1', ['fence-test-%'])).toEqual([{ stream_id: 'fence-test-current' }]);
    } finally {
      await stale.stop();
      await current.stop();
      await pool.end();
    }
  });

  it('a server started alone on the database of a running cluster refuses to start, and says why', async () => {
    const err = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env: { DATABASE_URL: dbUrl, INFLUX_DATABASE: `ioc_cluster_commands_${process.pid}` } }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/instance a leads a cluster on this database/);
  });

  it('a standby sends ingest over HTTP to the leader: 503 with Retry-After and where the leader is', async () => {
    const res = await fetch(`${b.url}/api/ingest/cap`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<alert/>' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.headers.get('x-leader-url')).toBe(a.url);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/stands by/);
    const onLeader = await fetch(`${a.url}/api/ingest/cap`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<alert/>' });
    // The leader takes it to its own checks: no ingest token is issued here, and it says so.
    const said = ((await onLeader.json()) as { error: { message: string } }).error.message;
    expect(said).not.toMatch(/stands by/);
    expect(said).toMatch(/token/);
  });
});
