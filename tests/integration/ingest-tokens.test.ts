/**
 * Issue #19 point 4, "Ingest: no open endpoint", through the whole app with a
 * real influxd and Mosquitto: /api/ingest/* is off until an admin issues an
 * ingest token; a token is checked live (revoked, expired, its CAP senders, its
 * scopes); a CAP Update or Cancel applies only from the sender of the alert it
 * references, over HTTP and over MQTT; station imports are capped in rows and
 * bytes; every import is in the audit trail.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../contract/index.js';
import { topics } from '../../contract/index.js';
import type { AuditRow } from '../../server/db/sor.js';
import { main as importStationsCli } from '../../server/ingest/opencellid/cli.js';
import type { IngestTokenInfo } from '../../contract/auth.js';
import { PgIngestTokenStore } from '../../server/ingest/tokens.js';
import { accountsDb } from '../harness/accounts.js';
import { startTestApp, type TestApp } from '../harness/app.js';
import { startTestInfluxd, type TestInfluxd } from '../harness/influxd.js';
import { startMosquitto, type TestMosquitto } from '../harness/mosquitto.js';
import { waitFor } from '../harness/wait.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CAP = fs.readFileSync(path.join(ROOT, 'tests', 'fixtures', 'cap', 'ninh-thuan-flood.xml'), 'utf8');
const CSV = fs.readFileSync(path.join(ROOT, 'tests', 'fixtures', 'opencellid', 'sample.csv'), 'utf8');
const HEADER = CSV.split('\n')[0]!;
const KTTV = 'canhbao@kttv.ninhthuan.gov.vn';
const EVN = 'canhbao@evn-ninhthuan.vn';
const MAX_ROWS = 5;
const MAX_BYTES = 4000;

let influxd: TestInfluxd;
let broker: TestMosquitto;
let app: TestApp;
const spool = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-ingest-tokens-'));

beforeAll(async () => {
  influxd = await startTestInfluxd();
  broker = await startMosquitto();
  app = await startTestApp({
    mqttUrl: broker.url,
    influxUrl: influxd.url,
    env: { STATION_IMPORT_MAX_ROWS: String(MAX_ROWS), STATION_IMPORT_MAX_BYTES: String(MAX_BYTES), SPOOL_DIR: spool },
  });
});
afterAll(async () => {
  await app?.stop();
  await broker?.stop();
  await influxd?.stop();
  fs.rmSync(spool, { recursive: true, force: true });
});

/** The fixture as another message: its sender, identifier, type and references. */
function cap(o: { sender: string; id: string; type?: 'Alert' | 'Update' | 'Cancel'; refs?: { sender: string; id: string } }): string {
  let x = CAP.replace(/<identifier>[^<]+</, `<identifier>${o.id}<`).replace(/<sender>[^<]+</, `<sender>${o.sender}<`);
  x = x.replace('<msgType>Alert</msgType>', `<msgType>${o.type ?? 'Alert'}</msgType>`);
  if (o.refs) x = x.replace('<scope>Public</scope>', `<scope>Public</scope>\n  <references>${o.refs.sender},${o.refs.id},2026-11-23T08:00:00+07:00</references>`);
  return x;
}

async function post(route: string, body: BodyInit, token: string | null, type = route.endsWith('cap') ? 'application/cap+xml' : 'text/csv') {
  const res = await fetch(`${app.url}${route}`, {
    method: 'POST',
    headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  return { status: res.status, json: (await res.json()) as { ok: boolean; data?: unknown; error?: { code: string; message: string } } };
}

async function admin(method: string, route: string, body?: unknown, role: 'admin' | 'supervisor' = 'admin') {
  const res = await fetch(`${app.url}/api/admin/ingest-tokens${route}`, {
    method,
    headers: { ...(await app.headers(role)), ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as { ok: boolean; data?: any; error?: { message: string } } };
}

const incidentOf = (sender: string, id: string): Incident | undefined => app.operations.incidents.recent().find((i) => i.externalRef === `${sender},${id}`);

async function publish(sender: string, xml: string): Promise<void> {
  const c = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
  await c.publishAsync(topics.cap(sender.split('@')[1]!.replace(/\./g, '-')), xml, { qos: 1 });
  await c.endAsync();
}

let kttv = '';
let evn = '';

describe('with no ingest token', () => {
  it('the ingest routes are off (503, saying how to turn them on) and nothing is created', async () => {
    for (const token of [null, 'ing_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
      const c = await post('/api/ingest/cap', cap({ sender: KTTV, id: 'OFF-1' }), token);
      expect(c.status).toBe(503);
      expect(c.json.error).toEqual({ code: 'unavailable', message: expect.stringMatching(/^ingest over HTTP is off: no cap ingest token issued .*ingest-token add/) });
      const s = await post('/api/ingest/stations', CSV, token);
      expect(s.status).toBe(503);
    }
    expect(app.operations.incidents.recent().filter((i) => i.channel === 'cap')).toEqual([]);
    expect(app.registry.stations.has('ocid-452-4-10201-3311')).toBe(false);
  });
});

describe('tokens issued by an admin', () => {
  it('only an admin may list, issue and revoke them; the secret is shown once, never listed', async () => {
    expect((await admin('POST', '', { name: 'x', senders: [KTTV] }, 'supervisor')).status).toBe(403);
    expect((await admin('GET', '', undefined, 'supervisor')).status).toBe(403);
    expect((await admin('POST', '', { name: 'x', senders: ['has space'] })).status).toBe(400);
    expect((await admin('POST', '', { name: 'x', senders: [], scopes: ['cap'] })).status).toBe(400);
    for (const bad of [{}, { name: 'x', senders: [KTTV], extra: 1 }, { name: 'x', senders: KTTV }, { name: 'x', senders: [KTTV], scopes: ['all'] }, { name: 'x', senders: [KTTV], ttlDays: 1.5 }]) {
      expect((await admin('POST', '', bad)).status, JSON.stringify(bad)).toBe(400);
    }
    expect((await admin('DELETE', '/0000000000000000')).status).toBe(404);
    expect(app.ingestTokens.list()).toEqual([]);

    const k = await admin('POST', '', { name: 'KTTV Ninh Thuận', senders: [KTTV], scopes: ['cap', 'stations'] });
    expect(k.status).toBe(200);
    expect(k.json.data.token).toMatch(/^ing_[0-9a-f]{16}_/);
    expect(k.json.data.info).toMatchObject({ name: 'KTTV Ninh Thuận', senders: [KTTV], scopes: ['cap', 'stations'], createdBy: 'admin', expiresAt: null, revokedAt: null });
    kttv = k.json.data.token;
    evn = (await admin('POST', '', { name: 'EVN Ninh Thuận', senders: [EVN] })).json.data.token;

    const list = await admin('GET', '');
    expect(list.json.data.map((t: IngestTokenInfo) => t.name).sort()).toEqual(['EVN Ninh Thuận', 'KTTV Ninh Thuận']);
    expect(JSON.stringify(list.json.data)).not.toContain(kttv.slice(21));
    expect(JSON.stringify(list.json.data)).not.toContain('tokenHash');
  });

  it('a token issued at run time works at once: a CAP alert opens an incident', async () => {
    const r = await post('/api/ingest/cap', cap({ sender: KTTV, id: 'KTTV-1' }), kttv);
    expect(r).toEqual({ status: 202, json: { ok: true, data: { identifier: 'KTTV-1', msgType: 'Alert' } } });
    await waitFor(() => incidentOf(KTTV, 'KTTV-1'), { message: 'no incident from the CAP alert' });
  });

  it('refuses a missing, unknown, revoked or expired token (401), and a scope the token lacks (403)', async () => {
    const xml = cap({ sender: KTTV, id: 'REFUSED-1' });
    expect((await post('/api/ingest/cap', xml, null)).json.error).toEqual({ code: 'unauthorized', message: expect.stringMatching(/ingest token is required/) });
    expect((await post('/api/ingest/cap', xml, `${kttv.slice(0, -2)}xx`)).status).toBe(401);
    // EVN's token has scope cap only.
    expect((await post('/api/ingest/stations', CSV, evn)).status).toBe(403);

    const revoked = await admin('POST', '', { name: 'to revoke', senders: [KTTV] });
    const id = revoked.json.data.info.id as string;
    expect((await admin('DELETE', `/${id}`)).json.data).toMatchObject({ id, revokedAt: expect.any(Number) });
    expect(await post('/api/ingest/cap', xml, revoked.json.data.token)).toMatchObject({ status: 401, json: { error: { message: 'ingest token revoked' } } });

    // An expired token: its record as another process would store it past its expiry (the server hears of it by NOTIFY).
    const expiring = await admin('POST', '', { name: 'expiring', senders: [KTTV], ttlDays: 1 });
    const db = await accountsDb(app.config.DATABASE_URL!);
    try {
      const store = await new PgIngestTokenStore(db).open();
      await store.stored([store.put({ ...store.get(expiring.json.data.info.id)!, expiresAt: Date.now() - 1000 })]);
      await store.close();
    } finally {
      await db.close();
    }
    await waitFor(() => !app.ingestTokens.usable().some((t) => t.id === expiring.json.data.info.id), { timeoutMs: 2000, message: 'the server did not hear of the change within 2 s' });
    expect(await post('/api/ingest/cap', xml, expiring.json.data.token)).toMatchObject({ json: { error: { message: 'ingest token expired' } } });
    expect(incidentOf(KTTV, 'REFUSED-1')).toBeUndefined();
  });

  it('a CAP alert from a sender the token does not name is refused (403) and audited', async () => {
    const r = await post('/api/ingest/cap', cap({ sender: KTTV, id: 'EVN-AS-KTTV' }), evn);
    expect(r.status).toBe(403);
    expect(r.json.error).toEqual({ code: 'forbidden', message: expect.stringContaining(`may not send as ${KTTV}`) });
    expect(incidentOf(KTTV, 'EVN-AS-KTTV')).toBeUndefined();
  });
});

describe('a CAP Update or Cancel only from the sender of the alert it references', () => {
  it('over HTTP: EVN cannot cancel or update KTTV’s incident (403, it stays open); KTTV can', async () => {
    const ref = { sender: KTTV, id: 'KTTV-1' };
    const before = incidentOf(KTTV, 'KTTV-1')!;
    const cancel = await post('/api/ingest/cap', cap({ sender: EVN, id: 'EVN-C1', type: 'Cancel', refs: ref }), evn);
    expect(cancel.status).toBe(403);
    expect(cancel.json.error!.message).toMatch(/^Cancel from canhbao@evn-ninhthuan\.vn references incident inc-.* came from canhbao@kttv\.ninhthuan\.gov\.vn: only the sender/);
    const update = await post('/api/ingest/cap', cap({ sender: EVN, id: 'EVN-U1', type: 'Update', refs: ref }), evn);
    expect(update.status).toBe(403);
    expect(incidentOf(KTTV, 'KTTV-1')).toMatchObject({ status: 'new', version: before.version });

    const own = await post('/api/ingest/cap', cap({ sender: KTTV, id: 'KTTV-1-C', type: 'Cancel', refs: ref }), kttv);
    expect(own.status).toBe(202);
    await waitFor(() => incidentOf(KTTV, 'KTTV-1')?.status === 'closed', { message: 'KTTV’s own Cancel not applied' });
    expect(incidentOf(KTTV, 'KTTV-1')!.timeline.at(-1)).toMatchObject({ action: 'cancel', by: `cap:${KTTV}` });
  });

  it('over MQTT: the foreign Cancel is rejected in feed health with its reason, never applied; the sender’s own Cancel is', async () => {
    await publish(KTTV, cap({ sender: KTTV, id: 'KTTV-MQTT-1' }));
    await waitFor(() => incidentOf(KTTV, 'KTTV-MQTT-1'), { message: 'no incident from the CAP alert over MQTT' });
    const ref = { sender: KTTV, id: 'KTTV-MQTT-1' };
    await publish(EVN, cap({ sender: EVN, id: 'EVN-MQTT-C1', type: 'Cancel', refs: ref }));
    await waitFor(() => app.health.stats('cap').rejected.foreign_reference === 1, { message: 'foreign Cancel not counted as rejected' });
    expect(app.health.deadLetters()[0]).toMatchObject({ feed: 'cap', reason: 'foreign_reference', detail: expect.stringMatching(/^Cancel from canhbao@evn-ninhthuan\.vn/) });
    expect(incidentOf(KTTV, 'KTTV-MQTT-1')!.status).toBe('new');

    await publish(KTTV, cap({ sender: KTTV, id: 'KTTV-MQTT-1-C', type: 'Cancel', refs: ref }));
    await waitFor(() => incidentOf(KTTV, 'KTTV-MQTT-1')?.status === 'closed', { message: 'KTTV’s own Cancel over MQTT not applied' });
    expect(app.health.stats('cap').rejected.foreign_reference).toBe(1);
  });
});

describe('station imports', () => {
  const rows = (n: number) => CSV.split('\n').slice(1, n + 1).join('\n');

  it('over the row cap: 413, nothing imported', async () => {
    const r = await post('/api/ingest/stations', CSV, kttv);
    expect(r.status).toBe(413);
    expect(r.json.error!.message).toMatch(`more than ${MAX_ROWS} rows (STATION_IMPORT_MAX_ROWS)`);
    expect(app.registry.stations.has('ocid-452-4-10201-3311')).toBe(false);
  });

  it('over the byte cap: 413, whether declared (Content-Length) or streamed', async () => {
    const declared = await post('/api/ingest/stations', `${HEADER}\n${rows(2)}\n${' '.repeat(MAX_BYTES)}`, kttv);
    expect(declared.status).toBe(413);
    expect(declared.json.error!.message).toMatch(`larger than ${MAX_BYTES} bytes (STATION_IMPORT_MAX_BYTES)`);
    // Chunked, so no Content-Length: two rows, then blank lines (no rows) until past the cap.
    const head = new TextEncoder().encode(`${HEADER}\n${rows(2)}\n`);
    const blank = new TextEncoder().encode('\n'.repeat(1000));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent > MAX_BYTES * 2) return c.close();
        const chunk = sent === 0 ? head : blank;
        sent += chunk.length;
        c.enqueue(chunk);
      },
    });
    const streamed = await post('/api/ingest/stations', stream, kttv);
    expect(streamed.status).toBe(413);
    expect(streamed.json.error!.message).toMatch(`larger than ${MAX_BYTES} bytes (STATION_IMPORT_MAX_BYTES)`);
    expect(app.registry.stations.has('ocid-452-4-10201-3311')).toBe(false);
  });

  it('an import within the caps lands, and every import is in /api/audit?entity=ingest with its token, rows and bytes', async () => {
    // Exactly MAX_ROWS rows, one of them of an unknown operator.
    const body = `${HEADER}\n${rows(4)}\nLTE,452,9,1,2,0,108.9,11.5,1,1,1,0,0,0\n`;
    const r = await post('/api/ingest/stations', body, kttv);
    expect(r).toMatchObject({ status: 200, json: { ok: true, data: { rows: 5, imported: 4, errorCount: 1 } } });
    expect(app.registry.stations.has('ocid-452-4-10201-3311')).toBe(true);

    // The import CLI: refuses a file over its byte cap before uploading; within it, uploads with the token.
    const file = path.join(spool, 'cells.csv');
    fs.writeFileSync(file, `${HEADER}\n${rows(2)}\n`);
    process.env.STATION_IMPORT_MAX_BYTES = '100';
    try {
      expect(await importStationsCli([file, '--server', app.url, '--token', kttv])).toBe(1);
    } finally {
      delete process.env.STATION_IMPORT_MAX_BYTES;
    }
    expect(await importStationsCli([file, '--server', app.url])).toBe(2);
    expect(await importStationsCli([file, '--server', app.url, '--token', kttv])).toBe(0);

    await app.writer.flush();
    const res = await fetch(`${app.url}/api/audit?entity=ingest`, { headers: await app.headers('admin') });
    expect(res.status).toBe(200);
    const audit = ((await res.json()) as { data: AuditRow[] }).data;
    const imports = audit.filter((e) => e.type === 'stations_import');
    expect(imports.every((e) => e.entity === 'ingest' && e.by === 'ingest:KTTV Ninh Thuận')).toBe(true);
    expect(imports.filter((e) => e.result === 'ok').map((e) => e.note)).toEqual([
      `via CLI; rows 2; accepted 2; rejected 0; bytes ${fs.statSync(file).size}`,
      `via HTTP; rows 5; accepted 4; rejected 1; bytes ${Buffer.byteLength(body)}`,
    ]);
    expect(imports.filter((e) => e.result === 'refused').map((e) => e.note)).toEqual([
      expect.stringMatching(/larger than 4000 bytes .*nothing imported/),
      expect.stringMatching(/bytes declared, over STATION_IMPORT_MAX_BYTES 4000/),
      expect.stringMatching(/more than 5 rows .*nothing imported/),
    ]);
    // Issuing, revoking and refused CAP messages are there too.
    expect(audit.filter((e) => e.type === 'token_issued').map((e) => e.by)).toEqual(['admin', 'admin', 'admin', 'admin']);
    expect(audit.some((e) => e.type === 'token_revoked' && e.by === 'admin')).toBe(true);
    expect(audit.filter((e) => e.type === 'cap_refused').map((e) => e.note?.split(':')[0])).toEqual(['foreign_reference', 'foreign_reference', 'sender_not_allowed']);
  });
});
