/**
 * Accounts, sessions, display tokens, devices and ingest tokens live in PostgreSQL (issue #20);
 * their stores answer synchronously from an in-memory copy, because they are read on hot paths
 * (every request's token check, every MQTT CONNECT). This module keeps such a copy in step:
 *
 *   - load: the whole table at start (`SyncedTable.open`);
 *   - local writes: the copy changes at once; the statement goes through the journal (in order,
 *     retried while the database is away, so it must be idempotent: an upsert or a delete),
 *     together with `pg_notify('ioc_accounts', '<table>:<id>')` in the same statement, so
 *     the notification is sent when, and only when, the change commits;
 *   - other processes' writes (the CLI while the server runs, another server): one dedicated
 *     connection per process LISTENs on `ioc_accounts`; a notification reloads that row. If the
 *     connection drops, it reconnects with backoff and then reloads every table whole (what
 *     changed meanwhile was not heard);
 *   - a row with a local write not yet stored is not overwritten by a reload (the copy holds
 *     the newer state; its own notification reloads it once it is stored).
 */
import pg from 'pg';
import type { Logger } from '../log.js';
import { DbRejectedError, DbUnavailableError, Journal } from './journal.js';
import { createPool } from './pool.js';

export const ACCOUNTS_CHANNEL = 'ioc_accounts';

/** What a store needs of the database: the pool (reads), the journal (writes). */
export interface AccountsDb {
  pool: pg.Pool;
  journal: Journal;
  log: Logger;
  /** How long a caller waits for its write to be stored before `unavailable`. Default 5000. */
  timeoutMs?: number;
  /** Told what to run when the server stops (the store closes its listener). */
  onStop?: (fn: () => Promise<void>) => void;
}

// ---------------------------------------------------------------- the listener

type ChangeHandler = (id: string | null) => void;

/** One LISTEN connection per pool, shared by the stores on it; reconnects with backoff. */
class ChangeListener {
  private client: pg.Client | null = null;
  private readonly handlers = new Map<string, Set<ChangeHandler>>();
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private retryMs = 250;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly log: Logger,
  ) {}

  on(table: string, fn: ChangeHandler): () => void {
    let set = this.handlers.get(table);
    if (!set) this.handlers.set(table, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  get listeners(): number {
    let n = 0;
    for (const s of this.handlers.values()) n += s.size;
    return n;
  }

  /** The first connection must succeed (the database answers at start). */
  start(): Promise<void> {
    return this.connect(false);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
  }

  private emit(table: string, id: string | null): void {
    for (const fn of this.handlers.get(table) ?? []) fn(id);
  }

  private async connect(resync: boolean): Promise<void> {
    const c = new pg.Client({ ...this.config, application_name: 'ioc-console:listen', keepAlive: true });
    c.on('error', (err) => this.lost(c, err));
    c.on('end', () => this.lost(c));
    c.on('notification', (n) => {
      if (n.channel !== ACCOUNTS_CHANNEL || !n.payload) return;
      const i = n.payload.indexOf(':');
      if (i > 0) this.emit(n.payload.slice(0, i), n.payload.slice(i + 1));
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${ACCOUNTS_CHANNEL}`);
    } catch (err) {
      c.removeAllListeners('end');
      await c.end().catch(() => undefined);
      throw err;
    }
    if (this.stopped) {
      await c.end().catch(() => undefined);
      return;
    }
    this.client = c;
    this.retryMs = 250;
    if (resync) {
      this.log.info('account changes: listening again; reloading accounts, sessions, tokens and devices');
      for (const table of this.handlers.keys()) this.emit(table, null);
    }
  }

  private lost(c: pg.Client, err?: Error): void {
    if (this.client !== c) return;
    this.client = null;
    c.end().catch(() => undefined);
    if (this.stopped) return;
    this.log.warn({ err: err?.message }, 'account changes: the LISTEN connection dropped; reconnecting');
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect(true).catch((err: Error) => {
        this.log.debug({ err: err.message, retryMs: this.retryMs }, 'account changes: reconnect failed');
        this.retryMs = Math.min(this.retryMs * 2, 5000);
        this.schedule();
      });
    }, this.retryMs);
    this.timer.unref?.();
  }
}

const listeners = new WeakMap<pg.Pool, Promise<ChangeListener>>();

async function listen(db: AccountsDb, table: string, fn: ChangeHandler): Promise<() => Promise<void>> {
  let p = listeners.get(db.pool);
  if (!p) {
    const l = new ChangeListener({ ...db.pool.options }, db.log);
    p = l.start().then(() => l);
    listeners.set(db.pool, p);
    p.catch(() => listeners.delete(db.pool));
  }
  const l = await p;
  const off = l.on(table, fn);
  return async () => {
    off();
    if (l.listeners === 0 && listeners.get(db.pool) === p) {
      listeners.delete(db.pool);
      await l.stop();
    }
  };
}

// ---------------------------------------------------------------- a table kept in memory

export interface TableSpec<T> {
  /** The table, also the tag of its notifications. */
  table: string;
  /** `SELECT … FROM table`: every row (a `WHERE id = ANY($1)` is appended to reload some). */
  select: string;
  fromRow(row: Record<string, unknown>): T;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref?.());

export class SyncedTable<T> {
  readonly rows = new Map<string, T>();
  /** Ids with a local write not yet stored: the sequence number of the last one. */
  private readonly pending = new Map<string, number>();
  /** Ids written locally, by write number: a reload that began before it does not overwrite it. */
  private readonly written = new Map<string, number>();
  private writes = 0;
  private readonly dirty = new Set<string>();
  private full = false;
  private reloading: Promise<void> | null = null;
  private closed = false;
  private unlisten: (() => Promise<void>) | null = null;
  private readonly changeListeners: (() => void)[] = [];

  constructor(
    private readonly db: AccountsDb,
    private readonly spec: TableSpec<T>,
    private readonly idOf: (t: T) => string,
  ) {}

  /** Listens, then loads the table (a change between the two is heard and reloaded). */
  async open(): Promise<void> {
    this.unlisten = await listen(this.db, this.spec.table, (id) => this.changed(id));
    const { rows } = await this.db.pool.query(this.spec.select);
    this.rows.clear();
    for (const r of rows) {
      const t = this.spec.fromRow(r);
      this.rows.set(this.idOf(t), t);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.unlisten?.();
    this.unlisten = null;
    await this.reloading;
  }

  /** Called after another process's change was loaded into the copy. */
  onChange(fn: () => void): void {
    this.changeListeners.push(fn);
  }

  get available(): boolean {
    return this.db.journal.available;
  }

  /**
   * Changes the copy at once (`undefined` deletes) and queues `text` (one idempotent statement:
   * an upsert or a delete) with the notification of these ids. Returns the journal sequence number.
   */
  write(changes: [id: string, next: T | undefined][], text: string, values: unknown[]): number {
    const ids = changes.map(([id]) => id);
    for (const [id, next] of changes) {
      if (next === undefined) this.rows.delete(id);
      else this.rows.set(id, next);
    }
    const n = values.length;
    const seq = this.db.journal.append({
      kind: 'sql',
      text: `WITH w AS (${text}) SELECT pg_notify('${ACCOUNTS_CHANNEL}', $${n + 1}::text || x) FROM unnest($${n + 2}::text[]) AS x`,
      values: [...values, `${this.spec.table}:`, ids],
    });
    const mark = ++this.writes;
    for (const id of ids) {
      this.pending.set(id, seq);
      this.written.set(id, mark);
    }
    const settle = () => {
      for (const id of ids) {
        if (this.pending.get(id) === seq) this.pending.delete(id);
        if (!this.reloading && !this.pending.has(id)) this.written.delete(id);
      }
    };
    this.db.journal.flushed(seq).then(settle, (err: Error) => {
      settle();
      // Refused for good (a username taken by another server meanwhile): the copy follows the database.
      if (err instanceof DbRejectedError) for (const id of ids) this.changed(id);
    });
    return seq;
  }

  /** A statement that needs no notification (the sweep of expired rows each process does itself). */
  execute(text: string, values: unknown[]): number {
    return this.db.journal.append({ kind: 'sql', text, values });
  }

  /** Resolves once the writes `seqs` are stored; DbUnavailableError after the timeout, DbRejectedError if refused. */
  async stored(seqs: readonly number[]): Promise<void> {
    for (const seq of seqs) if (seq > 0) await this.db.journal.flushed(seq, { timeoutMs: this.db.timeoutMs ?? 5000 });
  }

  /** `id`: that row changed elsewhere; null: anything may have (after a reconnect). */
  private changed(id: string | null): void {
    if (this.closed) return;
    if (id === null) this.full = true;
    else this.dirty.add(id);
    if (this.reloading) return;
    this.reloading = this.drain().finally(() => {
      this.reloading = null;
      for (const [id] of this.written) if (!this.pending.has(id)) this.written.delete(id);
    });
  }

  private async drain(): Promise<void> {
    while ((this.full || this.dirty.size > 0) && !this.closed) {
      const full = this.full;
      const ids = [...this.dirty];
      this.full = false;
      this.dirty.clear();
      const mark = this.writes;
      let rows: Record<string, unknown>[];
      try {
        rows = (full ? await this.db.pool.query(this.spec.select) : await this.db.pool.query(`${this.spec.select} WHERE id = ANY($1)`, [ids])).rows;
      } catch (err) {
        this.db.log.warn({ table: this.spec.table, err: (err as Error).message }, 'account changes: reload failed; trying again');
        if (full) this.full = true;
        for (const id of ids) this.dirty.add(id);
        await sleep(1000);
        continue;
      }
      const found = new Map<string, T>();
      for (const r of rows) {
        const t = this.spec.fromRow(r);
        found.set(this.idOf(t), t);
      }
      const mine = (id: string) => this.pending.has(id) || (this.written.get(id) ?? 0) > mark;
      let changed = false;
      for (const id of full ? [...this.rows.keys(), ...found.keys()] : ids) {
        if (mine(id)) continue;
        const t = found.get(id);
        if (t === undefined) changed = this.rows.delete(id) || changed;
        else {
          // Our own writes come back too: only a real difference is news.
          const before = this.rows.get(id);
          if (before === undefined || JSON.stringify(before) !== JSON.stringify(t)) changed = true;
          this.rows.set(id, t);
        }
      }
      if (changed) {
        for (const fn of this.changeListeners) {
          try {
            fn();
          } catch (err) {
            this.db.log.error({ err }, 'account change listener failed');
          }
        }
      }
    }
  }
}

/** A timestamptz column as epoch ms (null stays null). */
export const ms = (v: unknown): number | null => (v === null || v === undefined ? null : v instanceof Date ? v.getTime() : new Date(String(v)).getTime());

/** A pool and journal of its own, for a process that is not the server (the CLI, tests): close() writes what is queued. */
export interface OwnAccountsDb extends AccountsDb {
  close(): Promise<void>;
}

export function openAccountsDb(url: string, log: Logger, opts: { timeoutMs?: number } = {}): OwnAccountsDb {
  const pool = createPool(url, { applicationName: 'ioc-console:accounts', max: 3, logger: log });
  const journal = new Journal(pool, { log });
  const stops: (() => Promise<void>)[] = [];
  return {
    pool,
    journal,
    log,
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    onStop: (fn) => stops.push(fn),
    async close() {
      while (stops.length) await stops.pop()!().catch(() => undefined);
      await journal.stop();
      await pool.end();
    },
  };
}
