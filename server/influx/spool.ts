/**
 * The spool: an append-only, segmented write-ahead log of line-protocol
 * points. Every accepted point is appended here (synchronously, before the
 * MQTT PUBACK) and then written to InfluxDB by the writer, which commits a
 * cursor when a batch is stored. Fully committed segments are deleted.
 *
 * So: InfluxDB away → points pile up on disk, bounded by maxBytes, and are
 * replayed in order when it returns; the server killed → the next start
 * replays from the cursor. Replaying a point twice is harmless: each point's
 * timestamp carries its device seq, so a rewrite overwrites itself.
 *
 * Lines are bytes from the moment they are appended (SegmentBytes): the open
 * segment lives in memory whole, its new bytes go to the file in one write
 * per sync(), and a batch for InfluxDB is a view of the same bytes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SegmentBytes } from './segment-bytes.js';

export interface Cursor {
  segment: number;
  /** Lines of that segment already committed to InfluxDB. */
  line: number;
}

/** Lines read for one write to InfluxDB: their bytes (newline-terminated), how many, and the cursor after them. */
export interface Batch {
  body: Buffer<ArrayBuffer>;
  count: number;
  next: Cursor;
}

/** Something that writes one line into a segment (a Measurement, lineprotocol.ts). */
export interface LineSource<E, M> {
  writeTo(seg: SegmentBytes, e: E, meta: M): number;
}

export class SpoolFullError extends Error {
  constructor(bytes: number, max: number) {
    super(`spool full: ${bytes} bytes held, limit ${max}`);
  }
}

interface Segment {
  id: number;
  file: string;
  lines: number;
  bytes: number;
}

const SEGMENT_RE = /^(\d{12})\.lp$/;
const EMPTY: Buffer<ArrayBuffer> = Buffer.alloc(0);

export class Spool {
  private segments: Segment[] = [];
  private fd: number | null = null;
  private cursor: Cursor = { segment: 0, line: 0 };
  private bytes = 0;
  private readonly segmentBytes: number;
  /** Every byte of the open (last) segment. */
  private head = new SegmentBytes(0);
  /** Bytes of the head already handed to the OS. */
  private synced = 0;
  /**
   * One closed segment still being drained: the head it was when rotated, or its file
   * once read. Without it, a writer one rotation behind re-read the whole file for
   * every batch (seen in a CPU profile at 20k msg/s).
   */
  private closed: { id: number; data: SegmentBytes } | null = null;
  /** Lines not yet committed, kept as a count: pending() is on the ingest hot path. */
  private pendingLines = 0;
  private cursorDirty = false;
  private cursorSavedAt = 0;

  constructor(
    private readonly dir: string,
    private readonly opts: { maxBytes: number; segmentBytes?: number },
  ) {
    // The open segment and the one draining are held in memory: 2 MB each, about half a
    // second at 20k msg/s (the writer lags a batch, 5,000 lines, about 1 MB).
    this.segmentBytes = opts.segmentBytes ?? 2 * 1024 * 1024;
  }

  /** Opens the spool, recovering segments and the cursor left by a previous run. */
  open(): void {
    // Points carry plates and reports: the spool is the server's alone (0700 folder, 0600 files).
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(this.dir, 0o700);
    const cursorFile = path.join(this.dir, 'cursor.json');
    if (fs.existsSync(cursorFile)) {
      try {
        const c = JSON.parse(fs.readFileSync(cursorFile, 'utf8')) as Cursor;
        if (Number.isInteger(c.segment) && Number.isInteger(c.line)) this.cursor = c;
      } catch {
        // A torn cursor write: replay from the oldest segment (idempotent).
      }
    }
    let last: SegmentBytes | null = null;
    for (const name of fs.readdirSync(this.dir).sort()) {
      const m = SEGMENT_RE.exec(name);
      if (!m) continue;
      const file = path.join(this.dir, name);
      const id = Number(m[1]);
      if (id < this.cursor.segment) {
        fs.rmSync(file, { force: true });
        continue;
      }
      const raw = fs.readFileSync(file);
      const data = SegmentBytes.from(raw);
      // A line cut short by a crash mid-write was never acknowledged: cut it off, or the
      // next append would glue a new line onto it.
      if (data.bytes < raw.length) fs.truncateSync(file, data.bytes);
      this.segments.push({ id, file, lines: data.lines, bytes: data.bytes });
      this.bytes += data.bytes;
      last = data;
    }
    if (this.segments.length && this.cursor.segment < this.segments[0]!.id) this.cursor = { segment: this.segments[0]!.id, line: 0 };
    this.pendingLines = 0;
    for (const s of this.segments) this.pendingLines += s.id === this.cursor.segment ? s.lines - this.cursor.line : s.id > this.cursor.segment ? s.lines : 0;
    if (last && last.bytes < this.segmentBytes) {
      // Reopen a recovered last segment that still has room.
      this.head = last;
      this.synced = last.bytes;
      this.fd = fs.openSync(this.segments[this.segments.length - 1]!.file, 'a', 0o600);
    } else {
      this.newSegment();
    }
  }

  close(): void {
    this.sync();
    if (this.cursorDirty) this.saveCursor();
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }

  /** Bytes held on disk (uncommitted and not yet deleted). */
  size(): number {
    return this.bytes;
  }

  /** Lines not yet committed. */
  pending(): number {
    return this.pendingLines;
  }

  /**
   * Appends the line a measurement writes for (e, meta), encoded straight into the
   * segment: the ingest path (points.ts). All or nothing, like the others.
   */
  appendWith<E, M>(m: LineSource<E, M>, e: E, meta: M): void {
    const lines = this.head.lines;
    const bytes = this.head.bytes;
    let len: number;
    try {
      len = m.writeTo(this.head, e, meta);
    } catch (err) {
      this.head.truncate(lines, bytes);
      throw err;
    }
    this.added(1, len, lines, bytes);
  }

  /**
   * Appends lines, all or none (SpoolFullError). They survive a crash of this process
   * once sync() has run: callers that acknowledge something (a PUBACK, an HTTP answer) sync first.
   */
  append(lines: string[]): void {
    if (lines.length === 0) return;
    const l0 = this.head.lines;
    const b0 = this.head.bytes;
    let len = 0;
    for (const l of lines) len += this.head.put(l);
    this.added(lines.length, len, l0, b0);
  }

  private added(count: number, len: number, linesBefore: number, bytesBefore: number): void {
    if (this.bytes + len > this.opts.maxBytes) {
      this.head.truncate(linesBefore, bytesBefore);
      throw new SpoolFullError(this.bytes, this.opts.maxBytes);
    }
    const seg = this.segments[this.segments.length - 1]!;
    seg.lines += count;
    seg.bytes += len;
    this.bytes += len;
    this.pendingLines += count;
    if (seg.bytes >= this.segmentBytes) this.rotate();
  }

  /** Hands every appended line to the OS in one write: from here they survive a crash of this process. */
  sync(): void {
    if (this.fd === null || this.synced === this.head.bytes) return;
    const data = this.head.range(this.synced, this.head.bytes);
    for (let off = 0; off < data.length; ) off += fs.writeSync(this.fd, data, off, data.length - off);
    this.synced = this.head.bytes;
  }

  /** Up to `max` uncommitted lines from the cursor, as bytes, and the cursor after them. */
  read(max: number): Batch {
    const seg = this.segments.find((s) => s.id === this.cursor.segment);
    if (!seg || this.cursor.line >= seg.lines) return { body: EMPTY, count: 0, next: this.cursor };
    let data: SegmentBytes;
    if (seg === this.segments[this.segments.length - 1]) data = this.head;
    else if (this.closed?.id === seg.id) data = this.closed.data;
    else {
      // Further behind than memory holds (InfluxDB away for a while, or a restart): read the file once.
      data = SegmentBytes.from(fs.readFileSync(seg.file));
      this.closed = { id: seg.id, data };
    }
    const to = Math.min(this.cursor.line + max, seg.lines);
    return { body: data.view(this.cursor.line, to), count: to - this.cursor.line, next: { segment: seg.id, line: to } };
  }

  /**
   * Marks `count` lines up to `c` as stored and deletes finished segments. The cursor
   * file is saved at most once a second (and on close): after a crash the points of
   * that last second are written again, which overwrites them with themselves.
   */
  commit(c: Cursor, count: number): void {
    // The cursor must never point past what is on disk (the writer may have read unsynced lines).
    this.sync();
    this.cursor = c;
    this.pendingLines = Math.max(0, this.pendingLines - count);
    // A finished (closed) segment whose every line is committed goes away.
    while (this.segments.length > 1) {
      const first = this.segments[0]!;
      if (first.id > this.cursor.segment || (first.id === this.cursor.segment && this.cursor.line < first.lines)) break;
      fs.rmSync(first.file, { force: true });
      if (this.closed?.id === first.id) this.closed = null;
      this.bytes -= first.bytes;
      this.segments.shift();
      if (this.cursor.segment === first.id) this.cursor = { segment: this.segments[0]!.id, line: 0 };
    }
    this.cursorDirty = true;
    if (Date.now() - this.cursorSavedAt >= 1000) this.saveCursor();
  }

  private saveCursor(): void {
    const tmp = path.join(this.dir, 'cursor.json.tmp');
    fs.writeFileSync(tmp, JSON.stringify(this.cursor), { mode: 0o600 });
    fs.renameSync(tmp, path.join(this.dir, 'cursor.json'));
    this.cursorDirty = false;
    this.cursorSavedAt = Date.now();
  }

  private rotate(): void {
    this.sync();
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    const last = this.segments[this.segments.length - 1]!;
    // The writer still draining the segment being closed keeps reading it from memory.
    if (this.cursor.segment === last.id && this.cursor.line < last.lines) this.closed = { id: last.id, data: this.head };
    this.newSegment();
  }

  private newSegment(): void {
    const last = this.segments[this.segments.length - 1];
    const id = (last?.id ?? 0) + 1;
    const file = path.join(this.dir, `${String(id).padStart(12, '0')}.lp`);
    this.fd = fs.openSync(file, 'a', 0o600);
    this.segments.push({ id, file, lines: 0, bytes: 0 });
    this.head = new SegmentBytes(this.capacity());
    this.synced = 0;
    if (this.segments.length === 1) this.cursor = { segment: id, line: 0 };
  }

  /** A segment closes once past segmentBytes: room for that and one large append without a copy. */
  private capacity(): number {
    return this.segmentBytes + 64 * 1024;
  }
}
