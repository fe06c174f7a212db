import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Spool, SpoolFullError } from '../../server/influx/spool.js';
import { toLine } from '../../server/influx/lineprotocol.js';

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

/** Drain everything, committing as a writer would. */
function drain(s: Spool, batch = 7): string[] {
  const out: string[] = [];
  for (;;) {
    const { lines: got, next } = s.read(batch);
    if (got.length === 0) return out;
    out.push(...got);
    s.commit(next, got.length);
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
    expect(b.read(100).lines).toEqual(lines(10, 20));
    a.close(); // a clean stop saves the cursor it holds
    const c = new Spool(dir, { maxBytes: 1e6 });
    c.open();
    expect(c.pending()).toBe(10);
    expect(drain(c)).toEqual(lines(20, 10));
  });

  it('reads from disk when the in-memory tail was dropped (long outage)', () => {
    const s = new Spool(tempDir(), { maxBytes: 1e6, maxTailLines: 5 });
    s.open();
    s.append(lines(0, 20));
    expect(drain(s, 6)).toEqual(lines(0, 20));
  });

  it('refuses appends past its size bound', () => {
    const s = new Spool(tempDir(), { maxBytes: 200 });
    s.open();
    s.append(lines(0, 5));
    expect(() => s.append(lines(5, 50))).toThrow(SpoolFullError);
    expect(drain(s)).toEqual(lines(0, 5));
  });
});

describe('line protocol', () => {
  it('escapes tags, fields and strings', () => {
    expect(
      toLine({ measurement: 'incident report', tags: { ward: 'Đô Vinh,1', b: '' }, fields: { description: 'say "hi"\\ now', n: 3, ok: true }, timestamp: '17' }),
    ).toBe('incident\\ report,ward=Đô\\ Vinh\\,1 description="say \\"hi\\"\\\\ now",n=3,ok=true 17');
  });
});
