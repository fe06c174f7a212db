import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Spool, SpoolFullError, type Batch } from '../../server/influx/spool.js';
import { measurement, toLine } from '../../server/influx/lineprotocol.js';
import { SegmentBytes } from '../../server/influx/segment-bytes.js';
import { lineOf } from '../harness/points.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-spool-unit-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const lines = (from: number, n: number) => Array.from({ length: n }, (_, i) => `m v=${from + i} ${from + i}`);

/** The lines of a batch body: each ends in a newline, and the count says how many. */
function linesOf(b: Batch): string[] {
  const text = b.body.toString('utf8');
  if (b.count === 0) {
    expect(text).toBe('');
    return [];
  }
  expect(text.endsWith('\n')).toBe(true);
  const got = text.slice(0, -1).split('\n');
  expect(got.length).toBe(b.count);
  return got;
}

/** Drain everything, committing as a writer would. */
function drain(s: Spool, batch = 7): string[] {
  const out: string[] = [];
  for (;;) {
    const b = s.read(batch);
    const got = linesOf(b);
    if (got.length === 0) return out;
    out.push(...got);
    s.commit(b.next, got.length);
  }
}

describe('Spool', () => {
  it('returns appended lines in order, across segment rotations', () => {
    const s = new Spool(tempDir(), { maxBytes: 1e6, segmentBytes: 100 });
    s.open();
    s.append(lines(0, 10));
    s.append(lines(10, 25));
    expect(s.pending()).toBe(35);
    expect(drain(s)).toEqual(lines(0, 35));
    expect(s.pending()).toBe(0);
  });

  it('deletes segments once every line in them is committed', () => {
    const dir = tempDir();
    const s = new Spool(dir, { maxBytes: 1e6, segmentBytes: 100 });
    s.open();
    for (let i = 0; i < 40; i += 4) s.append(lines(i, 4));
    const before = fs.readdirSync(dir).filter((f) => f.endsWith('.lp')).length;
    expect(before).toBeGreaterThan(3);
    drain(s);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.lp')).length).toBe(1);
    expect(s.size()).toBeLessThan(100);
  });

  it('after a crash, a new spool replays exactly what was not committed', () => {
    const dir = tempDir();
    const a = new Spool(dir, { maxBytes: 1e6, segmentBytes: 120 });
    a.open();
    a.append(lines(0, 30));
    a.sync();
    const first = a.read(12);
    a.commit(first.next, 12);
    // no close(): the process died here
    const b = new Spool(dir, { maxBytes: 1e6, segmentBytes: 120 });
    b.open();
    expect(b.pending()).toBe(18);
    b.append(lines(30, 5));
    expect(drain(b)).toEqual(lines(12, 23));
  });

  it('holds appended lines until sync(): a crash before it loses only what nobody acknowledged', () => {
    const dir = tempDir();
    const a = new Spool(dir, { maxBytes: 1e6 });
    a.open();
    a.append(lines(0, 10));
    a.sync();
    a.append(lines(10, 5)); // appended, not synced: its PUBACKs have not left
    const b = new Spool(dir, { maxBytes: 1e6 });
    b.open();
    expect(drain(b)).toEqual(lines(0, 10));
  });

  it('saves the cursor at most once a second; a crash replays the rest, never skips a line', () => {
    const dir = tempDir();
    const a = new Spool(dir, { maxBytes: 1e6 });
    a.open();
    a.append(lines(0, 30));
    a.commit(a.read(10).next, 10); // saved: the first save is immediate
    a.commit(a.read(10).next, 10); // within the second: only in memory
    expect(a.pending()).toBe(10);
    const b = new Spool(dir, { maxBytes: 1e6 });
    b.open();
    // commit() synced the appended lines before moving the cursor, so all 30 are on disk.
    expect(b.pending()).toBe(20);
    expect(linesOf(b.read(100))).toEqual(lines(10, 20));
    a.close(); // a clean stop saves the cursor it holds
    const c = new Spool(dir, { maxBytes: 1e6 });
    c.open();
    expect(c.pending()).toBe(10);
    expect(drain(c)).toEqual(lines(20, 10));
  });

  it('a writer several segments behind reads them back from disk, in order (long outage)', () => {
    const dir = tempDir();
    const s = new Spool(dir, { maxBytes: 1e6, segmentBytes: 100 });
    s.open();
    for (let i = 0; i < 60; i += 3) s.append(lines(i, 3));
    s.sync();
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.lp')).length).toBeGreaterThan(4);
    expect(drain(s, 4)).toEqual(lines(0, 60));
  });

  it('keeps Vietnamese text intact, byte for byte, in the body and on disk', () => {
    const dir = tempDir();
    const text = ['incident_report,ward=Đô\\ Vinh description="Tai nạn ở ngã tư Thống Nhất" 1', 'm emoji="🚑🚒" 2'];
    const s = new Spool(dir, { maxBytes: 1e6 });
    s.open();
    s.append(text);
    s.append(['m v=3 3']);
    s.sync();
    expect(drain(s)).toEqual([...text, 'm v=3 3']);
    const onDisk = fs.readdirSync(dir).filter((f) => f.endsWith('.lp')).map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
    expect(onDisk.join('')).toBe(`${[...text, 'm v=3 3'].join('\n')}\n`);
  });

  it('cuts off a line torn by a crash mid-write, so the next line is not glued to it', () => {
    const dir = tempDir();
    const a = new Spool(dir, { maxBytes: 1e6 });
    a.open();
    a.append(lines(0, 3));
    a.close();
    const seg = fs.readdirSync(dir).find((f) => f.endsWith('.lp'))!;
    fs.appendFileSync(path.join(dir, seg), 'm v=torn'); // the process died inside write(2)
    const b = new Spool(dir, { maxBytes: 1e6 });
    b.open();
    expect(b.pending()).toBe(3);
    b.append(lines(3, 2));
    b.sync();
    expect(drain(b)).toEqual(lines(0, 5));
    expect(fs.readFileSync(path.join(dir, seg), 'utf8')).toBe(`${lines(0, 5).join('\n')}\n`);
  });

  it('a batch body is a view that later appends and a segment rotation leave unchanged', () => {
    const s = new Spool(tempDir(), { maxBytes: 1e6, segmentBytes: 200 });
    s.open();
    s.append(lines(0, 4));
    const first = s.read(4);
    const before = Buffer.from(first.body).toString('utf8');
    for (let i = 4; i < 40; i++) s.append(lines(i, 1)); // grows the buffer, rotates segments
    expect(first.body.toString('utf8')).toBe(before);
    expect(linesOf(first)).toEqual(lines(0, 4));
    s.commit(first.next, first.count);
    expect(drain(s)).toEqual(lines(4, 36));
  });

  it('refuses appends past its size bound', () => {
    const s = new Spool(tempDir(), { maxBytes: 200 });
    s.open();
    s.append(lines(0, 5));
    expect(() => s.append(lines(5, 50))).toThrow(SpoolFullError);
    expect(() => s.append(['x'.repeat(200)])).toThrow(SpoolFullError);
    expect(s.pending()).toBe(5);
    s.append(['m v=5 5']); // what fits still goes in, after the refused ones left no trace
    expect(drain(s)).toEqual([...lines(0, 5), 'm v=5 5']);
  });
});

describe('Spool.appendWith (a measurement writing its bytes)', () => {
  const m = measurement('m', ['k'], ['v'], (o, e: { k: string; v: number; boom?: boolean }, _meta: void) => {
    o.tag(e.k);
    if (e.boom) throw new Error('fill failed half-way');
    o.field(e.v);
    o.time(e.v, 0);
  });

  it('appends the measurement line, and a fill that throws half-way leaves no trace', () => {
    const s = new Spool(tempDir(), { maxBytes: 1e6 });
    s.open();
    s.appendWith(m, { k: 'a', v: 1 }, undefined);
    expect(() => s.appendWith(m, { k: 'half-written', v: 2, boom: true }, undefined)).toThrow(/half-way/);
    s.appendWith(m, { k: 'b', v: 3 }, undefined);
    expect(s.pending()).toBe(2);
    expect(drain(s)).toEqual(['m,k=a v=1 1000000', 'm,k=b v=3 3000000']);
  });

  it('refuses a line past the size bound, all or nothing', () => {
    const s = new Spool(tempDir(), { maxBytes: 40 });
    s.open();
    s.appendWith(m, { k: 'a', v: 1 }, undefined);
    expect(() => s.appendWith(m, { k: 'x'.repeat(40), v: 2 }, undefined)).toThrow(SpoolFullError);
    s.appendWith(m, { k: 'b', v: 3 }, undefined);
    expect(drain(s)).toEqual(['m,k=a v=1 1000000', 'm,k=b v=3 3000000']);
  });
});

describe('SegmentBytes', () => {
  it('grows past its capacity mid-line without losing the line being written or the ones before', () => {
    const seg = new SegmentBytes(0); // 256 bytes to start with
    const m = measurement('m', ['k'], ['v', 's'], (o, e: { k: string; v: number; s: string }, _meta: void) => {
      o.tag(e.k);
      o.field(e.v);
      o.field(e.s);
      o.time(e.v, e.v);
    });
    const events = Array.from({ length: 40 }, (_, i) => ({ k: `cam-${i}`, v: i, s: i % 7 === 0 ? 'đường '.repeat(60 + i) : 'x'.repeat(i * 9) }));
    const before = seg.view(0, 0); // a view taken before any growth stays what it was: empty
    for (const e of events) m.writeTo(seg, e, undefined);
    expect(seg.lines).toBe(40);
    expect(before.length).toBe(0);
    const text = seg.view(0, 40).toString('utf8');
    expect(text).toBe(events.map((e) => `${lineOf(m, e, undefined)}\n`).join(''));
    expect(seg.view(10, 11).toString('utf8')).toBe(`${lineOf(m, events[10]!, undefined)}\n`);
  });
});

describe('line protocol', () => {
  it('escapes tags, fields and strings', () => {
    expect(
      toLine({ measurement: 'incident report', tags: { ward: 'Đô Vinh,1', b: '' }, fields: { description: 'say "hi"\\ now', n: 3, ok: true }, timestamp: '17' }),
    ).toBe('incident\\ report,ward=Đô\\ Vinh\\,1 description="say \\"hi\\"\\\\ now",n=3,ok=true 17');
  });
});
