/**
 * Who leads the cluster: a lease row in PostgreSQL (migration 0004, `cluster_leader`).
 *
 * - Taken when it has run out (or is already ours), renewed every `renewMs`, for `ttlMs`, on a
 *   connection of its own: a busy pool never delays a renewal. Each take adds one to the
 *   fencing token; the leader's journal writes `ioc_fence(holder, token)` first in every
 *   transaction (server/db/journal.ts), so a deposed leader's writes are refused by the database.
 * - The expiry is the database's clock. This process keeps its own deadline from the moment it
 *   *sent* the last successful renewal, shortened by `marginMs`: when a renewal has not come back
 *   by then, it steps down before any other server can take the lease. A cut link, a stalled
 *   database or a paused process all end the same way: `deposed` before the lease is free.
 * - A clean stop hands the lease back (expires now), so the next server takes over at once.
 */
import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Logger } from '../log.js';

export interface LeaseOptions {
  url: string;
  holder: string;
  /** Where this server answers HTTP, stored with the lease for operators and forwarding. */
  advertiseUrl?: string | null;
  ttlMs: number;
  renewMs: number;
  /** The deadline is this much earlier than the lease's end. Default: a third of ttlMs. */
  marginMs?: number;
  log: Logger;
}

export interface LeaseState {
  leading: boolean;
  token: number | null;
  /** The leader as last read from the database (null: nobody holds an unexpired lease). */
  leader: string | null;
  leaderUrl: string | null;
}

export declare interface LeaderLease {
  on(event: 'elected', fn: (token: number) => void): this;
  on(event: 'deposed', fn: (why: string) => void): this;
}

export class LeaderLease extends EventEmitter {
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private deadlineTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private busy = false;
  private readonly state: LeaseState = { leading: false, token: null, leader: null, leaderUrl: null };

  constructor(private readonly opts: LeaseOptions) {
    super();
  }

  status(): LeaseState {
    return { ...this.state };
  }

  /** The fence the journal writes while this server leads, or null. */
  fence(): { holder: string; token: number } | null {
    return this.state.leading && this.state.token !== null ? { holder: this.opts.holder, token: this.state.token } : null;
  }

  /** First attempt now; resolves after it (leading or not). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.opts.renewMs);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.timer = this.retryTimer = null;
    const wasLeading = this.state.leading;
    if (wasLeading) this.depose('stopping');
    const c = this.client;
    this.client = null;
    if (c && wasLeading) {
      // Handed back: the next server need not wait for the lease to run out.
      await c
        .query(`UPDATE cluster_leader SET expires_at = now() WHERE id = 1 AND holder = $1`, [this.opts.holder])
        .catch((err: Error) => this.opts.log.warn({ err: err.message }, 'lease not handed back: the next leader waits for it to run out'));
    }
    await c?.end().catch(() => undefined);
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const c = new pg.Client({
      connectionString: this.opts.url,
      application_name: `ioc-console:lease:${this.opts.holder}`.slice(0, 63),
      keepAlive: true,
      // A renewal that cannot finish within its period is as good as lost.
      statement_timeout: this.opts.renewMs,
      lock_timeout: this.opts.renewMs,
      // Connecting may take longer than a renewal on a busy machine; the deadline decides anyway.
      connectionTimeoutMillis: Math.max(this.opts.renewMs, this.opts.ttlMs / 2),
    });
    c.on('error', () => {
      if (this.client === c) this.client = null;
    });
    c.on('end', () => {
      if (this.client === c) this.client = null;
    });
    await c.connect();
    this.client = c;
    return c;
  }

  private async tick(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    const sentAt = performance.now();
    try {
      const c = await this.connection();
      const ttl = `${this.opts.ttlMs} milliseconds`;
      // Renew ours, or take it when it has run out (a new token); else read who holds it.
      const r = await c.query<{ url: string | null; token: string }>(
        `INSERT INTO cluster_leader AS l (id, holder, url, token, taken_at, expires_at)
              VALUES (1, $1, $2, 1, now(), now() + $3::interval)
         ON CONFLICT (id) DO UPDATE
               SET holder = EXCLUDED.holder, url = EXCLUDED.url,
                   token = CASE WHEN l.holder = EXCLUDED.holder AND l.expires_at > now() THEN l.token ELSE l.token + 1 END,
                   taken_at = CASE WHEN l.holder = EXCLUDED.holder AND l.expires_at > now() THEN l.taken_at ELSE now() END,
                   expires_at = EXCLUDED.expires_at
             WHERE l.holder = EXCLUDED.holder OR l.expires_at <= now()
         RETURNING url, token::text`,
        [this.opts.holder, this.opts.advertiseUrl ?? null, ttl],
      );
      if (this.stopped) return;
      const row = r.rows[0];
      if (row) {
        const token = Number(row.token);
        this.state.leader = this.opts.holder;
        this.state.leaderUrl = row.url;
        this.armDeadline(sentAt);
        if (!this.state.leading || this.state.token !== token) {
          // A new token means another server may have led in between: start over as leader.
          if (this.state.leading) this.depose(`the lease was taken again (token ${this.state.token} → ${token})`);
          this.state.leading = true;
          this.state.token = token;
          this.opts.log.info({ token }, 'leading the cluster');
          this.emit('elected', token);
        }
      } else {
        const who = await c.query<{ holder: string; url: string | null; left_ms: number }>(
          `SELECT holder, url, (extract(epoch FROM expires_at - now()) * 1000)::int AS left_ms FROM cluster_leader WHERE id = 1 AND expires_at > now()`,
        );
        const row = who.rows[0];
        this.state.leader = row?.holder ?? null;
        this.state.leaderUrl = row?.url ?? null;
        if (this.state.leading) this.depose(`${this.state.leader ?? 'another server'} holds the lease`);
        // The lease runs out before the next regular try: try again the moment it does, so a
        // dead leader is replaced one lease after its last renewal, not up to a period later.
        if (row && row.left_ms < this.opts.renewMs) this.retryAt(row.left_ms + 10);
      }
    } catch (err) {
      // Not answered: the deadline (armed at the last success) decides when to step down.
      this.opts.log.debug({ err: (err as Error).message }, 'lease: renewal failed');
      const c = this.client;
      this.client = null;
      c?.end().catch(() => undefined);
    } finally {
      this.busy = false;
    }
  }

  private retryAt(ms: number): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.tick();
    }, ms);
    this.retryTimer.unref?.();
  }

  private armDeadline(sentAt: number): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    const margin = this.opts.marginMs ?? Math.floor(this.opts.ttlMs / 3);
    const left = Math.max(0, sentAt + this.opts.ttlMs - margin - performance.now());
    this.deadlineTimer = setTimeout(() => {
      this.deadlineTimer = null;
      if (this.state.leading) this.depose('the lease could not be renewed in time (PostgreSQL unreachable or slow)');
    }, left);
    this.deadlineTimer.unref?.();
  }

  /** Stops leading now (the database refused a write under this lease); the next renewal may take it again. */
  depose(why: string): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = null;
    if (!this.state.leading) return;
    this.state.leading = false;
    this.state.token = null;
    if (this.state.leader === this.opts.holder) this.state.leader = null;
    this.opts.log.warn({ why }, 'no longer leading the cluster');
    this.emit('deposed', why);
  }
}
