/**
 * The one-time import of an earlier installation (server/db/import.ts) on a real PostgreSQL
 * and a real influxd: an event log written the way EventLog wrote it (an alert in 3 versions,
 * an incident, a unit with a version logged twice, a login, a refused command, an ingest
 * action), users.json, ingest-tokens.json and devices.json become exactly the expected rows;
 * the log is read in small pages with points sharing a timestamp across page boundaries; a
 * second run changes nothing; a source that is not there is `absent` and gets no imports
 * row; points the server copied to InfluxDB after it started writing PostgreSQL are not
 * imported again.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InfluxDB } from 'influx';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { normalizeIncident, type Alert, type Incident, type Unit } from '../../contract/index.js';
import { importLegacy, type ImportSources } from '../../server/db/import.js';
import { migrate } from '../../server/db/migrate.js';
import { createPool } from '../../server/db/pool.js';
import { EventLog, type LogEntry } from '../../server/events/log.js';
import type { Point } from '../../server/influx/lineprotocol.js';
import { ensureSchema, RP_RAW } from '../../server/influx/schema.js';
import type { PointWriter } from '../../server/influx/writer.js';
import type { AlertOver } from '../fixtures/domain.js';
import { startTestInfluxd, type TestInfluxd } from '../harness/influxd.js';
import { createDatabase, startTestPostgres, type TestPostgres } from '../harness/postgres.js';

const quiet = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const DB = 'ioc_import';
const MIN = 60_000;
/** The old installation's log starts two days ago. */
const T0 = Math.trunc(Date.now() / MIN) * MIN - 2 * 86_400_000;

let postgres: TestPostgres;
let influxd: TestInfluxd;
let influx: InfluxDB;
let pool: pg.Pool;
let dir: string;
let sources: ImportSources;

// ---------------------------------------------------------------- the old installation

/** An alert as an old installation stored it: its figures may be fewer than today's rules declare. */
function alert(version: number, over: AlertOver): Alert {
  return {
    id: 'al-1',
    rule: 'camera_offline',
    dedupeKey: 'camera_offline:cam-7',
    severity: 'major',
    state: 'active',
    title: 'Camera cam-7 offline',
    source: { kind: 'camera', id: 'cam-7' },
    position: [108.99, 11.56],
    wardId: 'w-1',
    incidentId: null,
    count: 1,
    firstSeen: T0,
    lastSeen: T0,
    escalated: false,
    data: {},
    acknowledgedBy: null,
    acknowledgedAt: null,
    clearedBy: null,
    clearedAt: null,
    version,
    ...over,
  } as Alert;
}

/** An incident as the old installation wrote it: one `unitId`, none of the fields added since. */
type LegacyIncident = Omit<Incident, 'units' | 'hurt' | 'injured' | 'callback'> & { unitId: string | null };

function incident(version: number, over: Partial<LegacyIncident>): LegacyIncident {
  return {
    id: 'inc-1',
    type: 'traffic_accident',
    severity: 'critical',
    status: 'new',
    channel: 'hotline_113',
    position: [108.98, 11.57],
    address: '12 Thống Nhất',
    description: 'Two motorbikes',
    externalRef: 'hotline:113-0001',
    wardId: 'w-1',
    unitId: null,
    alertIds: [],
    cameraIds: ['cam-7'],
    cameraDistancesM: [80],
    timeline: [{ at: T0 + MIN, by: 'system', action: 'created' }],
    createdAt: T0 + MIN,
    updatedAt: T0 + MIN,
    acknowledgedAt: null,
    resolvedAt: null,
    version,
    ...over,
  };
}

function unit(version: number, over: Partial<Unit>): Unit {
  return { id: 'u-1', name: 'CSGT 1', kind: 'police_traffic', status: 'available', position: [108.97, 11.58], incidentId: null, updatedAt: T0, version, ...over };
}

const A1 = alert(1, {});
const A2 = alert(2, { state: 'acknowledged', acknowledgedBy: 'officer1', acknowledgedAt: T0 + 3 * MIN });
const A3 = alert(3, { ...A2, state: 'cleared', clearedBy: 'system', clearedAt: T0 + 7 * MIN, version: 3 });
const I1 = incident(1, {});
const I2 = incident(2, { status: 'dispatched', unitId: 'u-1', updatedAt: T0 + 6 * MIN, acknowledgedAt: T0 + 6 * MIN });
const U2 = unit(2, { status: 'busy', incidentId: 'inc-1', updatedAt: T0 + 5 * MIN });
/** The same version logged again by older code, with another position: not stored. */
const U2again = unit(2, { status: 'busy', incidentId: 'inc-1', position: [108.96, 11.59], updatedAt: T0 + 8 * MIN });

/** The log, one entry a minute from T0 (minute i = entry i). */
const LOG: LogEntry[] = [
  { entity: 'alert', id: 'al-1', type: 'raised', by: 'system', note: 'no status for 120 s', state: A1 },
  { entity: 'incident', id: 'inc-1', type: 'created', by: 'system', state: I1 },
  { entity: 'auth', id: 'officer1', type: 'login', by: 'officer1', role: 'duty_officer' },
  { entity: 'alert', id: 'al-1', type: 'acknowledged', by: 'officer1', role: 'duty_officer', note: 'seen', state: A2 },
  { entity: 'incident', id: 'inc-1', type: 'dispatch', by: 'officer1', role: 'duty_officer', result: 'refused', note: 'a duty officer may not dispatch' },
  { entity: 'unit', id: 'u-1', type: 'assigned', by: 'system', state: U2 },
  { entity: 'incident', id: 'inc-1', type: 'dispatch', by: 'super1', role: 'supervisor', note: 'CSGT 1 nearest', state: I2 },
  { entity: 'alert', id: 'al-1', type: 'cleared', by: 'system', state: A3 },
  { entity: 'unit', id: 'u-1', type: 'moved', by: 'system', state: U2again },
  { entity: 'ingest', id: 'tok-1', type: 'token_issued', by: 'admin', role: 'admin', note: 'KTTV gateway' },
];

/** The points EventLog wrote for LOG (its own code, its writer captured). */
function legacyPoints(): Point[] {
  const points: Point[] = [];
  let now = T0;
  const writer = { write: (p: Point[]) => points.push(...p) } as unknown as PointWriter;
  const log = new EventLog(writer, () => now);
  LOG.forEach((e, i) => {
    now = T0 + i * MIN;
    log.append(e);
  });
  // Points of different series may share a timestamp (two servers, or one counter value):
  // two pairs here, placed to straddle the test's 3-point pages.
  points[3]!.timestamp = points[2]!.timestamp;
  points[6]!.timestamp = points[5]!.timestamp;
  return points;
}

const NOW = Date.now();
const USERS = [
  { id: 'u_admin', username: 'admin', displayName: 'Quản trị', role: 'admin', unitId: null, passwordHash: 'scrypt$a', disabled: false, createdAt: T0, updatedAt: T0 },
  { id: 'u_off1', username: 'officer1', displayName: 'Nguyễn Văn A', role: 'duty_officer', unitId: null, passwordHash: 'scrypt$b', disabled: false, createdAt: T0 + 1, updatedAt: T0 + 2 },
];
const LIVE = { id: 's_live', userId: 'u_off1', refreshHash: 'h-live', previousRefreshHash: 'h-prev', createdAt: NOW - 3_600_000, expiresAt: NOW + 7 * 86_400_000, lastUsedAt: NOW - 60_000, ip: '10.0.0.5' };
const EXPIRED = { id: 's_old', userId: 'u_admin', refreshHash: 'h-old', previousRefreshHash: null, createdAt: NOW - 9 * 86_400_000, expiresAt: NOW - 3_600_000, lastUsedAt: NOW - 8 * 86_400_000, ip: null };
const WALL = { id: 'dt_1', name: 'Wall A', tokenHash: 'h-wall', createdAt: T0, createdBy: 'admin', revokedAt: null };
const INGEST = { id: 'tok-1', name: 'KTTV gateway', senders: ['kttv@ninhthuan.gov.vn'], scopes: ['cap', 'stations'], tokenHash: 'h-ing', createdAt: T0, createdBy: 'admin', expiresAt: NOW + 86_400_000, revokedAt: null };
const DEVICES = [
  { id: 'kttv-gw', kind: 'source', secretHash: 'h-dev1', createdAt: T0, disabled: false, capSenders: ['kttv@ninhthuan.gov.vn', 'pccc@ninhthuan.gov.vn'] },
  { id: 'cam-7', kind: 'camera', secretHash: 'h-dev2', createdAt: T0 + 1, disabled: true },
];

beforeAll(async () => {
  [postgres, influxd] = await Promise.all([startTestPostgres(), startTestInfluxd()]);
  await migrate(postgres.url, quiet);
  pool = createPool(postgres.url, { max: 4 });
  influx = new InfluxDB({ host: '127.0.0.1', port: influxd.port, database: DB });
  await ensureSchema(influx, DB, { raw: '30d', rollup: '365d' });
  await influx.writePoints(legacyPoints(), { retentionPolicy: RP_RAW });

  dir = await mkdtemp(path.join(os.tmpdir(), 'ioc-import-'));
  sources = {
    influx,
    authFile: path.join(dir, 'auth', 'users.json'),
    ingestTokensFile: path.join(dir, 'auth', 'ingest-tokens.json'),
    devicesFile: path.join(dir, 'devices.json'),
    pageSize: 3,
  };
  await mkdir(path.join(dir, 'auth'));
  await writeFile(sources.authFile, JSON.stringify({ version: 1, users: USERS, sessions: [LIVE, EXPIRED], displayTokens: [WALL] }));
  await writeFile(sources.ingestTokensFile, JSON.stringify({ version: 1, tokens: [INGEST] }));
  await writeFile(sources.devicesFile, JSON.stringify({ devices: DEVICES }));
});

afterAll(async () => {
  await pool?.end();
  await Promise.all([postgres?.stop(), influxd?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const at = (minute: number) => new Date(T0 + minute * MIN);

async function rows(sql: string, q: pg.Pool = pool): Promise<Record<string, unknown>[]> {
  return (await q.query(sql)).rows;
}

/** Everything the import writes, for comparing two runs. */
async function everything(): Promise<unknown> {
  const all: Record<string, unknown> = {};
  for (const t of ['events', 'alerts', 'incidents', 'units', 'audit', 'users', 'sessions', 'display_tokens', 'ingest_tokens', 'devices', 'imports']) {
    all[t] = await rows(`SELECT * FROM ${t} ORDER BY 1`);
  }
  return all;
}

const EVENT_COUNTS = { points: 10, events: 6, repeatedVersions: 1, audit: 5, alerts: 1, incidents: 1, units: 1 };
const AUTH_COUNTS = { users: 2, sessions: 1, expiredSessions: 1, displayTokens: 1 };

it('imports the event log, accounts, tokens and devices into exactly the expected rows', async () => {
  const reports = await importLegacy(pool, sources, quiet);
  expect(reports).toEqual([
    { source: 'influx-events', from: `InfluxDB "raw"."events"`, counts: EVENT_COUNTS },
    { source: 'auth', from: sources.authFile, counts: AUTH_COUNTS },
    { source: 'ingest-tokens', from: sources.ingestTokensFile, counts: { ingestTokens: 1 } },
    { source: 'devices', from: sources.devicesFile, counts: { devices: 2 } },
  ]);

  // Events: every state change; the unit's repeated version 2 is not stored. (Points at one
  // timestamp come from InfluxDB in its own order, hence the ORDER BY.)
  expect(await rows('SELECT stream_type, stream_id, version, type, actor, actor_role, note, at FROM events ORDER BY at, stream_type')).toEqual([
    { stream_type: 'alert', stream_id: 'al-1', version: 1, type: 'raised', actor: 'system', actor_role: null, note: 'no status for 120 s', at: at(0) },
    { stream_type: 'incident', stream_id: 'inc-1', version: 1, type: 'created', actor: 'system', actor_role: null, note: null, at: at(1) },
    { stream_type: 'alert', stream_id: 'al-1', version: 2, type: 'acknowledged', actor: 'officer1', actor_role: 'duty_officer', note: 'seen', at: at(2) },
    { stream_type: 'incident', stream_id: 'inc-1', version: 2, type: 'dispatch', actor: 'super1', actor_role: 'supervisor', note: 'CSGT 1 nearest', at: at(5) },
    { stream_type: 'unit', stream_id: 'u-1', version: 2, type: 'assigned', actor: 'system', actor_role: null, note: null, at: at(5) },
    { stream_type: 'alert', stream_id: 'al-1', version: 3, type: 'cleared', actor: 'system', actor_role: null, note: null, at: at(7) },
  ]);
  expect((await rows(`SELECT data FROM events WHERE stream_id = 'al-1' ORDER BY version`)).map((r) => r.data)).toEqual([A1, A2, A3]);
  // Each event_id is the UUIDv5 of its point, distinct from the rest.
  const ids = await rows(`SELECT event_id FROM events UNION ALL SELECT event_id FROM audit WHERE event_id NOT IN (SELECT event_id FROM events)`);
  expect(new Set(ids.map((r) => r.event_id)).size).toBe(ids.length);
  expect(ids.every((r) => /^[0-9a-f]{8}-[0-9a-f]{4}-5/.test(String(r.event_id)))).toBe(true);

  // Current state: the last state of each stream.
  expect(await rows('SELECT id, version, status, state FROM alerts')).toEqual([{ id: 'al-1', version: 3, status: 'cleared', state: A3 }]);
  // Stored in today's shape: the one unit it had is its one unit (normalizeIncident).
  expect(await rows('SELECT id, version, status, unit_ids, external_ref, state FROM incidents')).toEqual([
    { id: 'inc-1', version: 2, status: 'dispatched', unit_ids: ['u-1'], external_ref: 'hotline:113-0001', state: normalizeIncident(I2 as unknown as Incident) },
  ]);
  expect(await rows('SELECT id, version, status, incident_id, state FROM units')).toEqual([{ id: 'u-1', version: 2, status: 'busy', incident_id: 'inc-1', state: U2 }]);

  // Audit: what people did (a refusal too), the login and the ingest action; not the system's changes.
  expect(await rows('SELECT entity, type, target, actor, role, address, result, note, at, event_id IS NOT NULL AS has_id FROM audit ORDER BY at, entity')).toEqual([
    { entity: 'alert', type: 'acknowledged', target: 'al-1', actor: 'officer1', role: 'duty_officer', address: null, result: 'ok', note: 'seen', at: at(2), has_id: true },
    { entity: 'auth', type: 'login', target: 'officer1', actor: 'officer1', role: 'duty_officer', address: null, result: 'ok', note: null, at: at(2), has_id: true },
    { entity: 'incident', type: 'dispatch', target: 'inc-1', actor: 'officer1', role: 'duty_officer', address: null, result: 'refused', note: 'a duty officer may not dispatch', at: at(4), has_id: true },
    { entity: 'incident', type: 'dispatch', target: 'inc-1', actor: 'super1', role: 'supervisor', address: null, result: 'ok', note: 'CSGT 1 nearest', at: at(5), has_id: true },
    { entity: 'ingest', type: 'token_issued', target: 'tok-1', actor: 'admin', role: 'admin', address: null, result: 'ok', note: 'KTTV gateway', at: at(9), has_id: true },
  ]);
  // A command that changed state shares its event_id between its event and its audit row, as the live log does.
  expect(await rows(`SELECT count(*)::int AS n FROM audit a JOIN events e USING (event_id)`)).toEqual([{ n: 2 }]);

  // Accounts: both users, the live session only, the wall token.
  expect(await rows('SELECT id, username, display_name, role, unit_id, password_hash, disabled, created_at, updated_at FROM users ORDER BY id')).toEqual(
    USERS.map((u) => ({ id: u.id, username: u.username, display_name: u.displayName, role: u.role, unit_id: null, password_hash: u.passwordHash, disabled: false, created_at: new Date(u.createdAt), updated_at: new Date(u.updatedAt) })),
  );
  expect(await rows('SELECT * FROM sessions')).toEqual([
    { id: 's_live', user_id: 'u_off1', refresh_hash: 'h-live', previous_refresh_hash: 'h-prev', created_at: new Date(LIVE.createdAt), expires_at: new Date(LIVE.expiresAt), last_used_at: new Date(LIVE.lastUsedAt), ip: '10.0.0.5' },
  ]);
  expect(await rows('SELECT * FROM display_tokens')).toEqual([{ id: 'dt_1', name: 'Wall A', token_hash: 'h-wall', created_at: new Date(T0), created_by: 'admin', revoked_at: null, expires_at: null }]);
  expect(await rows('SELECT * FROM ingest_tokens')).toEqual([
    { id: 'tok-1', name: 'KTTV gateway', senders: ['kttv@ninhthuan.gov.vn'], scopes: ['cap', 'stations'], token_hash: 'h-ing', created_at: new Date(T0), created_by: 'admin', expires_at: new Date(INGEST.expiresAt), revoked_at: null },
  ]);
  expect(await rows('SELECT * FROM devices ORDER BY id')).toEqual([
    { id: 'cam-7', kind: 'camera', secret_hash: 'h-dev2', created_at: new Date(T0 + 1), disabled: true, cap_senders: [] },
    { id: 'kttv-gw', kind: 'source', secret_hash: 'h-dev1', created_at: new Date(T0), disabled: false, cap_senders: ['kttv@ninhthuan.gov.vn', 'pccc@ninhthuan.gov.vn'] },
  ]);

  // One imports row per source, holding its counts.
  expect(await rows('SELECT source, report FROM imports ORDER BY source')).toEqual([
    { source: 'auth', report: AUTH_COUNTS },
    { source: 'devices', report: { devices: 2 } },
    { source: 'influx-events', report: EVENT_COUNTS },
    { source: 'ingest-tokens', report: { ingestTokens: 1 } },
  ]);
});

it('a second run changes nothing: every source is already imported', async () => {
  const before = await everything();
  const reports = await importLegacy(pool, sources, quiet);
  expect(reports.map((r) => [r.source, r.skipped, r.counts])).toEqual([
    ['influx-events', 'already imported', {}],
    ['auth', 'already imported', {}],
    ['ingest-tokens', 'already imported', {}],
    ['devices', 'already imported', {}],
  ]);
  expect(await everything()).toEqual(before);
});

it('two servers importing at once import each source once', async () => {
  const url = await freshDatabase('concurrent');
  const a = createPool(url, { max: 2 });
  const b = createPool(url, { max: 2 });
  try {
    const [ra, rb] = await Promise.all([importLegacy(a, sources, quiet), importLegacy(b, sources, quiet)]);
    for (let i = 0; i < 4; i++) expect([ra[i]!.skipped, rb[i]!.skipped].filter((s) => s === 'already imported')).toHaveLength(1);
    expect(await rows('SELECT (SELECT count(*) FROM events)::int AS events, (SELECT count(*) FROM audit)::int AS audit, (SELECT count(*) FROM users)::int AS users', a)).toEqual([
      { events: 6, audit: 5, users: 2 },
    ]);
  } finally {
    await Promise.all([a.end(), b.end()]);
  }
});

it('a source that is not there is absent, gets no imports row, and is imported when it appears', async () => {
  const url = await freshDatabase('absent');
  const fresh = createPool(url, { max: 2 });
  const nothing = {
    influx: null,
    authFile: path.join(dir, 'none', 'users.json'),
    ingestTokensFile: path.join(dir, 'none', 'ingest-tokens.json'),
    devicesFile: path.join(dir, 'none', 'devices.json'),
  };
  try {
    const reports = await importLegacy(fresh, nothing, quiet);
    expect(reports.map((r) => [r.source, r.skipped, r.counts])).toEqual([
      ['influx-events', 'absent', {}],
      ['auth', 'absent', {}],
      ['ingest-tokens', 'absent', {}],
      ['devices', 'absent', {}],
    ]);
    // An InfluxDB without the installation's database has no event log either.
    const empty = new InfluxDB({ host: '127.0.0.1', port: influxd.port, database: 'ioc_never_created' });
    expect((await importLegacy(fresh, { ...nothing, influx: empty }, quiet))[0]).toMatchObject({ source: 'influx-events', skipped: 'absent' });
    expect(await rows('SELECT * FROM imports', fresh)).toEqual([]);

    const later = await importLegacy(fresh, { ...nothing, devicesFile: sources.devicesFile }, quiet);
    expect(later[3]).toEqual({ source: 'devices', from: sources.devicesFile, counts: { devices: 2 } });
  } finally {
    await fresh.end();
  }
});

it('points the server copied to InfluxDB after it started writing PostgreSQL are not imported', async () => {
  const url = await freshDatabase('copies');
  const fresh = createPool(url, { max: 2 });
  try {
    // The server's first own row: the audit of a login at minute 6 (its copy is in InfluxDB from then on).
    await fresh.query(`INSERT INTO audit (event_id, at, entity, type, target, actor) VALUES (gen_random_uuid(), $1, 'auth', 'login', 'admin', 'admin')`, [at(6)]);
    const [events] = await importLegacy(fresh, sources, quiet);
    // The points before minute 6: 7 of them (minutes 3 and 6 were logged at minutes 2 and 5).
    expect(events!.counts).toMatchObject({ points: 7, events: 5, repeatedVersions: 0, audit: 4 });
    expect(await rows(`SELECT count(*)::int AS n FROM events WHERE at >= '${at(6).toISOString()}'`, fresh)).toEqual([{ n: 0 }]);
  } finally {
    await fresh.end();
  }
});

let databases = 0;
/** A new migrated database in the file's cluster; returns its URL. */
async function freshDatabase(name: string): Promise<string> {
  const url = await createDatabase(postgres.url, `imp_${name}_${++databases}`);
  await migrate(url, quiet);
  return url;
}
