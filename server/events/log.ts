/**
 * The event log: every alert, incident and unit change, and every operator
 * action, as a point in the `events` measurement — the system of record.
 * Each point carries the entity's full state after the change, so the open
 * picture is rebuilt at start-up by taking the last state of each id, and the
 * audit trail is a query. Written through the spool like every other point.
 */
import type { InfluxDB } from 'influx';
import type { PointWriter } from '../influx/writer.js';
import { nsTimestamp } from '../influx/points.js';

/** `ingest`: ingest tokens issued and revoked, station imports, refused CAP messages (server/ingest/tokens.ts). */
export type EventEntity = 'alert' | 'incident' | 'unit' | 'auth' | 'ingest';

export interface LogEntry {
  entity: EventEntity;
  id: string;
  /** What happened: raised, acknowledged, dispatch, login, login_failed… */
  type: string;
  by: string;
  role?: string | undefined;
  result?: 'ok' | 'refused';
  note?: string | undefined;
  /** Full state after the change (alerts, incidents, units). */
  state?: unknown;
}

export interface StoredEvent extends LogEntry {
  at: number;
}

export class EventLog {
  private counter = 0;
  /** The role of the operator whose command is running (commands are synchronous). */
  private role: string | undefined;

  constructor(
    private readonly writer: PointWriter,
    private readonly now: () => number = Date.now,
  ) {}

  /** Run fn with every event it appends (other than the system's) carrying this role. */
  asRole<T>(role: string, fn: () => T): T {
    const before = this.role;
    this.role = role;
    try {
      return fn();
    } finally {
      this.role = before;
    }
  }

  append(e: LogEntry): void {
    const at = this.now();
    const role = e.role ?? (e.by !== 'system' ? this.role : undefined);
    this.counter = (this.counter + 1) % 1_000_000;
    const fields: Record<string, string> = { id: e.id, by: e.by, result: e.result ?? 'ok' };
    if (role) fields.role = role;
    if (e.note) fields.note = e.note.slice(0, 2000);
    if (e.state !== undefined) fields.state = JSON.stringify(e.state);
    this.writer.write([{ measurement: 'events', tags: { entity: e.entity, type: e.type }, fields, timestamp: nsTimestamp(at, this.counter) }]);
  }

  /** Events of the last `days`, oldest first, for rebuilding state. */
  static async load(influx: InfluxDB, entity: EventEntity, days: number): Promise<StoredEvent[]> {
    const rows = await influx.query<Record<string, unknown>>(
      `SELECT "id", "by", "state", "type" FROM events WHERE entity = '${entity}' AND time > now() - ${Math.trunc(days)}d ORDER BY time ASC`,
    );
    return rows.map((r) => toStored(r, entity));
  }

  /** The audit trail: operator actions (and logins), newest first. */
  static async audit(
    influx: InfluxDB,
    q: { from: number; to: number; entity?: EventEntity | undefined; id?: string | undefined; by?: string | undefined; limit: number },
  ): Promise<StoredEvent[]> {
    const where = [`time >= ${Math.trunc(q.from)}ms`, `time <= ${Math.trunc(q.to)}ms`, `"by" != 'system'`];
    if (q.entity) where.push(`entity = ${influxString(q.entity)}`);
    if (q.id) where.push(`"id" = ${influxString(q.id)}`);
    if (q.by) where.push(`"by" = ${influxString(q.by)}`);
    const rows = await influx.query<Record<string, unknown>>(
      `SELECT "id", "by", "role", "result", "note", "type", "entity" FROM events WHERE ${where.join(' AND ')} ORDER BY time DESC LIMIT ${Math.trunc(q.limit)}`,
    );
    return rows.map((r) => toStored(r, r.entity as EventEntity));
  }
}

/** A string literal for InfluxQL, escaped: values come from users. */
export function influxString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function toStored(r: Record<string, unknown>, entity: EventEntity): StoredEvent {
  const time = r.time as { getTime(): number };
  return {
    entity,
    id: String(r.id),
    type: String(r.type),
    by: String(r.by),
    role: typeof r.role === 'string' ? r.role : undefined,
    result: r.result === 'refused' ? 'refused' : 'ok',
    note: typeof r.note === 'string' ? r.note : undefined,
    state: typeof r.state === 'string' ? JSON.parse(r.state) : undefined,
    at: time.getTime(),
  };
}

/** Last state per id, from events oldest first. */
export function lastStates<T>(events: StoredEvent[]): T[] {
  const m = new Map<string, T>();
  for (const e of events) if (e.state !== undefined) m.set(e.id, e.state as T);
  return [...m.values()];
}
