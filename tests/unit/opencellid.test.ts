import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { stationSite } from '../../contract/index.js';
import { ImportTooLargeError, importOpenCellId } from '../../server/ingest/opencellid/import.js';

const SAMPLE = path.join(import.meta.dirname, '..', 'fixtures', 'opencellid', 'sample.csv');
const HEADER = 'radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal';
/** Phan Rang – Tháp Chàm and around: [w, s, e, n]. */
const PHAN_RANG: [number, number, number, number] = [108.85, 11.5, 109.1, 11.7];
const csv = (...lines: string[]) => Readable.from([lines.join('\n') + '\n']);

describe('importOpenCellId', () => {
  it('maps valid rows of each radio and operator and reports bad rows by line', async () => {
    const r = await importOpenCellId(fs.createReadStream(SAMPLE), { bbox: PHAN_RANG });
    expect(r.rows).toBe(10);
    expect(r.imported).toBe(4);
    expect(r.sites).toEqual([
      { id: 'ocid-452-4-10201-3311', name: 'Viettel GSM 3311', position: [108.9881, 11.5662], operator: 'Viettel', techs: ['2G'], radiusM: 1200, wardId: null, sectorsDeg: [] },
      { id: 'ocid-452-2-10205-27011', name: 'VNPT UMTS 27011', position: [108.9712, 11.5801], operator: 'VNPT', techs: ['3G'], radiusM: 1000, wardId: null, sectorsDeg: [] },
      { id: 'ocid-452-1-5012-134511234', name: 'MobiFone LTE 134511234', position: [109.0011, 11.5587], operator: 'MobiFone', techs: ['4G'], radiusM: 100, wardId: null, sectorsDeg: [] },
      { id: 'ocid-452-4-10201-987654321', name: 'Viettel NR 987654321', position: [108.9903, 11.5702], operator: 'Viettel', techs: ['5G'], radiusM: 35_000, wardId: null, sectorsDeg: [] },
    ]);
    for (const s of r.sites) expect(stationSite.safeParse(s).success).toBe(true);
    expect(r.errorCount).toBe(6);
    expect(r.errors).toEqual([
      { row: 6, reason: 'invalid_value', detail: 'lon is not a number' },
      { row: 7, reason: 'invalid_value', detail: 'lat must be ≤ 90' },
      { row: 8, reason: 'unknown_radio', detail: 'radio "WIMAX" is not one of GSM, UMTS, LTE, NR, CDMA' },
      { row: 9, reason: 'unknown_operator', detail: 'no operator for mcc 452 net 5' },
      { row: 10, reason: 'missing_columns', detail: '4 of 14 columns' },
      { row: 11, reason: 'outside_bbox', detail: '105.85,21.02 is outside 108.85,11.5,109.1,11.7' },
    ]);
  });

  it('keeps rows anywhere without a bbox, and maps extra operators when asked', async () => {
    const r = await importOpenCellId(fs.createReadStream(SAMPLE), { operators: { '452-5': 'VNPT' } });
    expect(r.imported).toBe(6);
    expect(r.sites.map((s) => s.id)).toContain('ocid-452-4-10201-81');
    expect(r.sites.find((s) => s.id === 'ocid-452-5-3001-80')?.operator).toBe('VNPT');
    expect(r.errors.map((e) => e.reason)).toEqual(['invalid_value', 'invalid_value', 'unknown_radio', 'missing_columns']);
  });

  it('reads headerless per-country dumps, skips CDMA, duplicates and broken CSV records', async () => {
    const r = await importOpenCellId(
      csv(
        'LTE,452,4,10201,500,0,108.99,11.56,800,3,1,1459813427,1700000000,0',
        'CDMA,452,4,10201,501,0,108.99,11.56,800,3,1,1459813427,1700000000,0',
        'LTE,452,4,10201,500,0,108.98,11.57,800,3,1,1459813427,1700000000,0',
        'LTE,452,4,10201,"502,0,108.99,11.56,800,3,1,1459813427,1700000000,0',
      ),
    );
    expect(r.imported).toBe(1);
    expect(r.sites[0]!.id).toBe('ocid-452-4-10201-500');
    expect(r.errors.map((e) => [e.row, e.reason])).toEqual([
      [2, 'unsupported_radio'],
      [3, 'duplicate_cell'],
      [4, 'bad_csv'],
    ]);
  });

  it('refuses a file whose header lacks required columns', async () => {
    await expect(importOpenCellId(csv('radio,mcc,net,area,cell,lon', 'LTE,452,4,1,2,108.9'))).rejects.toThrow('CSV header lacks column(s): lat');
  });

  it('keeps at most maxErrors entries but counts them all', async () => {
    const bad = Array.from({ length: 30 }, (_, i) => `LTE,452,9,1,${i},0,108.99,11.56,800,3,1,0,0,0`);
    const r = await importOpenCellId(csv(HEADER, ...bad), { maxErrors: 10 });
    expect(r.errors).toHaveLength(10);
    expect(r.errorCount).toBe(30);
    expect(r.rows).toBe(30);
  });

  it('stops with an error past maxBytes', async () => {
    await expect(importOpenCellId(fs.createReadStream(SAMPLE), { maxBytes: 200 })).rejects.toThrow('input larger than 200 bytes');
  });

  it('stops with ImportTooLargeError past maxRows (bad rows count too), and takes exactly maxRows', async () => {
    const rows = (n: number) => Array.from({ length: n }, (_, i) => `LTE,452,${i % 2 ? 9 : 4},1,${i},0,108.99,11.56,800,3,1,0,0,0`);
    const err = await importOpenCellId(csv(HEADER, ...rows(6)), { maxRows: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportTooLargeError);
    expect(err).toMatchObject({ message: 'more than 5 rows', limit: 'rows', rows: 6 });
    const ok = await importOpenCellId(csv(HEADER, ...rows(5)), { maxRows: 5 });
    expect(ok).toMatchObject({ rows: 5, imported: 3, errorCount: 2 });
    expect(ok.bytes).toBe(Buffer.byteLength([HEADER, ...rows(5)].join('\n') + '\n'));
  });

  it('streams 50,000 rows, reporting progress along the way', async () => {
    const N = 50_000;
    function* chunks() {
      yield HEADER + '\n';
      for (let start = 0; start < N; start += 1000) {
        let s = '';
        for (let i = start; i < start + 1000; i++) {
          const net = [4, 2, 1][i % 3];
          const radio = ['GSM', 'UMTS', 'LTE', 'NR'][i % 4];
          s += `${radio},452,${net},${10_000 + (i % 50)},${i},0,${(108.9 + (i % 1000) / 10_000).toFixed(4)},${(11.5 + (i % 700) / 10_000).toFixed(4)},${i % 5000},5,1,1459813427,1700000000,0\n`;
        }
        yield s;
      }
    }
    const progress: [number, number][] = [];
    const r = await importOpenCellId(Readable.from(chunks()), { onProgress: (rows, bytes) => progress.push([rows, bytes]) });
    expect(r.rows).toBe(N);
    expect(r.imported).toBe(N);
    expect(r.errorCount).toBe(0);
    expect(progress.length).toBeGreaterThan(5);
    expect(progress.at(-1)![0]).toBe(N);
    // Rows and bytes only grow.
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]![0]).toBeGreaterThanOrEqual(progress[i - 1]![0]);
      expect(progress[i]![1]).toBeGreaterThanOrEqual(progress[i - 1]![1]);
    }
    expect(new Set(r.sites.map((s) => s.operator))).toEqual(new Set(['Viettel', 'VNPT', 'MobiFone']));
  });
});
