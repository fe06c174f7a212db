/**
 * The server's one ordered writer to PostgreSQL. Everything the system of record keeps
 * (events of alerts, incidents and units with their current state, audit rows, account and
 * device changes) is appended here synchronously by the code that decides it, and written
 * in order, in batches, one transaction per batch (server/db/sor.ts has the SQL).
 *
 * Why a queue rather than a query per change:
 *   - the rules and the ingest path are synchronous and must go on while the database is
 *     away (issue #20, "Ingest and telemetry go on"). What they decide is kept here, in
 *     order, and written when the database returns: none lost;
 *   - a batch whose answer never came (the connection dropped during COMMIT) is sent again.
 *     Every event and audit row carries a UUIDv7 (`event_id`) and a state row only moves
 *     forward in version, so the second attempt skips what the first stored: none twice;
 *   - one transaction for many changes keeps a burst (a typhoon taking out 40 stations)
 *     to a few round trips.
 *
 * A command waits for its own entries (`flushed`) before it answers, so what it did (state
 * and audit row) is readable by any later request: read-your-writes. While the database is
 * away, commands are refused up front with the retryable `unavailable` (see `available`).
 */
import type pg from 'pg';
import type { Logger } from '../log.js';
import { withPoolClient } from './pool.js';
import { writeBatch, type JournalEntry } from './sor.js';

export type { JournalEntry } from './sor.js';

/** The database is away: the entry is kept and written later, but the caller should not wait. */
export class DbUnavailableError extends Error {
  constructor(message = 'the database is not answering: try again in a moment') {
    super(message);
    this.name = 'DbUnavailableError';
  }
}

/** The database refused the entry for good: another writer took the stream's version, or the row is invalid. */
export class DbRejectedError extends Error {
  constructor(
    message: string,
    readonly conflict: boolean,
    /** Written under a leader's fence that no longer holds (server/cluster/lease.ts): this server stopped leading. */
    readonly fenced = false,
    /** The fence it was written under (`holder token`), or null. */
    readonly fence: string | null = null,
  ) {
    super(message);
    this.name = 'DbRejectedError';
  }
}

export interface JournalStats {
  /** Entries waiting to be written. */
  pending: number;
  written: number;
  rejected: number;
  batches: number;
  /** False from a failed write until the next one succeeds. */
  available: boolean;
  /** Epoch ms of the failure that made it unavailable, or null. */
  downSince: number | null;
  lastError: string | null;
}

export interface JournalOptions {
  log: Logger;
  /** Entries per transaction at most. Default 500. */
  maxBatch?: number;
  /** First wait before a retry while the database is away; doubles up to retryMaxMs. */
  retryMinMs?: number;
  retryMaxMs?: number;
  now?: () => number;
  /** Told after every batch: written entries, rejected entries, milliseconds. */
  onBatch?: (written: number, rejected: number, ms: number) => void;
  /**
   * The leader's fence while this server leads (server/cluster/lease.ts), else null. Read when
   * an entry is appended and written with it: `ioc_fence(holder, token)` opens its transaction,
   * so what a leader appended is refused once it no longer leads, even if written later.
   */
  fence?: () => { holder: string; token: number } | null;
  /** Told of every group the database refused for good (a conflict, a fence): the caller re-reads those streams. */
  onRejected?: (entries: JournalEntry[], err: DbRejectedError) => void;
}

interface Queued {
  seq: number;
  entry: JournalEntry;
  /** Entries of one group are written in one transaction, or refused together. */
  group: number;
  /** `holder token` of the fence the entry was appended under, or null. */
  fence: string | null;
}

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | null;
}

/** SQLSTATE classes that say the entry itself is wrong (data, constraint, syntax), or its fence no longer holds (IOC01): retrying cannot help. */
const PERMANENT = /^(22|23|42|IOC01)/;
const FENCED = 'IOC01';

export function isPermanentDbError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && PERMANENT.test(code);
}

export class Journal {
  private queue: Queued[] = [];
  private nextSeq = 1;
  private nextGroup = 1;
  /** The group of atomically()'s entries while it runs, else null. */
  private currentGroup: number | null = null;
  /** Every entry up to this one is written or rejected. */
  private doneSeq = 0;
  private readonly rejected = new Map<number, DbRejectedError>();
  private waiters: Waiter[] = [];
  private writing: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryMs: number;
  private stopped = false;
  private readonly stats: JournalStats = { pending: 0, written: 0, rejected: 0, batches: 0, available: true, downSince: null, lastError: null };
  private readonly now: () => number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly opts: JournalOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.retryMs = opts.retryMinMs ?? 250;
  }

  /** False while the database is away: commands answer `unavailable` instead of waiting. */
  get available(): boolean {
    return this.stats.available;
  }

  /** The sequence number of the last entry appended (0: none yet). */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  snapshot(): JournalStats {
    return { ...this.stats, pending: this.queue.length };
  }

  /** Keeps the entry, in order; returns its sequence number. Never throws, never blocks. */
  append(entry: JournalEntry): number {
    const seq = this.nextSeq++;
    const f = this.opts.fence?.() ?? null;
    this.queue.push({ seq, entry, group: this.currentGroup ?? this.nextGroup++, fence: f ? `${f.holder} ${f.token}` : null });
    this.kick();
    return seq;
  }

  /**
   * Every entry fn appends is written in one transaction, or refused with the others: a command
   * that dispatches a unit changes the incident and the unit together or not at all.
   */
  atomically<T>(fn: () => T): T {
    if (this.currentGroup !== null) return fn();
    this.currentGroup = this.nextGroup++;
    try {
      return fn();
    } finally {
      this.currentGroup = null;
    }
  }

  /**
   * Resolves when every entry up to `seq` is written. Rejects with DbRejectedError when one of
   * those from `fromSeq` on was refused by the database (a conflict), or with DbUnavailableError
   * after `timeoutMs` (the entries stay queued and are written when the database returns).
   * `fencedOnly`: only a refusal by the fence counts (a cluster leader's PUBACKs wait so: a
   * conflict means another writer's state stands, and it is read back through onRejected).
   */
  flushed(seq = this.lastSeq, opts: { fromSeq?: number; timeoutMs?: number; fencedOnly?: boolean } = {}): Promise<void> {
    const check = (): Error | null => {
      for (let s = opts.fromSeq ?? seq; s <= seq; s++) {
        const r = this.rejected.get(s);
        if (r && (!opts.fencedOnly || r.fenced)) return r;
      }
      return null;
    };
    if (seq <= this.doneSeq) {
      const err = check();
      return err ? Promise.reject(err) : Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = {
        seq,
        resolve: () => {
          const err = check();
          if (err) reject(err);
          else resolve();
        },
        reject,
        timer: null,
      };
      if (opts.timeoutMs !== undefined) {
        w.timer = setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          reject(new DbUnavailableError(`not yet written after ${opts.timeoutMs} ms: the database is slow or away (${this.stats.lastError ?? 'no answer'})`));
        }, opts.timeoutMs);
        w.timer.unref?.();
      }
      this.waiters.push(w);
    });
  }

  /** Writes what is queued, waiting at most `deadlineMs`; later appends are still accepted. */
  async stop(deadlineMs = 5000): Promise<void> {
    const last = this.lastSeq;
    if (last > this.doneSeq) {
      await this.flushed(last, { timeoutMs: deadlineMs }).catch((err: Error) => {
        if (err instanceof DbUnavailableError) this.opts.log.error({ pending: this.queue.length, err: err.message }, 'stopping with changes not yet written to PostgreSQL');
      });
    }
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.writing;
  }

  private kick(): void {
    if (this.writing || this.retryTimer || this.stopped || this.queue.length === 0) return;
    // On the next turn: the rest of a synchronous burst joins the same batch.
    this.writing = new Promise<void>((r) => setImmediate(r)).then(() => this.writeNext());
  }

  /** The next batch: at most maxBatch entries (more only to finish a group), all under one fence. */
  private nextBatch(): Queued[] {
    const max = this.opts.maxBatch ?? 500;
    const first = this.queue[0]!;
    let n = 1;
    while (n < this.queue.length) {
      const q = this.queue[n]!;
      if (q.fence !== first.fence) break;
      if (n >= max && q.group !== this.queue[n - 1]!.group) break;
      n++;
    }
    return this.queue.slice(0, n);
  }

  private async writeNext(): Promise<void> {
    const batch = this.nextBatch();
    const started = this.now();
    let rejected = 0;
    try {
      rejected = await this.write(batch);
    } catch (err) {
      this.down(err as Error);
      this.writing = null;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.kick();
      }, this.retryMs);
      this.retryTimer.unref?.();
      this.retryMs = Math.min(this.retryMs * 2, this.opts.retryMaxMs ?? 5000);
      return;
    }
    this.up();
    this.queue.splice(0, batch.length);
    this.doneSeq = batch[batch.length - 1]!.seq;
    this.stats.batches++;
    this.stats.written += batch.length - rejected;
    this.stats.rejected += rejected;
    this.opts.onBatch?.(batch.length - rejected, rejected, this.now() - started);
    this.release();
    this.writing = null;
    this.kick();
  }

  /** One transaction for the batch; when the database refuses one entry, each group alone (so the others land). Returns how many were refused. */
  private async write(batch: Queued[]): Promise<number> {
    const fence = batch[0]!.fence;
    try {
      await this.transaction(fence, (c) => writeBatch(c, batch.map((b) => b.entry)));
      return 0;
    } catch (err) {
      if (!isPermanentDbError(err)) throw err;
    }
    let refused = 0;
    const groups: Queued[][] = [];
    for (const b of batch) {
      const last = groups[groups.length - 1];
      if (last && last[0]!.group === b.group) last.push(b);
      else groups.push([b]);
    }
    for (const g of groups) {
      try {
        await this.transaction(fence, (c) => writeBatch(c, g.map((b) => b.entry)));
      } catch (err) {
        if (!isPermanentDbError(err)) throw err;
        refused += g.length;
        const e = err as Error & { code?: string; constraint?: string };
        const conflict = e.code === '23505' && e.constraint === 'events_stream_version_key';
        const fenced = e.code === FENCED;
        const what = g.map((b) => (b.entry.kind === 'event' ? `${b.entry.stream} ${b.entry.id} v${b.entry.version} ${b.entry.type}` : b.entry.kind === 'audit' ? `audit ${b.entry.type}` : 'statement')).join(', ');
        const rejection = new DbRejectedError(conflict ? `${what}: another writer took this version` : fenced ? `${what}: this server no longer leads` : `${what}: ${e.message}`, conflict, fenced, fence);
        for (const b of g) this.rejected.set(b.seq, rejection);
        this.opts.log.error({ entry: what.slice(0, 500), code: e.code, constraint: e.constraint, err: e.message }, conflict ? 'PostgreSQL: version conflict, change not stored' : fenced ? 'PostgreSQL: written under a lost lease, change refused' : 'PostgreSQL refused a change');
        try {
          this.opts.onRejected?.(g.map((b) => b.entry), rejection);
        } catch (hookErr) {
          this.opts.log.error({ err: (hookErr as Error).message }, 'journal: the rejection hook failed');
        }
      }
    }
    // Bounded: rejections are kept for the waiters of the last few thousand entries.
    if (this.rejected.size > 10_000) for (const k of [...this.rejected.keys()].slice(0, 5000)) this.rejected.delete(k);
    return refused;
  }

  /** One transaction on a client of its own; a client whose connection failed is not given back to the pool. */
  private transaction(fence: string | null, fn: (c: pg.PoolClient) => Promise<void>): Promise<void> {
    return withPoolClient(
      this.pool,
      async (c) => {
        await c.query('BEGIN');
        try {
          if (fence !== null) {
            const i = fence.lastIndexOf(' ');
            await c.query('SELECT ioc_fence($1, $2)', [fence.slice(0, i), fence.slice(i + 1)]);
          }
          await fn(c);
          await c.query('COMMIT');
        } catch (err) {
          await c.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      },
      (err) => !isPermanentDbError(err),
    );
  }

  private down(err: Error): void {
    const first = this.stats.available;
    this.stats.available = false;
    this.stats.downSince ??= this.now();
    this.stats.lastError = err.message;
    if (first) this.opts.log.error({ err: err.message, pending: this.queue.length }, 'PostgreSQL is not answering: changes are kept in order and written when it returns; commands answer `unavailable`');
    // A waiter without a deadline waits on; the ones with a deadline have their own timers.
  }

  private up(): void {
    if (!this.stats.available) {
      this.opts.log.warn({ downMs: this.now() - (this.stats.downSince ?? this.now()), pending: this.queue.length }, 'PostgreSQL answers again: writing what was kept');
    }
    this.stats.available = true;
    this.stats.downSince = null;
    this.retryMs = this.opts.retryMinMs ?? 250;
  }

  private release(): void {
    const ready = this.waiters.filter((w) => w.seq <= this.doneSeq);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.seq > this.doneSeq);
    for (const w of ready) {
      if (w.timer) clearTimeout(w.timer);
      w.resolve();
    }
  }
}
