/**
 * Token buckets per key (a user): `perSecond` refill, bursts up to twice it.
 * Bounded: idle keys (full buckets) are forgotten on the next sweep.
 */
const MAX_KEYS = 10_000;

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token for `key`; false when it has none left. */
  take(key: string): boolean {
    const t = this.now();
    const cap = this.perSecond * 2;
    const b = this.buckets.get(key) ?? { tokens: cap, at: t };
    b.tokens = Math.min(cap, b.tokens + ((t - b.at) / 1000) * this.perSecond);
    b.at = t;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      return false;
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    if (this.buckets.size > MAX_KEYS) this.sweep(t, cap);
    return true;
  }

  private sweep(t: number, cap: number): void {
    for (const [k, b] of this.buckets) if (b.tokens + ((t - b.at) / 1000) * this.perSecond >= cap) this.buckets.delete(k);
    while (this.buckets.size > MAX_KEYS) this.buckets.delete(this.buckets.keys().next().value!);
  }
}
