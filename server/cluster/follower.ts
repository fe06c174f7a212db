/**
 * Every server keeps the same picture of alerts, incidents and units: it follows PostgreSQL's
 * event log and takes each state newer than its own (the stores' `adopt`). What this server
 * wrote itself comes back too, and is skipped by its version.
 *
 * - Woken by `ioc_events` notifications (a trigger on `events`, migration 0004) and, as a
 *   backstop for a lost LISTEN connection, by a poll every `pollMs`.
 * - `global_seq` comes from a sequence, so a transaction can commit a lower number after a higher
 *   one was read. A number skipped over is kept as a gap and asked for again for `gapMs`
 *   (a rolled-back insert, such as a lost compare-and-set, leaves a gap that never fills).
 */
import pg from 'pg';
import type { Alert, Incident, Unit } from '../../contract/index.js';
import type { StreamType } from '../db/sor.js';
import type { Logger } from '../log.js';

export interface FollowedEvent {
  seq: number;
  stream: StreamType;
  state: Alert | Incident | Unit;
}

export interface FollowerOptions {
  url: string;
  pool: pg.Pool;
  log: Logger;
  apply: (events: FollowedEvent[]) => void;
  /** Default 1000. */
  pollMs?: number;
  /** How long a skipped number is asked for again. Default 10 s. */
  gapMs?: number;
  /** Events per read. Default 2000. */
  batch?: number;
}

export class EventFollower {
  private after = 0;
  private readonly gaps = new Map<number, number>();
  private listener: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private lastError: string | null = null;

  constructor(private readonly opts: FollowerOptions) {}

  /** The highest event number read. */
  get lastSeq(): number {
    return this.after;
  }

  /** The event number to start after: read before the picture is loaded, so nothing falls between. */
  static async head(pool: pg.Pool): Promise<number> {
    const r = await pool.query<{ n: string }>('SELECT coalesce(max(global_seq), 0)::text AS n FROM events');
    return Number(r.rows[0]!.n);
  }

  async start(after: number): Promise<void> {
    this.stopped = false;
    this.after = after;
    await this.listen().catch((err: Error) => {
      this.opts.log.warn({ err: err.message }, 'event log: LISTEN failed; polling until it works');
      this.scheduleListen();
    });
    this.timer = setInterval(() => this.wake(), this.opts.pollMs ?? 1000);
    this.timer.unref?.();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.timer = this.reconnectTimer = null;
    const c = this.listener;
    this.listener = null;
    await c?.end().catch(() => undefined);
    await this.reading;
  }

  /** Reads until nothing newer is left: what a server does before it starts leading. */
  async catchUp(): Promise<void> {
    for (;;) {
      while (this.reading) await this.reading;
      let n = 0;
      const p = this.read().then((k) => {
        n = k;
      });
      this.reading = p.catch(() => undefined).finally(() => (this.reading = null));
      await p;
      if (n < (this.opts.batch ?? 2000)) return;
    }
  }

  private wake(): void {
    if (this.stopped) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.read()
      .then(() => undefined)
      .catch((err: Error) => {
        if (this.lastError === null) this.opts.log.warn({ err: err.message }, 'event log: read failed; retrying');
        this.lastError = err.message;
      })
      .finally(() => {
        this.reading = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** One read: everything after the last number, and the gaps. Returns how many rows came. */
  private async read(): Promise<number> {
    const now = Date.now();
    for (const [seq, since] of this.gaps) if (now - since > (this.opts.gapMs ?? 10_000)) this.gaps.delete(seq);
    const gaps = [...this.gaps.keys()];
    const limit = this.opts.batch ?? 2000;
    const r = await this.opts.pool.query<{ seq: string; stream_type: StreamType; data: Alert | Incident | Unit }>(
      `(SELECT global_seq AS seq, stream_type, data FROM events WHERE global_seq > $1 ORDER BY global_seq LIMIT $2)
       UNION ALL
       (SELECT global_seq AS seq, stream_type, data FROM events WHERE global_seq = ANY($3::bigint[]))`,
      [this.after, limit, gaps],
    );
    this.lastError = null;
    if (r.rows.length === 0) return 0;
    const events: FollowedEvent[] = [];
    let newest = this.after;
    const seen = new Set<number>();
    for (const row of r.rows) {
      const seq = Number(row.seq);
      seen.add(seq);
      this.gaps.delete(seq);
      if (seq > newest) newest = seq;
      events.push({ seq, stream: row.stream_type, state: row.data });
    }
    events.sort((a, b) => a.seq - b.seq);
    // Numbers skipped over in this read: a transaction may still commit them.
    if (newest - this.after < 100_000) for (let s = this.after + 1; s < newest; s++) if (!seen.has(s)) this.gaps.set(s, now);
    if (this.gaps.size > 50_000) for (const k of [...this.gaps.keys()].slice(0, this.gaps.size - 50_000)) this.gaps.delete(k);
    this.after = newest;
    this.opts.apply(events);
    return r.rows.length;
  }

  private async listen(): Promise<void> {
    const c = new pg.Client({ connectionString: this.opts.url, application_name: 'ioc-console:follow', keepAlive: true, connectionTimeoutMillis: 5000 });
    const lost = () => {
      if (this.listener !== c) return;
      this.listener = null;
      c.end().catch(() => undefined);
      this.scheduleListen();
    };
    c.on('error', lost);
    c.on('end', lost);
    c.on('notification', () => this.wake());
    await c.connect();
    await c.query('LISTEN ioc_events');
    if (this.stopped) {
      await c.end().catch(() => undefined);
      return;
    }
    this.listener = c;
    // Whatever was written while not listening.
    this.wake();
  }

  private scheduleListen(): void {
    if (this.stopped || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.listen().catch(() => this.scheduleListen());
    }, 1000);
    this.reconnectTimer.unref?.();
  }
}
