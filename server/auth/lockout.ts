/**
 * Failure counts with backoff, per key: after `threshold` failures the key is
 * locked for 30 s, doubling with each further failure up to 15 minutes;
 * failures are forgotten 15 minutes after the last one. The login throttle
 * (login-throttle.ts) keys it by (username, address) to lock, and by username
 * alone to slow down. In memory, per instance: a restart forgets (the per-address
 * rate limit of the login route still applies).
 */
const BASE_MS = 30_000;
const MAX_MS = 15 * 60_000;
const FORGET_MS = 15 * 60_000;
const MAX_KEYS = 50_000;

interface Entry {
  failures: number;
  last: number;
  lockedUntil: number;
}

export class Lockout {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly threshold: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until this key may try again (0 = now). */
  retryAfterMs(key: string): number {
    const e = this.live(key);
    return e ? Math.max(0, e.lockedUntil - this.now()) : 0;
  }

  fail(key: string): void {
    const t = this.now();
    const e = this.live(key) ?? { failures: 0, last: t, lockedUntil: 0 };
    e.failures += 1;
    e.last = t;
    if (e.failures >= this.threshold) e.lockedUntil = t + Math.min(MAX_MS, BASE_MS * 2 ** (e.failures - this.threshold));
    this.entries.delete(key);
    this.entries.set(key, e);
    // Bounded: the oldest keys go first (Map keeps insertion order; fail() re-inserts).
    while (this.entries.size > MAX_KEYS) this.entries.delete(this.entries.keys().next().value!);
  }

  clear(key: string): void {
    this.entries.delete(key);
  }

  /** Failures counted for this key now. */
  failures(key: string): number {
    return this.live(key)?.failures ?? 0;
  }

  /** Takes back one failure counted ahead of time (the attempt it stood for succeeded). */
  undo(key: string): void {
    const e = this.live(key);
    if (!e) return;
    e.failures = Math.max(0, e.failures - 1);
    if (e.failures < this.threshold) e.lockedUntil = 0;
    if (e.failures === 0) this.entries.delete(key);
  }

  private live(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e && this.now() - e.last > FORGET_MS && this.now() >= e.lockedUntil) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }
}
