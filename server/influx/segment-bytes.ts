/**
 * The bytes of one spool segment held in memory, and where each line ends.
 *
 * A line is encoded to UTF-8 once, here, as it is appended; from then on the same bytes
 * serve the disk write (a range of this buffer) and the HTTP body to InfluxDB (a view of
 * another range). Nothing per line stays on the JS heap: a line string dies young, and the
 * second or so a point waits for its batch costs no old-generation garbage (strings held
 * in an array for that second would be promoted and then collected by full GCs; see
 * bench/results/2026-11-23-runs.md).
 */
import { escKey, escString } from './escape.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

export class SegmentBytes {
  private buf: Buffer<ArrayBuffer>;
  /** ends[i]: the offset just past line i's newline. */
  private ends: Uint32Array;
  bytes = 0;
  lines = 0;
  /** Write position: past `bytes` while a line is being built. */
  private pos = 0;

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(Math.max(capacity, 256));
    this.ends = new Uint32Array(1024);
  }

  /**
   * A segment read back from its file, wrapping its bytes (no copy: the first append
   * grows into a new buffer). Complete lines only: a torn last line is left out of
   * `bytes`, and the next append writes over it.
   */
  static from(data: Buffer<ArrayBuffer>): SegmentBytes {
    const s = new SegmentBytes(0);
    s.buf = data;
    let end = 0;
    for (let nl = data.indexOf(10); nl >= 0; nl = data.indexOf(10, end)) {
      end = nl + 1;
      s.pushEnd(end);
    }
    s.bytes = end;
    s.pos = end;
    return s;
  }

  /** Appends one line and its newline; returns the bytes it took. */
  put(line: string): number {
    this.begin();
    // A UTF-16 unit is at most 3 UTF-8 bytes: with that much room, write() never truncates.
    this.reserve(line.length * 3);
    this.pos += this.buf.write(line, this.pos);
    return this.finish();
  }

  /** Forgets lines appended after `lines`/`bytes` (an append that did not fit the spool, or failed half-way). */
  truncate(lines: number, bytes: number): void {
    this.lines = lines;
    this.bytes = bytes;
    this.pos = bytes;
  }

  // A line written piece by piece (a Measurement's byte output, lineprotocol.ts): begin(), pieces, finish().
  // Nothing counts until finish(); a throw half-way leaves the pieces past `bytes`, unseen.

  begin(): void {
    this.pos = this.bytes;
  }

  /** Ends the line with its newline; returns the bytes it took. */
  finish(): number {
    this.reserve(1);
    this.buf[this.pos++] = 10;
    const n = this.pos - this.bytes;
    this.bytes = this.pos;
    this.pushEnd(this.bytes);
    return n;
  }

  /** Bytes known in advance (keys, prefixes), short: a loop beats a native call. */
  raw(b: Uint8Array): void {
    this.reserve(b.length);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < b.length; i++) buf[p++] = b[i]!;
    this.pos = p;
  }

  /** A tag value: `,` `=` space and `\` escaped, a newline as `\n` (escKey's rules). */
  tagText(s: string): void {
    this.escaped(s, false);
  }

  /** A string field value: quoted, `"` and `\` escaped, a newline as `\n` (escString's rules). */
  stringText(s: string): void {
    this.escaped(s, true);
  }

  /** A number as String() writes it (integers without a string in between); not finite: 0. */
  num(v: number): void {
    if (Number.isInteger(v) && v <= MAX_SAFE && v >= -MAX_SAFE) {
      this.reserve(17);
      if (v < 0) {
        this.buf[this.pos++] = 45;
        v = -v;
      }
      this.uint(v);
    } else this.ascii(Number.isFinite(v) ? String(v) : '0');
  }

  /** nsTimestamp(ms, seq): the ms, then seq mod 1e6 in six digits. */
  time(ms: number, seq: number): void {
    const t = Math.trunc(ms);
    if (t >= 0 && t <= MAX_SAFE) {
      this.reserve(16);
      this.uint(t);
    } else this.ascii(String(t));
    const s = seq % 1_000_000;
    if (!(s >= 0 && Number.isInteger(s))) return this.ascii(String(s).padStart(6, '0'));
    this.reserve(6);
    const buf = this.buf;
    let r = s;
    for (let i = this.pos + 5; i >= this.pos; i--) {
      const q = Math.floor(r / 10);
      buf[i] = 48 + (r - q * 10);
      r = q;
    }
    this.pos += 6;
  }

  /**
   * ASCII escaped in place by the rules of escKey / escString (the fuzz test in
   * points.test.ts holds the two equal); text with anything else goes through them.
   */
  private escaped(s: string, quoted: boolean): void {
    const n = s.length;
    this.reserve(n * 2 + 2);
    const buf = this.buf;
    let p = this.pos;
    if (quoted) buf[p++] = 34;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 128) return this.text(quoted ? escString(s) : escKey(s));
      if (c === 92 || (quoted ? c === 34 : c === 44 || c === 61 || c === 32)) {
        buf[p++] = 92;
        buf[p++] = c;
      } else if (c === 10) {
        buf[p++] = 92;
        buf[p++] = 110;
      } else buf[p++] = c;
    }
    if (quoted) buf[p++] = 34;
    this.pos = p;
  }

  /** Text already escaped (the rare non-ASCII case). */
  private text(s: string): void {
    this.reserve(s.length * 3);
    this.pos += this.buf.write(s, this.pos);
  }

  private ascii(s: string): void {
    this.reserve(s.length);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** An integer in [0, 2^53) in decimal; the caller reserved 16 bytes. */
  private uint(n: number): void {
    let digits = 1;
    for (let p = 10; p <= n; p *= 10) digits++;
    const buf = this.buf;
    let i = this.pos + digits;
    this.pos = i;
    do {
      const q = Math.floor(n / 10);
      buf[--i] = 48 + (n - q * 10);
      n = q;
    } while (n > 0);
  }

  /** Offset where line `i` starts (i may equal `lines`: the end). */
  offsetOf(i: number): number {
    return i === 0 ? 0 : this.ends[i - 1]!;
  }

  /**
   * A view of the bytes of lines [from, to): shares memory with this segment. Appends
   * never touch bytes already written, and a growth copies to a new buffer, so a view
   * handed to an HTTP request stays valid while it is sent.
   */
  view(from: number, to: number): Buffer<ArrayBuffer> {
    return this.buf.subarray(this.offsetOf(from), this.offsetOf(to));
  }

  /** The bytes in [from, to) by offset, as a view (for the disk write). */
  range(from: number, to: number): Buffer {
    return this.buf.subarray(from, to);
  }

  private pushEnd(end: number): void {
    if (this.lines === this.ends.length) {
      const e = new Uint32Array(this.ends.length * 2);
      e.set(this.ends);
      this.ends = e;
    }
    this.ends[this.lines++] = end;
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
  }
}
