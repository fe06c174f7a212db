/**
 * The SQL of the system of record (schema: server/db/migrations, docs/storage.md):
 * writing a batch of journal entries, reading the current state back at start-up, and the
 * audit trail.
 *
 * A batch is written with one statement per table, the rows passed as one JSON array
 * (jsonb_to_recordset): a burst of hundreds of changes costs a handful of round trips.
 *   - events: inserted; an event_id already stored (a batch sent again) is skipped. Another
 *     event at the same (stream_type, stream_id, version) is a unique violation: `conflict`.
 *   - current state: the last state of each stream in the batch, upserted only forward
 *     (`WHERE version < EXCLUDED.version`), so a replayed batch changes nothing.
 *   - audit: inserted, skipped when its event_id is already stored.
 *   - statements (accounts, sessions, tokens, devices): run in order, each idempotent.
 */
import type pg from 'pg';
import { activeUnits, normalizeIncident, type Alert, type Incident, type Unit } from '../../contract/index.js';

export type StreamType = 'alert' | 'incident' | 'unit';

/** One change of an alert, incident or unit: its full state after the change. */
export interface StreamEvent {
  kind: 'event';
  eventId: string;
  stream: StreamType;
  id: string;
  version: number;
  type: string;
  state: Alert | Incident | Unit;
  actor: string;
  role?: string | undefined;
  note?: string | undefined;
  at: number;
}

/** One row of the audit trail: a login, a refusal, a command, an administrative change. */
export interface AuditEntry {
  kind: 'audit';
  eventId: string;
  entity: string;
  type: string;
  target: string | null;
  actor: string;
  role?: string | undefined;
  address?: string | undefined;
  result: 'ok' | 'refused';
  note?: string | undefined;
  at: number;
}

/** A statement of its own (accounts, devices, tokens). It must be idempotent: a batch may be sent twice. */
export interface StatementEntry {
  kind: 'sql';
  text: string;
  values: unknown[];
}

export type JournalEntry = StreamEvent | AuditEntry | StatementEntry;

/**
 * JSON for PostgreSQL: text and jsonb cannot hold U+0000, which a hostile or broken client
 * can put in a note or a description. It becomes U+FFFD (the replacement character), so the
 * change is stored rather than refused: the database must never lose a change for a byte.
 */
export function pgJson(v: unknown): string {
  // JSON.stringify writes U+0000 as the escape \u0000; almost no batch has one, so the
  // common case costs one scan. A backslash typed in text is written \\, so an escape is
  // one that follows an even run of backslashes.
  const json = JSON.stringify(v);
  return json.includes('\\u0000') ? json.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd') : json;
}

/** Epoch ms → timestamptz text (null stays null). */
export const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
const clip = (s: string | undefined) => (s === undefined ? null : s.slice(0, 2000));

export async function writeBatch(c: pg.ClientBase, entries: JournalEntry[]): Promise<void> {
  const events: StreamEvent[] = [];
  const audit: AuditEntry[] = [];
  const statements: StatementEntry[] = [];
  for (const e of entries) {
    if (e.kind === 'event') events.push(e);
    else if (e.kind === 'audit') audit.push(e);
    else statements.push(e);
  }
  if (events.length > 0) await writeEvents(c, events);
  if (audit.length > 0) await writeAudit(c, audit);
  for (const s of statements) await c.query(s.text, s.values.map((v) => (typeof v === 'string' && v.includes('\u0000') ? v.replaceAll('\u0000', '\uFFFD') : v)));
}

async function writeEvents(c: pg.ClientBase, events: StreamEvent[]): Promise<void> {
  await c.query(
    `INSERT INTO events (event_id, stream_type, stream_id, version, type, data, actor, actor_role, note, at)
     SELECT x.event_id, x.stream_type, x.stream_id, x.version, x.type, x.data, x.actor, x.actor_role, x.note, x.at
       FROM jsonb_to_recordset($1::jsonb) AS x(event_id uuid, stream_type text, stream_id text, version int, type text, data jsonb, actor text, actor_role text, note text, at timestamptz)
     ON CONFLICT (event_id) DO NOTHING`,
    [
      pgJson(
        events.map((e) => ({
          event_id: e.eventId,
          stream_type: e.stream,
          stream_id: e.id,
          version: e.version,
          type: e.type,
          data: e.state,
          actor: e.actor,
          actor_role: e.role ?? null,
          note: clip(e.note),
          at: iso(e.at),
        })),
      ),
    ],
  );
  await upsertLatest(c, events.map((e) => ({ stream: e.stream, id: e.id, version: e.version, state: e.state })));
}

/**
 * The current-state rows of these changes: each stream's highest version (the first one
 * given at that version), written in the order of those changes, so that an alert cleared
 * before its successor for the same condition is raised also leaves the open-alert index first.
 */
export async function upsertLatest(c: pg.ClientBase, changes: { stream: StreamType; id: string; version: number; state: Alert | Incident | Unit }[]): Promise<void> {
  const last = new Map<string, (typeof changes)[number]>();
  for (const e of changes) {
    const key = `${e.stream}\u0000${e.id}`;
    const kept = last.get(key);
    if (kept && kept.version >= e.version) continue;
    last.delete(key);
    last.set(key, e);
  }
  const byType = { alert: [] as Alert[], incident: [] as Incident[], unit: [] as Unit[] };
  for (const e of last.values()) (byType[e.stream] as unknown[]).push(e.state);
  if (byType.alert.length > 0) await upsertAlerts(c, byType.alert);
  if (byType.incident.length > 0) await upsertIncidents(c, byType.incident);
  if (byType.unit.length > 0) await upsertUnits(c, byType.unit);
}

export async function upsertAlerts(c: pg.ClientBase, alerts: Alert[]): Promise<void> {
  await c.query(
    `INSERT INTO alerts (id, version, state, status, severity, rule, dedupe_key, source_kind, source_id, ward_id, incident_id, first_seen, last_seen, updated_at)
     SELECT x.id, x.version, x.state, x.status, x.severity, x.rule, x.dedupe_key, x.source_kind, x.source_id, x.ward_id, x.incident_id, x.first_seen, x.last_seen, now()
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, version int, state jsonb, status text, severity text, rule text, dedupe_key text, source_kind text, source_id text, ward_id text, incident_id text, first_seen timestamptz, last_seen timestamptz)
     ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, state = EXCLUDED.state, status = EXCLUDED.status, severity = EXCLUDED.severity,
       ward_id = EXCLUDED.ward_id, incident_id = EXCLUDED.incident_id, last_seen = EXCLUDED.last_seen, updated_at = now()
     WHERE alerts.version < EXCLUDED.version`,
    [
      pgJson(
        alerts.map((a) => ({
          id: a.id,
          version: a.version,
          state: a,
          status: a.state,
          severity: a.severity,
          rule: a.rule,
          dedupe_key: a.dedupeKey,
          source_kind: a.source.kind,
          source_id: a.source.id,
          ward_id: a.wardId ?? null,
          incident_id: a.incidentId,
          first_seen: iso(a.firstSeen),
          last_seen: iso(a.lastSeen),
        })),
      ),
    ],
  );
}

export async function upsertIncidents(c: pg.ClientBase, incidents: Incident[]): Promise<void> {
  await c.query(
    `INSERT INTO incidents (id, version, state, status, severity, type, channel, ward_id, unit_ids, external_ref, created_at, updated_at, acknowledged_at, resolved_at)
     SELECT x.id, x.version, x.state, x.status, x.severity, x.type, x.channel, x.ward_id, x.unit_ids, x.external_ref, x.created_at, x.updated_at, x.acknowledged_at, x.resolved_at
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, version int, state jsonb, status text, severity text, type text, channel text, ward_id text, unit_ids text[], external_ref text, created_at timestamptz, updated_at timestamptz, acknowledged_at timestamptz, resolved_at timestamptz)
     ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, state = EXCLUDED.state, status = EXCLUDED.status, severity = EXCLUDED.severity,
       type = EXCLUDED.type, ward_id = EXCLUDED.ward_id, unit_ids = EXCLUDED.unit_ids, external_ref = EXCLUDED.external_ref,
       updated_at = EXCLUDED.updated_at, acknowledged_at = EXCLUDED.acknowledged_at, resolved_at = EXCLUDED.resolved_at
     WHERE incidents.version < EXCLUDED.version`,
    [
      pgJson(
        incidents.map((i) => ({
          id: i.id,
          version: i.version,
          state: i,
          status: i.status,
          severity: i.severity,
          type: i.type,
          channel: i.channel,
          ward_id: i.wardId,
          unit_ids: activeUnits(i).map((u) => u.unitId),
          external_ref: i.externalRef,
          created_at: iso(i.createdAt),
          updated_at: iso(i.updatedAt),
          acknowledged_at: iso(i.acknowledgedAt),
          resolved_at: iso(i.resolvedAt),
        })),
      ),
    ],
  );
}

export async function upsertUnits(c: pg.ClientBase, units: Unit[]): Promise<void> {
  await c.query(
    `INSERT INTO units (id, version, state, status, kind, incident_id, updated_at)
     SELECT x.id, x.version, x.state, x.status, x.kind, x.incident_id, x.updated_at
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, version int, state jsonb, status text, kind text, incident_id text, updated_at timestamptz)
     ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, state = EXCLUDED.state, status = EXCLUDED.status, kind = EXCLUDED.kind,
       incident_id = EXCLUDED.incident_id, updated_at = EXCLUDED.updated_at
     WHERE units.version < EXCLUDED.version`,
    [pgJson(units.map((u) => ({ id: u.id, version: u.version, state: u, status: u.status, kind: u.kind, incident_id: u.incidentId, updated_at: iso(u.updatedAt) })))],
  );
}

async function writeAudit(c: pg.ClientBase, rows: AuditEntry[]): Promise<void> {
  await c.query(
    `INSERT INTO audit (event_id, at, entity, type, target, actor, role, address, result, note)
     SELECT x.event_id, x.at, x.entity, x.type, x.target, x.actor, x.role, x.address, x.result, x.note
       FROM jsonb_to_recordset($1::jsonb) AS x(event_id uuid, at timestamptz, entity text, type text, target text, actor text, role text, address text, result text, note text)
     ON CONFLICT (event_id) DO NOTHING`,
    [
      pgJson(
        rows.map((r) => ({
          event_id: r.eventId,
          at: iso(r.at),
          entity: r.entity,
          type: r.type,
          target: r.target?.slice(0, 256) ?? null,
          actor: r.actor,
          role: r.role ?? null,
          address: r.address ?? null,
          result: r.result,
          note: clip(r.note),
        })),
      ),
    ],
  );
}

/** What the server holds in memory at start-up: the picture the console opens on. */
export interface OpenPicture {
  alerts: Alert[];
  incidents: Incident[];
  units: Unit[];
}

/**
 * Open alerts and the last `keepCleared` cleared ones; incidents not closed, and those
 * closed within `closedWithinMs` (today's KPIs); every unit.
 */
/** The current state of these streams (missing ones are left out): what a server re-reads after a refused write. */
export async function loadStreams(q: pg.Pool | pg.ClientBase, ids: { stream: StreamType; id: string }[]): Promise<{ stream: StreamType; id: string; state: Alert | Incident | Unit | null }[]> {
  const by: Record<StreamType, string[]> = { alert: [], incident: [], unit: [] };
  for (const x of ids) by[x.stream].push(x.id);
  const out: { stream: StreamType; id: string; state: Alert | Incident | Unit | null }[] = [];
  const tables = { alert: 'alerts', incident: 'incidents', unit: 'units' } as const;
  for (const stream of ['alert', 'incident', 'unit'] as const) {
    const want = [...new Set(by[stream])];
    if (want.length === 0) continue;
    const r = await q.query<{ id: string; state: Alert | Incident | Unit }>(`SELECT id, state FROM ${tables[stream]} WHERE id = ANY($1::text[])`, [want]);
    const found = new Map(r.rows.map((row) => [row.id, stream === 'incident' ? normalizeIncident(row.state as Incident) : row.state]));
    for (const id of want) out.push({ stream, id, state: found.get(id) ?? null });
  }
  return out;
}

export async function loadOpenPicture(q: pg.Pool | pg.ClientBase, opts: { keepCleared: number; closedWithinMs: number; now: number }): Promise<OpenPicture> {
  const alerts = await q.query<{ state: Alert }>(
    `(SELECT state FROM alerts WHERE status <> 'cleared')
     UNION ALL
     (SELECT state FROM alerts WHERE status = 'cleared' ORDER BY updated_at DESC LIMIT $1)`,
    [opts.keepCleared],
  );
  const incidents = await q.query<{ state: Incident }>(`SELECT state FROM incidents WHERE status <> 'closed' OR updated_at >= $1 ORDER BY created_at`, [
    new Date(opts.now - opts.closedWithinMs).toISOString(),
  ]);
  const units = await q.query<{ state: Unit }>('SELECT state FROM units');
  return { alerts: alerts.rows.map((r) => r.state), incidents: incidents.rows.map((r) => normalizeIncident(r.state)), units: units.rows.map((r) => r.state) };
}

export interface AuditRow {
  at: number;
  entity: string;
  type: string;
  id: string;
  by: string;
  role: string | undefined;
  address: string | undefined;
  result: 'ok' | 'refused';
  note: string | undefined;
}

export interface AuditQuery {
  from: number;
  to: number;
  entity?: string | undefined;
  id?: string | undefined;
  by?: string | undefined;
  limit: number;
}

/** The audit trail, newest first. */
export async function queryAudit(q: pg.Pool | pg.ClientBase, a: AuditQuery): Promise<AuditRow[]> {
  const where = ['at >= $1', 'at <= $2'];
  const values: unknown[] = [new Date(a.from).toISOString(), new Date(a.to).toISOString()];
  const add = (sql: string, v: unknown) => {
    values.push(v);
    where.push(sql.replace('?', `$${values.length}`));
  };
  if (a.entity) add('entity = ?', a.entity);
  if (a.id) add('target = ?', a.id);
  if (a.by) add('actor = ?', a.by);
  values.push(Math.trunc(a.limit));
  const rows = await q.query<{ at: Date; entity: string; type: string; target: string | null; actor: string; role: string | null; address: string | null; result: string; note: string | null }>(
    `SELECT at, entity, type, target, actor, role, address, result, note FROM audit WHERE ${where.join(' AND ')} ORDER BY at DESC, id DESC LIMIT $${values.length}`,
    values,
  );
  return rows.rows.map((r) => ({
    at: r.at.getTime(),
    entity: r.entity,
    type: r.type,
    id: r.target ?? '',
    by: r.actor,
    role: r.role ?? undefined,
    address: r.address ?? undefined,
    result: r.result === 'refused' ? 'refused' : 'ok',
    note: r.note ?? undefined,
  }));
}

/** Incidents closed in [from, to) (by their last change, which for a closed incident is its closing), latest first, at most `limit`. */
export async function queryClosedIncidents(q: pg.Pool | pg.ClientBase, a: { from: number; to: number; limit: number }): Promise<Incident[]> {
  const r = await q.query<{ state: Incident }>(`SELECT state FROM incidents WHERE status = 'closed' AND updated_at >= $1 AND updated_at < $2 ORDER BY updated_at DESC LIMIT $3`, [
    new Date(a.from).toISOString(),
    new Date(a.to).toISOString(),
    a.limit,
  ]);
  return r.rows.map((row) => normalizeIncident(row.state));
}
