/**
 * The event log: every alert, incident and unit change, and every operator action.
 *
 * - PostgreSQL holds it (server/db/journal.ts, in order): a change of an alert, incident or
 *   unit is an event of its stream with the full state after it, and the current-state row
 *   moves with it; a change by a person, a refusal, a login is also an audit row.
 * - InfluxDB keeps a copy in the `events` measurement, for the replay and the charts
 *   (server/replay): a time-series view, never the only copy.
 */
import { v7 as uuidv7 } from 'uuid';
import type { Journal } from '../db/journal.js';
import type { StreamType } from '../db/sor.js';
import type { PointWriter } from '../influx/writer.js';
import { nsTimestamp } from '../influx/lineprotocol.js';

/** `ingest`: ingest tokens issued and revoked, station imports, refused CAP messages (server/ingest/tokens.ts). `video`: live views (server/video/views.ts). */
export type EventEntity = 'alert' | 'incident' | 'unit' | 'auth' | 'ingest' | 'video';

export interface LogEntry {
  entity: EventEntity;
  id: string;
  /** What happened: raised, acknowledged, dispatch, login, login_failed… */
  type: string;
  by: string;
  role?: string | undefined;
  /** The client's address (logins, commands). */
  address?: string | undefined;
  result?: 'ok' | 'refused';
  note?: string | undefined;
  /** Full state after the change (alerts, incidents, units). */
  state?: unknown;
}


const STREAMS = new Set<string>(['alert', 'incident', 'unit']);

export class EventLog {
  private counter = 0;
  /** The operator whose command is running (commands are synchronous): role and address. */
  private actor: { role: string; address?: string | undefined } | undefined;

  constructor(
    private readonly writer: PointWriter,
    private readonly now: () => number = Date.now,
    private readonly journal: Journal | null = null,
  ) {}

  /** Run fn with every event it appends (other than the system's) carrying this role and address. */
  asActor<T>(actor: { role: string; address?: string | undefined }, fn: () => T): T {
    const before = this.actor;
    this.actor = actor;
    try {
      return fn();
    } finally {
      this.actor = before;
    }
  }

  append(e: LogEntry): void {
    const at = this.now();
    const role = e.role ?? (e.by !== 'system' ? this.actor?.role : undefined);
    const address = e.address ?? (e.by !== 'system' ? this.actor?.address : undefined);
    if (this.journal) this.toJournal(this.journal, e, at, role, address);
    this.counter = (this.counter + 1) % 1_000_000;
    const fields: Record<string, string> = { id: e.id, by: e.by, result: e.result ?? 'ok' };
    if (role) fields.role = role;
    if (e.note) fields.note = e.note.slice(0, 2000);
    if (e.state !== undefined) fields.state = JSON.stringify(e.state);
    this.writer.write([{ measurement: 'events', tags: { entity: e.entity, type: e.type }, fields, timestamp: nsTimestamp(at, this.counter) }]);
  }

  /** A state change is an event of its stream; what a person did (or was refused) is also an audit row. */
  private toJournal(journal: Journal, e: LogEntry, at: number, role: string | undefined, address: string | undefined): void {
    const eventId = uuidv7();
    const state = e.state as { version?: unknown } | undefined;
    if (STREAMS.has(e.entity) && state && typeof state.version === 'number') {
      journal.append({ kind: 'event', eventId, stream: e.entity as StreamType, id: e.id, version: state.version, type: e.type, state: e.state as never, actor: e.by, role, note: e.note, at });
    }
    if (e.by !== 'system' || e.result === 'refused' || !STREAMS.has(e.entity)) {
      journal.append({ kind: 'audit', eventId, entity: e.entity, type: e.type, target: e.id, actor: e.by, role, address, result: e.result ?? 'ok', note: e.note, at });
    }
  }
}
