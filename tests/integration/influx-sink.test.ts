/**
 * The line sink against a real influxd: the body it sends is exactly the bytes of the
 * view it is given (a batch is a view of a spool segment), and InfluxDB's answers map to
 * what the writer does with them (204 stored, 400 skip, anything else retry).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { influxLineSink, WriteRejectedError, type LineSink } from '../../server/influx/sink.js';
import { Spool } from '../../server/influx/spool.js';
import { CATCH_UP_AFTER, CATCH_UP_FACTOR, PointWriter } from '../../server/influx/writer.js';
import { createLogger } from '../../server/log.js';
import { createMetrics } from '../../server/metrics.js';
import { startTestInfluxd, type TestInfluxd } from '../harness/influxd.js';
import { freePort } from '../harness/ports.js';

let influxd: TestInfluxd;
const db = `sink_${process.pid}`;
/** A recent ns timestamp (the retention policy drops old points): a minute ago plus i seconds. */
const t = (i: number) => String(BigInt(Date.now() - 60_000 + i * 1000) * 1_000_000n);

async function query(q: string): Promise<{ results: { series?: { values: unknown[][] }[]; error?: string }[] }> {
  const res = await fetch(`${influxd.url}/query?db=${db}&q=${encodeURIComponent(q)}`, { method: 'POST' });
  return (await res.json()) as never;
}

beforeAll(async () => {
  influxd = await startTestInfluxd();
  await query(`CREATE DATABASE ${db} WITH DURATION 1d NAME raw`);
});
afterAll(async () => {
  await influxd?.stop();
});

describe('influxLineSink', () => {
  it('stores exactly the lines of the view it is given, Vietnamese included', async () => {
    const sink = influxLineSink({ url: influxd.url, database: db, retentionPolicy: 'raw' });
    const lines = [`sink_a,k=x v=1 ${t(1)}`, `sink_a,k=y v=2 ${t(2)}`, `sink_a,k=z note="Ngập đường Thống Nhất",v=3 ${t(3)}`];
    // The bytes around the view must not be sent: a line before and after it.
    const all = Buffer.from(`sink_a,k=before v=99 ${t(0)}\n${lines.join('\n')}\nsink_a,k=after v=98 ${t(4)}\n`);
    const start = all.indexOf('\n') + 1;
    const end = all.lastIndexOf('sink_a,k=after');
    await sink.write(all.subarray(start, end), 3);
    const r = await query('SELECT k, v, note FROM sink_a ORDER BY time');
    expect(r.results[0]!.series![0]!.values.map((v) => v.slice(1))).toEqual([
      ['x', 1, null],
      ['y', 2, null],
      ['z', 3, 'Ngập đường Thống Nhất'],
    ]);
  });

  it('a batch InfluxDB refuses in part is a WriteRejectedError (skipped, not retried forever); the good points are stored', async () => {
    const sink = influxLineSink({ url: influxd.url, database: db, retentionPolicy: 'raw' });
    await sink.write(Buffer.from(`sink_b v=1 ${t(1)}\n`), 1);
    const err = await sink.write(Buffer.from(`sink_b v="text" ${t(2)}\nsink_b v=3 ${t(3)}\n`), 2).catch((e: Error) => e);
    expect(err).toBeInstanceOf(WriteRejectedError);
    expect((err as Error).message).toMatch(/conflict/);
    const r = await query('SELECT v FROM sink_b ORDER BY time');
    expect(r.results[0]!.series![0]!.values.map((v) => v[1])).toEqual([1, 3]);
  });

  it('an unknown database or an unreachable InfluxDB is a plain error: the writer retries', async () => {
    const missing = influxLineSink({ url: influxd.url, database: 'no_such_db', retentionPolicy: 'raw' });
    const e1 = await missing.write(Buffer.from('m v=1 1\n'), 1).catch((e: Error) => e);
    expect(e1).toBeInstanceOf(Error);
    expect(e1).not.toBeInstanceOf(WriteRejectedError);
    expect((e1 as Error).message).toMatch(/HTTP 404.*database not found/);
    const away = influxLineSink({ url: `http://127.0.0.1:${await freePort()}`, database: db, retentionPolicy: 'raw' });
    const e2 = await away.write(Buffer.from('m v=1 1\n'), 1).catch((e: Error) => e);
    expect(e2).toBeInstanceOf(Error);
    expect(e2).not.toBeInstanceOf(WriteRejectedError);
    expect((e2 as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });
});

describe('PointWriter behind InfluxDB', () => {
  it('sends catch-up batches while more than two batches wait, normal ones after, and stores every point', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-writer-catchup-'));
    const real = influxLineSink({ url: influxd.url, database: db, retentionPolicy: 'raw' });
    const counts: number[] = [];
    const sink: LineSink = { write: (body, count) => (counts.push(count), real.write(body, count)) };
    const batchSize = 500;
    const writer = new PointWriter(new Spool(dir, { maxBytes: 64 * 1024 * 1024 }), sink, { batchSize, flushMs: 50, log: createLogger('silent'), metrics: createMetrics() });
    try {
      writer.open();
      // InfluxDB "away" (the writer not started): 5,600 points wait, more than two batches.
      const n = 5_600;
      const points = Array.from({ length: n }, (_, i) => ({ measurement: 'catch_up', tags: { dev: `d${i % 50}` }, fields: { seq: i }, timestamp: String(BigInt(Date.now() - 60_000 + i) * 1_000_000n) }));
      writer.write(points);
      writer.start();
      await writer.flush(30_000);
      // First a catch-up batch of 4 × 500; the last ones normal, once no more than two batches wait.
      expect(counts[0]).toBe(CATCH_UP_FACTOR * batchSize);
      expect(counts.every((c) => c <= CATCH_UP_FACTOR * batchSize)).toBe(true);
      let left = n;
      for (const c of counts) {
        expect(c).toBe(left > CATCH_UP_AFTER * batchSize ? Math.min(left, CATCH_UP_FACTOR * batchSize) : Math.min(left, batchSize));
        left -= c;
      }
      expect(counts.reduce((a, b) => a + b, 0)).toBe(n);
      const r = await query('SELECT count(seq) FROM catch_up');
      expect(r.results[0]!.series![0]!.values[0]![1]).toBe(n);
    } finally {
      await writer.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
