/**
 * Issue #23 part 3, citizen requests over Open311 GeoReport v2, end to end on the whole app
 * (real influxd, PostgreSQL, the embedded broker): form-encoded POSTs as GeoReport clients
 * send them → the request and its incident in PostgreSQL → the report's alert and the
 * incident (channel citizen_app) on a console's socket and in the wall's today panel → the
 * request's status following the incident's as officers work it. Abuse controls: api_key
 * per client app (an ingest token of scope open311, hashed), rate limits per key and per
 * device_id, duplicates by place, type and time. Every refusal in GeoReport's error shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GeoReportCreated, GeoReportRequest, GeoReportService } from '../../contract/open311.js';
import { startTestApp, connectConsole, EMBEDDED_BROKER, type TestApp } from '../harness/app.js';
import { startTestInfluxd, type TestInfluxd } from '../harness/influxd.js';
import { queryRows } from '../harness/postgres.js';
import { waitFor } from '../harness/wait.js';

let influxd: TestInfluxd;
let app: TestApp;
let key: string;
let keyId: string;
const PER_DEVICE = 3;
const PER_KEY = 25;
// A street in the test town (citypacks/test-town), and a point 40 m east of it.
const HERE = { lat: '10.0050', long: '106.0150' };
const NEAR = { lat: '10.0050', long: '106.01537' };

beforeAll(async () => {
  influxd = await startTestInfluxd();
  app = await startTestApp({
    mqttUrl: '',
    influxUrl: influxd.url,
    env: { ...EMBEDDED_BROKER, OPEN311_RATE_PER_DEVICE_PER_HOUR: String(PER_DEVICE), OPEN311_RATE_PER_KEY_PER_MIN: String(PER_KEY), OPEN311_DUPLICATE_RADIUS_M: '100' },
  });
}, 60_000);
afterAll(async () => {
  await app?.stop();
  await influxd?.stop();
});

/** A POST as a GeoReport client sends it: application/x-www-form-urlencoded, UTF-8. */
async function post(fields: Record<string, string>, type = 'application/x-www-form-urlencoded') {
  const body = type === 'application/json' ? JSON.stringify(fields) : new URLSearchParams(fields).toString();
  const res = await fetch(`${app.url}/open311/v2/requests.json`, { method: 'POST', headers: { 'content-type': type }, body });
  return { status: res.status, body: (await res.json()) as unknown };
}
const get = async <T>(p: string) => {
  const res = await fetch(`${app.url}${p}`);
  return { status: res.status, body: (await res.json()) as T };
};
const form = (o: Record<string, string> = {}) => ({ api_key: key, service_code: 'pothole', ...HERE, description: 'Ổ gà lớn giữa đường, xe máy dễ ngã', device_id: `dev-${Math.random().toString(36).slice(2)}`, ...o });

describe('Open311 GeoReport v2', () => {
  it('lists its services, and is off until an admin issues a client app its api_key (kept hashed)', async () => {
    const s = await get<GeoReportService[]>('/open311/v2/services.json');
    expect(s.status).toBe(200);
    expect(s.body.map((x) => x.service_code)).toEqual(expect.arrayContaining(['pothole', 'flooding', 'traffic_accident', 'streetlight']));
    expect(s.body[0]).toEqual({ service_code: expect.any(String), service_name: expect.any(String), description: expect.any(String), metadata: false, type: 'realtime', keywords: expect.any(String), group: expect.any(String) });

    const off = await post({ api_key: 'x', service_code: 'pothole', ...HERE });
    expect(off.status).toBe(503);
    expect(off.body).toEqual([{ code: 503, description: expect.stringContaining('no client app has an api_key') }]);

    const issued = await fetch(`${app.url}/api/admin/ingest-tokens`, {
      method: 'POST',
      headers: { ...(await app.headers('admin')), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Ứng dụng Phan Rang Smart', scopes: ['open311'] }),
    });
    expect(issued.status).toBe(200);
    const { data } = (await issued.json()) as { data: { token: string; info: { id: string; scopes: string[] } } };
    key = data.token;
    keyId = data.info.id;
    expect(data.info.scopes).toEqual(['open311']);
    const rows = await queryRows<{ token_hash: string; scopes: string[] }>(app.config.DATABASE_URL!, 'SELECT token_hash, scopes FROM ingest_tokens WHERE id = $1', [keyId]);
    expect(rows[0]!.scopes).toEqual(['open311']);
    expect(key).not.toContain(rows[0]!.token_hash);
  });

  it('takes a form-encoded request, opens a citizen_app incident with its alert, and shows it on the console and the wall', async () => {
    const c = await connectConsole(app.url, await app.token('duty_officer'));
    try {
      // Exactly as GeoReport clients send it: attribute[…] fields, jurisdiction_id, names, e-mail.
      const r = await post(form({ jurisdiction_id: 'phanrang.ninhthuan.gov.vn', address_string: '12 Thống Nhất', email: 'dan@example.vn', first_name: 'Lan', last_name: 'Nguyễn', phone: '0912 345 678', 'attribute[WHISPAWN]': '1', media_url: 'https://example.vn/o-ga.jpg' }));
      expect(r.status).toBe(201);
      const [created] = r.body as GeoReportCreated[];
      expect(created).toEqual({ service_request_id: expect.stringMatching(/^\d+$/), service_notice: expect.stringContaining('received'), account_id: null });
      const id = created!.service_request_id;

      // PostgreSQL: the request with its incident; the incident's row (journal) follows.
      const [row] = await queryRows<{ incident_id: string; key_id: string; email: string }>(app.config.DATABASE_URL!, 'SELECT incident_id, key_id, email FROM open311_requests WHERE id = $1', [id]);
      expect(row).toMatchObject({ key_id: keyId, email: 'dan@example.vn' });
      const inc = app.operations.incidents.get(row!.incident_id)!;
      expect(inc).toMatchObject({ channel: 'citizen_app', type: 'infrastructure', severity: 'minor', status: 'new', position: [106.015, 10.005], callback: '0912 345 678', externalRef: `open311:R${id}` });
      await waitFor(async () => (await queryRows(app.config.DATABASE_URL!, 'SELECT 1 FROM incidents WHERE id = $1', [inc.id])).length === 1, { message: 'incident written to PostgreSQL' });

      // The console: the incident and its report's alert reach a duty officer's socket.
      const changes = () => c.deltas.flatMap((d) => d.changes);
      await waitFor(() => changes().some((ch) => ch.kind === 'incident' && ch.incident.id === inc.id), { message: 'incident on the console' });
      await waitFor(() => changes().some((ch) => ch.kind === 'alert' && ch.alert.rule === 'incident_report' && ch.alert.incidentId === inc.id), { message: 'report alert on the console' });
      // The wall: today's incidents count it.
      const wall = await fetch(`${app.url}/api/wall/today`, { headers: await app.headers('wall') });
      const today = ((await wall.json()) as { data: { total: number; byType: Record<string, Record<string, number>> } }).data;
      expect(today.byType.infrastructure?.minor).toBeGreaterThanOrEqual(1);

      // GET: GeoReport's shape, status open, nothing personal.
      const one = await get<GeoReportRequest[]>(`/open311/v2/requests/${id}.json`);
      expect(one.status).toBe(200);
      expect(one.body).toHaveLength(1);
      expect(one.body[0]).toMatchObject({ service_request_id: id, status: 'open', service_code: 'pothole', lat: 10.005, long: 106.015, address: '12 Thống Nhất', media_url: 'https://example.vn/o-ga.jpg' });
      expect(one.body[0]!.status_notes).toContain('received');
      expect(Date.parse(one.body[0]!.requested_datetime)).toBeGreaterThan(Date.now() - 60_000);
      expect(JSON.stringify(one.body)).not.toMatch(/dan@example|0912|Lan|dev-/);
    } finally {
      c.close();
    }
  });

  it('follows the incident: acknowledged, resolved (closed), reopened', async () => {
    const r = await post(form({ service_code: 'streetlight', lat: '10.0100', long: '106.0300', description: 'Đèn đường tắt cả dãy' }));
    expect(r.status).toBe(201);
    const id = (r.body as GeoReportCreated[])[0]!.service_request_id;
    const inc = app.operations.incidents.byRef(`open311:R${id}`)!;
    const act = async (action: string) => {
      const cur = app.operations.incidents.get(inc.id)!;
      const res = await fetch(`${app.url}/api/incidents/${inc.id}/${action}`, { method: 'POST', headers: { ...(await app.headers('duty_officer')), 'content-type': 'application/json' }, body: JSON.stringify({ version: cur.version, ...(action === 'resolve' ? { note: 'Đã thay bóng' } : {}) }) });
      expect(res.status, action).toBe(200);
    };
    const status = async () => (await get<GeoReportRequest[]>(`/open311/v2/requests/${id}.json`)).body[0]!;
    await act('acknowledge');
    expect(await status()).toMatchObject({ status: 'open', status_notes: expect.stringContaining('acknowledged') });
    await act('resolve');
    const closed = await status();
    expect(closed).toMatchObject({ status: 'closed', status_notes: expect.stringContaining('resolved') });
    // The officer's own note is not the citizen's to read.
    expect(JSON.stringify(closed)).not.toContain('Đã thay bóng');
    const list = await get<GeoReportRequest[]>('/open311/v2/requests.json?status=closed');
    expect(list.body.map((x) => x.service_request_id)).toContain(id);
    expect((await get<GeoReportRequest[]>('/open311/v2/requests.json?status=open')).body.map((x) => x.service_request_id)).not.toContain(id);
    await act('reopen');
    expect((await status()).status).toBe('open');
  });

  it('recognises a duplicate by place, type and time: the same id back, with a note, and no second incident', async () => {
    const first = await post(form({ service_code: 'flooding', ...HERE, description: 'Nước ngập nửa bánh xe' }));
    expect(first.status).toBe(201);
    const id = (first.body as GeoReportCreated[])[0]!.service_request_id;
    const incidents = app.operations.incidents.all().length;

    // Another citizen, 40 m away, a minute later: the same flood.
    const again = await post(form({ service_code: 'flooding', ...NEAR, description: 'Ngập' }));
    expect(again.status).toBe(200);
    expect(again.body).toEqual([{ service_request_id: id, service_notice: expect.stringContaining(`duplicate of request ${id}`), account_id: null }]);
    // Two at once, by address only: one request.
    const [a, b] = await Promise.all([post(form({ service_code: 'fallen_tree', lat: '', long: '', address_string: 'Cổng chợ  Phan Rang' })), post(form({ service_code: 'fallen_tree', lat: '', long: '', address_string: 'cổng chợ phan rang' }))]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect((a.body as GeoReportCreated[])[0]!.service_request_id).toBe((b.body as GeoReportCreated[])[0]!.service_request_id);
    expect(app.operations.incidents.all().length).toBe(incidents + 1);
    const [row] = await queryRows<{ duplicates: number }>(app.config.DATABASE_URL!, 'SELECT duplicates FROM open311_requests WHERE id = $1', [id]);
    expect(row!.duplicates).toBe(1);

    // Another type at the same place is another request; so is the same type far away.
    expect((await post(form({ service_code: 'waste', ...HERE }))).status).toBe(201);
    expect((await post(form({ service_code: 'flooding', lat: '10.0000', long: '106.0000' }))).status).toBe(201);
  });

  it('refuses bad keys and bad forms in GeoReport error shape, counted in feed health', async () => {
    const cases: [Record<string, string>, number, RegExp, string?][] = [
      [{ ...form(), api_key: 'ing_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, 403, /api_key is not valid/],
      [{ service_code: 'pothole', ...HERE }, 403, /api_key is required/],
      [form({ service_code: 'ufo' }), 400, /service_code "ufo" not found/],
      [form({ service_code: '' }), 400, /service_code is required/],
      [form({ lat: '10.5', long: '' }), 400, /lat and long go together/],
      [form({ lat: '', long: '' }), 400, /a location is required/],
      [form({ lat: '95', long: '106' }), 400, /lat/],
      [form({ lat: '10,5', long: '106' }), 400, /lat: a decimal number/],
      [form({ media_url: 'javascript:alert(1)' }), 400, /media_url/],
      [form({ description: 'x'.repeat(2001) }), 400, /description/],
      [form(), 415, /form-encoded/, 'application/json'],
    ];
    for (const [f, status, msg, type] of cases) {
      const r = await post(f, type);
      expect(r.status, JSON.stringify(f).slice(0, 80)).toBe(status);
      expect(r.body).toEqual([{ code: status, description: expect.stringMatching(msg) }]);
    }
    const huge = await post(form({ description: 'x'.repeat(20_000) }));
    expect(huge.status).toBe(413);
    expect((await get<unknown>('/open311/v2/requests/abc.json')).status).toBe(404);
    expect((await get<unknown>('/open311/v2/nothing.json')).body).toEqual([{ code: 404, description: expect.any(String) }]);
    expect((await get<unknown>('/open311/v2/requests.json?status=maybe')).status).toBe(400);

    const health = await fetch(`${app.url}/api/feeds/health`, { headers: await app.headers('duty_officer') });
    const feeds = ((await health.json()) as { feeds: { feed: string; messages: number; rejected: Record<string, number> }[]; deadLetters: { feed: string; sample: string }[] });
    const open311 = feeds.feeds.find((f) => f.feed === 'open311')!;
    expect(open311.messages).toBeGreaterThanOrEqual(5);
    expect(open311.rejected).toMatchObject({ api_key_unknown: 1, api_key_missing: 1, unknown_service: 1, duplicate: 2, bad_content_type: 1, too_large: 1 });
    expect(open311.rejected.bad_form).toBeGreaterThanOrEqual(7);
    // The key never lands in the dead letters.
    expect(JSON.stringify(feeds.deadLetters)).not.toContain(key.slice(4, 40));
  });

  it('limits each device and each key, and refuses a revoked key', async () => {
    const device = 'android-4f2a';
    const statuses: number[] = [];
    for (let i = 0; i < PER_DEVICE + 1; i++) statuses.push((await post(form({ device_id: device, service_code: 'waste', lat: `10.01${i}`, long: '106.00' }))).status);
    expect(statuses).toEqual([...Array(PER_DEVICE).fill(201), 429]);
    const limited = await post(form({ device_id: device, service_code: 'waste', lat: '10.009', long: '106.00' }));
    expect(limited.body).toEqual([{ code: 429, description: expect.stringContaining('device') }]);
    // Another device of the same app still gets through, until the key's own limit.
    let last = 0;
    for (let i = 0; i < PER_KEY && last !== 429; i++) last = (await post(form({ service_code: 'ufo' }))).status;
    expect(last).toBe(429);

    // Revoked: refused at once (another app's key keeps Open311 on); with no key left, it is off.
    const other = app.ingestTokens.issue({ name: 'Zalo mini app', scopes: ['open311'] });
    const res = await fetch(`${app.url}/api/admin/ingest-tokens/${keyId}`, { method: 'DELETE', headers: await app.headers('admin') });
    expect(res.status).toBe(200);
    expect(await post(form())).toEqual({ status: 403, body: [{ code: 403, description: 'api_key is not valid' }] });
    expect((await post(form({ api_key: other.token, service_code: 'fire', lat: '10.0120', long: '106.0200' }))).status).toBe(201);
    app.ingestTokens.revoke(other.info.id);
    expect((await post(form({ api_key: other.token }))).status).toBe(503);
  });
});
