/** A latency histogram in 1 ms buckets up to 60 s: mergeable across processes, constant memory. */
export const BUCKETS = 60_000;

export class Histogram {
  counts: number[];
  n = 0;
  max = 0;
  constructor() {
    this.counts = new Array<number>(BUCKETS).fill(0);
  }
  add(ms: number): void {
    const b = Math.max(0, Math.min(BUCKETS - 1, Math.round(ms)));
    this.counts[b]!++;
    this.n++;
    if (b > this.max) this.max = b;
  }
  merge(o: Histogram): void {
    for (let i = 0; i <= o.max; i++) this.counts[i]! += o.counts[i]!;
    this.n += o.n;
    this.max = Math.max(this.max, o.max);
  }
  pct(p: number): number {
    if (this.n === 0) return NaN;
    const want = Math.ceil((p / 100) * this.n);
    let seen = 0;
    for (let i = 0; i <= this.max; i++) if ((seen += this.counts[i]!) >= want) return i;
    return this.max;
  }
  summary(): { n: number; p50: number; p95: number; p99: number; max: number } {
    return { n: this.n, p50: this.pct(50), p95: this.pct(95), p99: this.pct(99), max: this.n ? this.max : NaN };
  }
  /** Sparse form for IPC. */
  toJSON(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i <= this.max; i++) if (this.counts[i]) out.push([i, this.counts[i]!]);
    return out;
  }
  static fromJSON(pairs: [number, number][]): Histogram {
    const h = new Histogram();
    for (const [i, c] of pairs) {
      h.counts[i] = c;
      h.n += c;
      h.max = Math.max(h.max, i);
    }
    return h;
  }
}
