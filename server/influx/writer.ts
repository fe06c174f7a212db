/**
 * The point writer: appends every point to the spool (synchronously, so it
 * survives a crash from the moment write() returns), and tails the spool into
 * InfluxDB in batches of up to `batchSize`, every `flushMs` or as soon as a
 * full batch is waiting. One batch in flight keeps the order simple; at about
 * 100k points/s sequential (influxd 1.x on this class of machine) that is far above the ingest rate.
 * A failed batch is retried with backoff; the spool holds what waits.
 */
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { toLine, type Point } from './lineprotocol.js';
import { WriteRejectedError, type LineSink } from './sink.js';
import { SpoolFullError, type LineSource, type Spool } from './spool.js';

/** More than this many batches waiting, and the writer sends catch-up batches of CATCH_UP_FACTOR × batchSize. */
export const CATCH_UP_AFTER = 2;
export const CATCH_UP_FACTOR = 4;

export interface WriterOptions {
  batchSize: number;
  flushMs: number;
  log: Logger;
  metrics: Metrics;
}

export class PointWriter {
  private timer: NodeJS.Timeout | null = null;
  private sending = false;
  private retryAt = 0;
  private backoffMs = 0;
  private lastError: string | null = null;
  private lastWriteAt: number | null = null;
  private dropped = 0;
  private idleWaiters: (() => void)[] = [];
  private paused = true;
  private stopped = false;
  private holds = 0;
  /** Points appended (left by a previous run included) and points InfluxDB has, since open(). */
  private appendedTotal = 0;
  private committedTotal = 0;
  private markWaiters: { mark: number; resolve: () => void }[] = [];

  constructor(
    private readonly spool: Spool,
    private readonly sink: LineSink,
    private readonly opts: WriterOptions,
  ) {}

  /** Opens the spool; anything left by a previous run is replayed once writing starts. */
  open(): void {
    this.spool.open();
    const left = this.spool.pending();
    this.appendedTotal += left;
    if (left > 0) this.opts.log.info({ points: left }, 'spool holds points from a previous run: replaying');
    this.updateGauges();
  }

  /** Starts writing to InfluxDB (call when its schema exists). */
  start(): void {
    if (this.stopped) return;
    this.paused = false;
    this.timer = setInterval(() => this.pump(), this.opts.flushMs);
    this.pump();
  }

  /**
   * Appends points durably: on disk when this returns, unless a hold() is on, in
   * which case they are on disk once sync() has run. Throws nothing: a full spool
   * drops the points, counts them and says so in the health report.
   */
  write(points: Point[]): void {
    const lines = points.map(toLine);
    try {
      this.spool.append(lines);
    } catch (err) {
      return this.refused(err, lines.length);
    }
    this.appendedTotal += lines.length;
    this.appended();
  }

  /** The line a measurement writes for (e, meta): the device feeds' path, no string built. */
  record<E, M>(m: LineSource<E, M>, e: E, meta: M): void {
    try {
      this.spool.appendWith(m, e, meta);
    } catch (err) {
      return this.refused(err, 1);
    }
    this.appendedTotal++;
    this.appended();
  }

  private appended(): void {
    if (this.holds === 0) this.spool.sync();
    if (this.spool.pending() >= this.opts.batchSize) this.pump();
  }

  /** A full spool drops the points: counted, and said once per episode. */
  private refused(err: unknown, count: number): void {
    if (!(err instanceof SpoolFullError)) throw err;
    this.dropped += count;
    this.opts.metrics.spoolDropped.inc(count);
    if (this.dropped === count) this.opts.log.error({ err: err.message }, 'spool full: dropping points until InfluxDB catches up');
  }

  /**
   * Defers the disk write of what write() appends until sync(): the MQTT ingest
   * holds while it handles one read from the broker and syncs once before its
   * PUBACKs leave, instead of one write(2) per message.
   */
  hold(): void {
    this.holds++;
  }

  release(): void {
    this.holds = Math.max(0, this.holds - 1);
  }

  /** Puts every point written so far on disk. */
  sync(): void {
    this.spool.sync();
  }

  status(): { queued: number; spoolBytes: number; dropped: number; lastError: string | null; lastWriteAt: number | null } {
    return { queued: this.spool.pending(), spoolBytes: this.spool.size(), dropped: this.dropped, lastError: this.lastError, lastWriteAt: this.lastWriteAt };
  }

  /** How many points were appended so far: a mark to wait for with written(). */
  mark(): number {
    return this.appendedTotal;
  }

  /**
   * Resolves once InfluxDB holds every point up to `mark` (the spool on this machine's disk does
   * not count). A cluster's leader acknowledges MQTT messages only then (server/broker/connection.ts):
   * the next leader finds in InfluxDB what this one acknowledged. Waits as long as it takes.
   */
  written(mark: number): Promise<void> {
    if (this.committedTotal >= mark) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.markWaiters.push({ mark, resolve });
      this.pump();
    });
  }

  /** Resolves when everything appended so far is in InfluxDB. */
  async flush(timeoutMs = 30_000): Promise<void> {
    this.pump();
    if (this.idle()) return;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`InfluxDB flush timed out with ${this.spool.pending()} points waiting`)), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Stops writing; what is not yet in InfluxDB stays in the spool for the next start. */
  async stop(flushTimeoutMs = 5_000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stopped = true;
    if (!this.paused) {
      try {
        await this.flush(flushTimeoutMs);
      } catch (err) {
        this.opts.log.warn({ err: (err as Error).message }, 'stopping with points still in the spool: they are replayed at the next start');
      }
    }
    this.paused = true;
    this.spool.close();
  }

  private idle(): boolean {
    return !this.sending && this.spool.pending() === 0;
  }

  private pump(): void {
    if (this.paused || this.sending || Date.now() < this.retryAt) return;
    // Behind (InfluxDB back after an outage, or slowed by a busy machine): larger batches.
    // InfluxDB takes about a fifth more points a second in batches of 13k than of 5k
    // (docs/storage.md), and a batch never crosses a segment, so a 2 MB segment bounds it.
    const behind = this.spool.pending() > CATCH_UP_AFTER * this.opts.batchSize;
    const { body, count, next } = this.spool.read(behind ? CATCH_UP_FACTOR * this.opts.batchSize : this.opts.batchSize);
    if (count === 0) {
      this.updateGauges();
      this.notifyIdle();
      return;
    }
    this.sending = true;
    this.sink
      .write(body, count)
      .then(
        () => {
          this.spool.commit(next, count);
          this.committed(count);
          this.opts.metrics.pointsWritten.inc(count);
          this.lastWriteAt = Date.now();
          if (this.lastError) this.opts.log.info({ pending: this.spool.pending() }, 'InfluxDB writes recovered');
          this.lastError = null;
          this.backoffMs = 0;
        },
        (err: Error) => {
          this.opts.metrics.writeErrors.inc();
          if (err instanceof WriteRejectedError) {
            // Refused points would be refused forever: skip them, loudly.
            this.spool.commit(next, count);
            this.committed(count);
            this.opts.log.error({ err: err.message, points: count }, 'InfluxDB refused points in a batch');
            return;
          }
          if (this.lastError === null) this.opts.log.warn({ err: err.message, pending: this.spool.pending() }, 'InfluxDB write failed: spooling to disk, retrying');
          this.lastError = err.message;
          this.backoffMs = Math.min(this.backoffMs ? this.backoffMs * 2 : 250, 5000);
          this.retryAt = Date.now() + this.backoffMs;
        },
      )
      .finally(() => {
        this.sending = false;
        this.updateGauges();
        // Keep draining while a full batch waits or someone awaits flush() (pump() itself
        // waits out a backoff; the timer retries after one). A partial batch waits for
        // the timer: one large write costs InfluxDB and us far less than many small ones.
        const pending = this.spool.pending();
        if (pending >= this.opts.batchSize || (pending > 0 && (this.idleWaiters.length > 0 || this.markWaiters.length > 0))) this.pump();
        else this.notifyIdle();
      });
  }

  private committed(count: number): void {
    this.committedTotal += count;
    if (this.markWaiters.length === 0) return;
    const ready = this.markWaiters.filter((w) => w.mark <= this.committedTotal);
    if (ready.length === 0) return;
    this.markWaiters = this.markWaiters.filter((w) => w.mark > this.committedTotal);
    for (const w of ready) w.resolve();
  }

  private updateGauges(): void {
    this.opts.metrics.writeQueue.set(this.spool.pending());
    this.opts.metrics.spoolBytes.set(this.spool.size());
  }

  private notifyIdle(): void {
    if (this.idle() && this.idleWaiters.length) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const fn of w) fn();
    }
  }
}
