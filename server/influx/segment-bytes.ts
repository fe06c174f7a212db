/**
 * The bytes of one spool segment held in memory, and where each line ends.
 *
 * A line is encoded to UTF-8 once, here, as it is appended; from then on the same bytes
 * serve the disk write (a range of this buffer) and the HTTP body to InfluxDB (a view of
 * another range). Nothing per line stays on the JS heap: a line string dies young, and the
 * second or so a point waits for its batch costs no old-generation garbage (strings held
 * in an array for that second were promoted and then collected by full GCs; see
 * docs/benchmarks.md).
 */
export class SegmentBytes {
  private buf: Buffer<ArrayBuffer>;
  /** ends[i]: the offset just past line i's newline. */
  private ends: Uint32Array;
  bytes = 0;
  lines = 0;

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(Math.max(capacity, 256));
    this.ends = new Uint32Array(1024);
  }

  /** A segment read back from its file: complete lines only (a torn last line is left out). */
  static from(data: Buffer, capacity: number): SegmentBytes {
    const s = new SegmentBytes(Math.max(capacity, data.length));
    data.copy(s.buf, 0);
    let pos = 0;
    for (;;) {
      const nl = data.indexOf(10, pos);
      if (nl < 0) break;
      pos = nl + 1;
      s.pushEnd(pos);
    }
    s.bytes = pos;
    return s;
  }

  /** Appends one line and its newline; returns the bytes it took. */
  put(line: string): number {
    // A UTF-16 unit is at most 3 UTF-8 bytes: with that much room, write() never truncates.
    this.reserve(line.length * 3 + 1);
    const n = this.buf.write(line, this.bytes);
    this.buf[this.bytes + n] = 10;
    this.bytes += n + 1;
    this.pushEnd(this.bytes);
    return n + 1;
  }

  /** Forgets lines appended after `lines`/`bytes` (an append that did not fit the spool). */
  truncate(lines: number, bytes: number): void {
    this.lines = lines;
    this.bytes = bytes;
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
    if (this.bytes + n <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.bytes + n));
    this.buf.copy(b, 0, 0, this.bytes);
    this.buf = b;
  }
}
