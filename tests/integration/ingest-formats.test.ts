import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import express from 'express';
import pino from 'pino';
import { EventBus, type BusEvents } from '../../server/bus.js';
import { capRouter } from '../../server/ingest/cap/handler.js';
import { stationsRouter } from '../../server/ingest/opencellid/router.js';
import type { OwnAccountsDb } from '../../server/db/accounts-sync.js';
import { createIngestTokens } from '../../server/ingest/tokens.js';
import { accountsDb } from '../harness/accounts.js';
import { testDatabase } from '../harness/app.js';

const FIX = path.join(import.meta.dirname, '..', 'fixtures');
const CAP = fs.readFileSync(path.join(FIX, 'cap', 'ninh-thuan-flood.xml'), 'utf8');
const CSV = fs.readFileSync(path.join(FIX, 'opencellid', 'sample.csv'), 'utf8');
const HEADER = CSV.split('\n')[0]!;
let TOKEN = '';
const NOW = Date.UTC(2026, 10, 23, 1);
const MAX_CSV = 2 * 1024 * 1024;

let server: http.Server;
let db: OwnAccountsDb;
let base: string;
const caps: BusEvents['cap.alert'][] = [];
const imports: BusEvents['stations.imported'][] = [];

beforeAll(async () => {
  const log = pino({ level: 'silent' });
  const bus = new EventBus(log);
  bus.on('cap.alert', 'test', (e) => caps.push(e));
  bus.on('stations.imported', 'test', (e) => imports.push(e));
  // The real token store on a database of its own (server/ingest/tokens.ts); the routes are off without a token.
  db = await accountsDb(await testDatabase(`ioc_test_${process.pid}_ingest_formats`));
  const tokens = await createIngestTokens({ db, log });
  TOKEN = (await tokens.issueStored({ name: 'KTTV Ninh Thuận', senders: ['canhbao@kttv.ninhthuan.gov.vn'], scopes: ['cap', 'stations'] })).token;
  const app = express();
  app.use(capRouter({ bus, log, tokens, now: () => NOW }));
  app.use(stationsRouter({ bus, log, tokens, now: () => NOW, maxBytes: MAX_CSV, maxRows: 100_000 }));
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await db?.close();
});

async function post(route: string, body: BodyInit, contentType: string, auth = true): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}${route}`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...(auth ? { authorization: `Bearer ${TOKEN}` } : {}) },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  return { status: res.status, json: await res.json() };
}

describe('POST /api/ingest/cap', () => {
  it('accepts a CAP alert in each XML content type and emits cap.alert via http', async () => {
    caps.length = 0;
    for (const type of ['application/cap+xml', 'application/xml; charset=utf-8', 'text/xml']) {
      const r = await post('/api/ingest/cap', CAP, type);
      expect(r).toEqual({ status: 202, json: { ok: true, data: { identifier: 'VN-KTTV-NT-2026-1123-0042', msgType: 'Alert' } } });
    }
    expect(caps).toHaveLength(3);
    expect(caps[0]).toMatchObject({ via: 'http', receivedAt: NOW, alert: { sender: 'canhbao@kttv.ninhthuan.gov.vn', infos: [{ language: 'vi-VN' }, { language: 'en-US' }] } });
  });

  it('answers 400 with the validation detail, 415 for other types, 413 past 256 KB, 401 without the token', async () => {
    caps.length = 0;
    const noSender = CAP.replace(/<sender>.*<\/sender>/, '');
    expect(await post('/api/ingest/cap', noSender, 'application/cap+xml')).toEqual({
      status: 400,
      json: { ok: false, error: { code: 'bad_request', message: 'alert.sender: required element missing' } },
    });
    const xxe = `<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${CAP.replace(/^<\?xml[^>]*>\n/, '')}`;
    const r = await post('/api/ingest/cap', xxe, 'application/xml');
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/DOCTYPE/);
    expect((await post('/api/ingest/cap', JSON.stringify({ identifier: 'x' }), 'application/json')).status).toBe(415);
    const big = CAP.replace('<description>', `<description>${'x'.repeat(300 * 1024)}`);
    const tooBig = await post('/api/ingest/cap', big, 'application/cap+xml');
    expect(tooBig.status).toBe(413);
    expect(tooBig.json.error.code).toBe('bad_request');
    expect(await post('/api/ingest/cap', CAP, 'application/cap+xml', false)).toMatchObject({ status: 401, json: { ok: false, error: { code: 'unauthorized' } } });
    expect(caps).toEqual([]);
  });
});

describe('POST /api/ingest/stations', () => {
  it('imports an OpenCelliD CSV, reports skipped rows, and emits stations.imported', async () => {
    imports.length = 0;
    const r = await post('/api/ingest/stations?bbox=108.85,11.5,109.1,11.7', CSV, 'text/csv');
    expect(r.status).toBe(200);
    expect(r.json.ok).toBe(true);
    expect(r.json.data).toMatchObject({ rows: 10, imported: 4, errorCount: 6 });
    expect(r.json.data.errors.map((e: { row: number; reason: string }) => `${e.row}:${e.reason}`)).toEqual([
      '6:invalid_value',
      '7:invalid_value',
      '8:unknown_radio',
      '9:unknown_operator',
      '10:missing_columns',
      '11:outside_bbox',
    ]);
    expect(imports).toHaveLength(1);
    expect(imports[0]!.receivedAt).toBe(NOW);
    expect(imports[0]!.sites.map((s) => s.operator)).toEqual(['Viettel', 'VNPT', 'MobiFone', 'Viettel']);
  });

  it('streams a large chunked upload through without buffering it', async () => {
    imports.length = 0;
    const rows = 20_000;
    let i = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (i === 0) controller.enqueue(new TextEncoder().encode(HEADER + '\n'));
        if (i >= rows) return controller.close();
        let s = '';
        for (const end = i + 1000; i < end; i++) s += `LTE,452,${[4, 2, 1][i % 3]},20${i % 9},${i},0,108.99,11.56,${i % 3000},3,1,1459813427,1700000000,0\n`;
        controller.enqueue(new TextEncoder().encode(s));
      },
    });
    const r = await post('/api/ingest/stations', stream, 'text/csv');
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual({ rows, imported: rows, errors: [], errorCount: 0 });
    expect(imports[0]!.sites).toHaveLength(rows);
  });

  it('refuses wrong types, bad headers, oversize bodies and missing tokens; emits nothing for an empty import', async () => {
    imports.length = 0;
    expect((await post('/api/ingest/stations', CSV, 'application/json')).status).toBe(415);
    const noLat = await post('/api/ingest/stations', 'radio,mcc,net,area,cell,lon\nLTE,452,4,1,2,108.9\n', 'text/csv');
    expect(noLat).toEqual({ status: 400, json: { ok: false, error: { code: 'bad_request', message: 'cannot read CSV: CSV header lacks column(s): lat' } } });
    expect((await post('/api/ingest/stations', 'x'.repeat(MAX_CSV + 1), 'text/csv')).status).toBe(413);
    // Chunked, so no Content-Length to refuse up front: the stream counter stops it.
    const chunk = new TextEncoder().encode(`${HEADER}\n${'LTE,452,9,1,2,0,108.9,11.5,1,1,1,0,0,0\n'.repeat(20_000)}`);
    let sent = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent > MAX_CSV * 2) return c.close();
        sent += chunk.length;
        c.enqueue(chunk);
      },
    });
    const chunked = await post('/api/ingest/stations', endless, 'text/csv');
    expect(chunked.status).toBe(413);
    expect(chunked.json.error.message).toMatch(`larger than ${MAX_CSV} bytes (STATION_IMPORT_MAX_BYTES)`);
    expect((await post('/api/ingest/stations?bbox=1,2,3', CSV, 'text/csv')).status).toBe(400);
    expect((await post('/api/ingest/stations', CSV, 'text/csv', false)).status).toBe(401);
    const allBad = await post('/api/ingest/stations', `${HEADER}\nLTE,452,9,1,2,0,108.9,11.5,1,1,1,0,0,0\n`, 'text/csv');
    expect(allBad.json.data).toMatchObject({ rows: 1, imported: 0, errorCount: 1 });
    expect(imports).toEqual([]);
  });
});
