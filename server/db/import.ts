/**
 * The one-time import of an installation's earlier stores into PostgreSQL (issue #20):
 *
 *   - influx-events: the InfluxDB event log (`events` in the raw retention policy, written
 *     by server/events/log.ts): alert, incident and unit changes become events and current
 *     state; what a person did, every refusal, logins and ingest actions become audit rows;
 *   - auth: data/auth/users.json (server/auth/store.ts): users, live sessions, display tokens;
 *   - ingest-tokens: ingest-tokens.json (server/ingest/tokens.ts);
 *   - devices: data/devices.json (server/broker/devices.ts).
 *
 * Each source is imported in one transaction that also writes its row in `imports`, so it
 * is imported whole or not at all, and once: a later start finds the row and skips it. A
 * source that is not there (no file, no InfluxDB, no database in it) gets no row, so an
 * upgrade that brings it later still imports it. The old files are left in place; the
 * report says where each source was read, and the admin may delete them.
 *
 * Every imported event and audit row has a deterministic event_id (UUIDv5 of the point), and
 * every insert skips rows already stored, so nothing is written twice.
 */
import { readFile } from 'node:fs/promises';
import type { InfluxDB, INanoDate } from 'influx';
import type pg from 'pg';
import { v5 as uuidv5 } from 'uuid';
import { normalizeIncident, type Alert, type Incident, type Unit } from '../../contract/index.js';
import type { DisplayTokenRecord, SessionRecord, UserRecord } from '../auth/store.js';
import { DEVICE_ID_RE, DEVICE_KINDS, type DeviceRecord } from '../broker/devices.js';
import { RP_RAW } from '../influx/schema.js';
import type { IngestTokenRecord } from '../ingest/tokens.js';
import type { Logger } from '../log.js';
import { iso, upsertLatest, writeBatch, type AuditEntry, type StreamType } from './sor.js';
import { withPoolClient } from './pool.js';

export interface ImportSources {
  /** The installation's InfluxDB (its configured database), or null when there is none. */
  influx: InfluxDB | null;
  authFile: string;
  ingestTokensFile: string;
  devicesFile: string;
  /** How far back to read the event log. Default 3650 (all of it: raw retention is shorter). */
  days?: number;
  /** Points read from InfluxDB per query. Default 10,000: a long log is never in memory at once. */
  pageSize?: number;
}

export interface ImportReport {
  source: string;
  /** Where the source was read from. */
  from: string;
  skipped?: 'already imported' | 'absent';
  /** What this run wrote; empty when skipped. */
  counts: Record<string, number>;
}

/** The namespace of imported event ids. Fixed: a second run must derive the same ids. */
const EVENT_ID_NAMESPACE = '86c86d84-d262-417a-a2a0-1192c51fba04';
const STREAMS = new Set<string>(['alert', 'incident', 'unit']);

type Counts = Record<string, number>;

export async function importLegacy(pool: pg.Pool, src: ImportSources, log: Logger): Promise<ImportReport[]> {
  const ilog = log.child({ module: 'import' });
  const openInflux = async () => (src.influx && (await hasRawPolicy(src.influx)) ? src.influx : null);
  return [
    await importSource(pool, ilog, 'influx-events', `InfluxDB "${RP_RAW}"."events"`, openInflux, (c, influx) =>
      importEvents(c, influx, src.days ?? 3650, src.pageSize ?? 10_000),
    ),
    await importSource(pool, ilog, 'auth', src.authFile, () => readJson<AuthFile>(src.authFile), importAuth),
    await importSource(pool, ilog, 'ingest-tokens', src.ingestTokensFile, () => readJson<{ tokens?: IngestTokenRecord[] }>(src.ingestTokensFile), importIngestTokens),
    await importSource(pool, ilog, 'devices', src.devicesFile, () => readJson<{ devices?: DeviceRecord[] }>(src.devicesFile), importDevices),
  ];
}

/**
 * Runs `write` once for a source: under a transaction-scoped advisory lock, so that of two
 * servers starting at once one imports and the other, once the lock is free, finds the
 * `imports` row and skips. `open` returns null when the source is absent.
 */
async function importSource<T>(
  pool: pg.Pool,
  log: Logger,
  source: string,
  from: string,
  open: () => Promise<T | null>,
  write: (c: pg.ClientBase, data: T) => Promise<Counts>,
): Promise<ImportReport> {
  if (await isImported(pool, source)) return { source, from, skipped: 'already imported', counts: {} };
  const data = await open();
  if (data === null) return { source, from, skipped: 'absent', counts: {} };
  return withPoolClient(pool, async (c) => {
    await c.query('BEGIN');
    try {
      // The pool's timeouts are for commands: here a server may wait for another's import of a
      // long log, and this one stays open while it reads InfluxDB.
      await c.query('SET LOCAL statement_timeout = 0');
      await c.query('SET LOCAL idle_in_transaction_session_timeout = 0');
      await c.query(`SELECT pg_advisory_xact_lock(hashtext('ioc-console:import-legacy'))`);
      if (await isImported(c, source)) {
        await c.query('ROLLBACK');
        return { source, from, skipped: 'already imported', counts: {} };
      }
      const counts = await write(c, data);
      await c.query('INSERT INTO imports (source, report) VALUES ($1, $2)', [source, JSON.stringify(counts)]);
      await c.query('COMMIT');
      log.info({ source, from, ...counts }, `imported ${source} from the earlier installation`);
      return { source, from, counts };
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}

async function isImported(q: pg.Pool | pg.ClientBase, source: string): Promise<boolean> {
  return (await q.query('SELECT 1 FROM imports WHERE source = $1', [source])).rowCount === 1;
}

/** The file's JSON, or null when there is no file. A file that does not parse is an error: accounts are not dropped silently. */
async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

// ---------------------------------------------------------------- the InfluxDB event log

/** An InfluxDB without the database or its raw policy has no event log: the source is absent. */
async function hasRawPolicy(influx: InfluxDB): Promise<boolean> {
  try {
    return (await influx.showRetentionPolicies()).some((p) => p.name === RP_RAW);
  } catch (err) {
    if (/database not found/i.test((err as Error).message)) return false;
    throw err;
  }
}

interface EventRow {
  time: INanoDate;
  entity: string;
  type: string;
  id: string;
  by: string;
  role: string | null;
  result: string | null;
  note: string | null;
  state: string | null;
}

async function importEvents(c: pg.ClientBase, influx: InfluxDB, days: number, page: number): Promise<Counts> {
  const counts: EventCounts = { points: 0, events: 0, repeatedVersions: 0, audit: 0, alerts: 0, incidents: 0, units: 0 };
  const streams = { alert: new Set<string>(), incident: new Set<string>(), unit: new Set<string>() };
  // The server copies each event it writes to PostgreSQL into InfluxDB as well (for replay).
  // Rows already in the database were written by this server, so points from the first of
  // them on are those copies, not the earlier log: the import stops before them.
  const first = await c.query<{ at: Date | null }>('SELECT least((SELECT min(at) FROM events), (SELECT min(at) FROM audit)) AS at');
  const before = first.rows[0]?.at ? ` AND time < ${first.rows[0].at.getTime()}ms` : '';
  // Keyset paging in time order. Points of different series can share a timestamp, so the
  // cursor is (time, how many points at that time are done), not the time alone.
  let cursor = (BigInt(Date.now() - Math.trunc(days) * 86_400_000) * 1_000_000n).toString();
  let done = 0;
  for (;;) {
    const rows = (await influx.query(
      `SELECT "id", "by", "role", "result", "note", "state", "entity", "type" FROM "${RP_RAW}"."events" WHERE time >= ${cursor}${before} ORDER BY time ASC LIMIT ${Math.trunc(page)} OFFSET ${done}`,
    )) as unknown as EventRow[];
    if (rows.length === 0) break;
    await importPage(c, rows, counts, streams);
    const last = rows[rows.length - 1]!.time.getNanoTime();
    const atLast = rows.filter((r) => r.time.getNanoTime() === last).length;
    done = last === cursor ? done + atLast : atLast;
    cursor = last;
    if (rows.length < page) break;
  }
  counts.alerts = streams.alert.size;
  counts.incidents = streams.incident.size;
  counts.units = streams.unit.size;
  return { ...counts };
}

interface EventCounts {
  points: number;
  events: number;
  /** Events not stored because their stream already had that version. */
  repeatedVersions: number;
  audit: number;
  alerts: number;
  incidents: number;
  units: number;
}

interface ImportedEvent {
  event_id: string;
  stream_type: StreamType;
  stream_id: string;
  version: number;
  type: string;
  data: Alert | Incident | Unit;
  actor: string;
  actor_role: string | null;
  note: string | null;
  at: string;
}

async function importPage(c: pg.ClientBase, rows: EventRow[], counts: EventCounts, streams: Record<StreamType, Set<string>>): Promise<void> {
  const events: ImportedEvent[] = [];
  const audit: AuditEntry[] = [];
  for (const r of rows) {
    const ns = r.time.getNanoTime();
    const entity = String(r.entity);
    const id = String(r.id);
    const type = String(r.type);
    const by = String(r.by);
    const at = Number(BigInt(ns) / 1_000_000n);
    const eventId = uuidv5(`${entity}|${id}|${type}|${ns}`, EVENT_ID_NAMESPACE);
    const role = text(r.role);
    const note = text(r.note)?.slice(0, 2000);
    const result = r.result === 'refused' ? 'refused' : 'ok';
    const state = typeof r.state === 'string' ? (JSON.parse(r.state) as Alert | Incident | Unit) : undefined;
    // The same rules as the live event log (server/events/log.ts): a state change with a
    // version is an event; a person's action, a refusal, a login or an ingest action is audited.
    if (STREAMS.has(entity) && state && Number.isInteger(state.version) && state.version >= 1) {
      events.push({ event_id: eventId, stream_type: entity as StreamType, stream_id: id, version: state.version, type, data: state, actor: by, actor_role: role ?? null, note: note ?? null, at: new Date(at).toISOString() });
    }
    if (by !== 'system' || result === 'refused' || !STREAMS.has(entity)) {
      audit.push({ kind: 'audit', eventId, entity, type, target: id, actor: by, role, result, note, at });
    }
  }
  counts.points += rows.length;
  if (events.length > 0) {
    // No conflict target: an event_id already stored, or a version of the stream already
    // taken (earlier code could log one version twice), is skipped; the first one stays.
    const inserted = await c.query(
      `INSERT INTO events (event_id, stream_type, stream_id, version, type, data, actor, actor_role, note, at)
       SELECT x.event_id, x.stream_type, x.stream_id, x.version, x.type, x.data, x.actor, x.actor_role, x.note, x.at
         FROM jsonb_to_recordset($1::jsonb) AS x(event_id uuid, stream_type text, stream_id text, version int, type text, data jsonb, actor text, actor_role text, note text, at timestamptz)
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(events)],
    );
    counts.events += inserted.rowCount ?? 0;
    counts.repeatedVersions += events.length - (inserted.rowCount ?? 0);
    await upsertCurrent(c, events);
    for (const e of events) streams[e.stream_type].add(e.stream_id);
  }
  if (audit.length > 0) {
    await writeBatch(c, audit);
    counts.audit += audit.length;
  }
}

/**
 * Current state, as the journal writes it (sor.ts upsertLatest): each stream's highest
 * version, the first state logged with it (the one the events table keeps), so the row and
 * the stream agree; the upserts only move forward, across pages and over rows the server
 * wrote itself. Incidents of an older shape are brought to today's.
 */
async function upsertCurrent(c: pg.ClientBase, events: ImportedEvent[]): Promise<void> {
  await upsertLatest(
    c,
    events.map((e) => ({ stream: e.stream_type, id: e.stream_id, version: e.version, state: e.stream_type === 'incident' ? normalizeIncident(e.data as Incident) : (e.data as Alert | Unit) })),
  );
}

// ---------------------------------------------------------------- the JSON files

interface AuthFile {
  users?: UserRecord[];
  sessions?: SessionRecord[];
  displayTokens?: DisplayTokenRecord[];
}

async function importAuth(c: pg.ClientBase, file: AuthFile): Promise<Counts> {
  const users = await c.query(
    `INSERT INTO users (id, username, display_name, role, unit_id, password_hash, disabled, created_at, updated_at)
     SELECT x.id, x.username, x.display_name, x.role, x.unit_id, x.password_hash, coalesce(x.disabled, false), coalesce(x.created_at, now()), coalesce(x.updated_at, now())
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, username text, display_name text, role text, unit_id text, password_hash text, disabled boolean, created_at timestamptz, updated_at timestamptz)
     ON CONFLICT DO NOTHING`,
    [
      JSON.stringify(
        (file.users ?? []).map((u) => ({
          id: u.id,
          username: u.username,
          display_name: u.displayName,
          role: u.role,
          unit_id: u.unitId,
          password_hash: u.passwordHash,
          disabled: u.disabled,
          created_at: iso(u.createdAt),
          updated_at: iso(u.updatedAt),
        })),
      ),
    ],
  );
  // An expired session could never be used again. A session whose user was not imported
  // (a user of that name already exists here) would be a stranger's login: skipped.
  const now = Date.now();
  const live = (file.sessions ?? []).filter((s) => s.expiresAt > now);
  const sessions = await c.query(
    `INSERT INTO sessions (id, user_id, refresh_hash, previous_refresh_hash, created_at, expires_at, last_used_at, ip)
     SELECT x.id, x.user_id, x.refresh_hash, x.previous_refresh_hash, coalesce(x.created_at, now()), x.expires_at, coalesce(x.last_used_at, now()), x.ip
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, user_id text, refresh_hash text, previous_refresh_hash text, created_at timestamptz, expires_at timestamptz, last_used_at timestamptz, ip text)
      WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = x.user_id)
     ON CONFLICT DO NOTHING`,
    [
      JSON.stringify(
        live.map((s) => ({
          id: s.id,
          user_id: s.userId,
          refresh_hash: s.refreshHash,
          previous_refresh_hash: s.previousRefreshHash,
          created_at: iso(s.createdAt),
          expires_at: iso(s.expiresAt),
          last_used_at: iso(s.lastUsedAt),
          ip: s.ip,
        })),
      ),
    ],
  );
  const tokens = await c.query(
    `INSERT INTO display_tokens (id, name, token_hash, created_at, created_by, revoked_at, expires_at)
     SELECT x.id, x.name, x.token_hash, coalesce(x.created_at, now()), x.created_by, x.revoked_at, x.expires_at
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, name text, token_hash text, created_at timestamptz, created_by text, revoked_at timestamptz, expires_at timestamptz)
     ON CONFLICT DO NOTHING`,
    [
      JSON.stringify(
        (file.displayTokens ?? []).map((t) => ({
          id: t.id,
          name: t.name,
          token_hash: t.tokenHash,
          created_at: iso(t.createdAt),
          created_by: t.createdBy,
          revoked_at: iso(t.revokedAt),
          expires_at: iso(t.expiresAt),
        })),
      ),
    ],
  );
  return {
    users: users.rowCount ?? 0,
    sessions: sessions.rowCount ?? 0,
    expiredSessions: (file.sessions ?? []).length - live.length,
    displayTokens: tokens.rowCount ?? 0,
  };
}

async function importIngestTokens(c: pg.ClientBase, file: { tokens?: IngestTokenRecord[] }): Promise<Counts> {
  const tokens = await c.query(
    `INSERT INTO ingest_tokens (id, name, senders, scopes, token_hash, created_at, created_by, expires_at, revoked_at)
     SELECT x.id, x.name, coalesce(x.senders, '{}'), x.scopes, x.token_hash, coalesce(x.created_at, now()), x.created_by, x.expires_at, x.revoked_at
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, name text, senders text[], scopes text[], token_hash text, created_at timestamptz, created_by text, expires_at timestamptz, revoked_at timestamptz)
     ON CONFLICT DO NOTHING`,
    [
      JSON.stringify(
        (file.tokens ?? []).map((t) => ({
          id: t.id,
          name: t.name,
          senders: t.senders,
          scopes: t.scopes,
          token_hash: t.tokenHash,
          created_at: iso(t.createdAt),
          created_by: t.createdBy,
          expires_at: iso(t.expiresAt),
          revoked_at: iso(t.revokedAt),
        })),
      ),
    ],
  );
  return { ingestTokens: tokens.rowCount ?? 0 };
}

async function importDevices(c: pg.ClientBase, file: { devices?: DeviceRecord[] }): Promise<Counts> {
  // The same filter the file registry applies when it reads the file: what it ignored stays ignored.
  const valid = (file.devices ?? []).filter((d) => DEVICE_ID_RE.test(d.id) && DEVICE_KINDS.includes(d.kind));
  const devices = await c.query(
    `INSERT INTO devices (id, kind, secret_hash, created_at, disabled, cap_senders)
     SELECT x.id, x.kind, x.secret_hash, coalesce(x.created_at, now()), coalesce(x.disabled, false), coalesce(x.cap_senders, '{}')
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, kind text, secret_hash text, created_at timestamptz, disabled boolean, cap_senders text[])
     ON CONFLICT DO NOTHING`,
    [JSON.stringify(valid.map((d) => ({ id: d.id, kind: d.kind, secret_hash: d.secretHash, created_at: iso(d.createdAt), disabled: d.disabled, cap_senders: d.capSenders ?? [] })))],
  );
  return { devices: devices.rowCount ?? 0 };
}
