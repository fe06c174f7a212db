/**
 * Hostile input against the API and the socket (issue #6): oversized bodies,
 * injection strings in every text field the UI shows, malformed tokens, path
 * traversal in file serving. Each is refused or kept as inert data — never a
 * 500, a stack trace, a leaked file, or a query that returns more than asked.
 * (In the browser, tests/browser/security.test.ts checks a hostile note renders as text.)
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import mqtt from 'mqtt';
import { io as ioClient } from 'socket.io-client';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Incident, Result } from '../../contract/index.js';
import { topics } from '../../contract/index.js';
import { loadSigningKey, signAccessToken, type AccessClaims } from '../../server/auth/tokens.js';
import { connectConsole, type TestApp, type TestConsole } from '../harness/app.js';
import { bearer } from '../harness/auth.js';
import { startAppStack, type AppStack } from '../harness/stack.js';
import { waitFor } from '../harness/wait.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CAP = fs.readFileSync(path.join(ROOT, 'tests', 'fixtures', 'cap', 'ninh-thuan-flood.xml'), 'utf8');
/** Issued through the app's ingest token service once it runs (server/ingest/tokens.ts). */
let ingestToken = '';

/** Strings that have broken other systems: markup, SQL/InfluxQL, templates, bidi override, NUL, control characters. */
export const HOSTILE = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  "'; DROP MEASUREMENT events; --",
  "' OR 1=1 --",
  '" OR ""="',
  '${process.exit(1)}',
  '{{constructor.constructor("alert(1)")()}}',
  'abc\u202Egpj.exe',
  'nul\u0000byte',
  'line\nbreak\r\n\\back"slash',
  '../../../../etc/passwd',
  '%00%0d%0a',
];

let stack: AppStack;
let app: TestApp;
let officer: TestConsole;
/** Every HTTP status seen: none may be a 500. */
const statuses: number[] = [];

beforeAll(async () => {
  stack = await startAppStack({ env: { CITY_PACK: path.join(ROOT, 'citypacks', 'phan-rang-thap-cham') } });
  ({ app } = stack);
  ingestToken = app.ingestTokens.issue({ name: 'KTTV Ninh Thuận', senders: ['canhbao@kttv.ninhthuan.gov.vn'], scopes: ['cap'] }).token;
  officer = await connectConsole(app.url, await app.token('duty_officer'));
  return async () => {
    officer?.close();
    await stack.stop();
  };
});

async function call(method: string, p: string, opts: { token?: string | null; body?: string; type?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const token = opts.token === undefined ? await app.token('duty_officer') : opts.token;
  const res = await fetch(`${app.url}${p}`, {
    method,
    headers: { ...(token ? bearer(token) : {}), ...(opts.body !== undefined ? { 'content-type': opts.type ?? 'application/json' } : {}), ...opts.headers },
    ...(opts.body !== undefined ? { body: opts.body } : {}),
  });
  const text = await res.text();
  statuses.push(res.status);
  return { status: res.status, text, headers: res.headers };
}
function emit<T>(event: string, body: unknown): Promise<Result<T>> {
  return new Promise((resolve) => (officer.socket.emit as unknown as (e: string, b: unknown, ack: (r: Result<T>) => void) => void)(event, body, resolve));
}
/** A raw request: the path goes on the wire exactly as given (fetch would normalize ../). */
function raw(p: string): Promise<{ status: number; body: string }> {
  const u = new URL(app.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: p, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
const noInternals = (text: string) => {
  expect(text).not.toMatch(/\bat [\w.<>]+ \(|node_modules|\/work\/|Error: /);
};

describe('oversized and malformed bodies', () => {
  it('refuses a body over 256 kB with 413 and no internals', async () => {
    const big = JSON.stringify({ username: 'a', password: 'x'.repeat(300_000) });
    for (const p of ['/api/auth/login', '/api/incidents/inc-1/notes', '/api/admin/users']) {
      const r = await call('POST', p, { body: big, token: await app.token('admin') });
      expect(r.status, p).toBe(413);
      noInternals(r.text);
    }
    const notJson = await call('POST', '/api/auth/login', { body: '{"username": "a", ', token: null });
    expect(notJson.status).toBe(400);
    noInternals(notJson.text);
  });

  it('cuts a socket that sends a message over 64 kB; the server goes on', async () => {
    const c = await connectConsole(app.url, await app.token('duty_officer'));
    const gone = new Promise<void>((r) => c.socket.on('disconnect', () => r()));
    c.socket.emit('incident:note', { id: 'x', note: 'x'.repeat(100_000) }, () => undefined);
    await gone;
    expect((await call('GET', '/api/health', { token: null })).status).toBe(200);
  });
});

describe('injection strings in every text field the UI shows', () => {
  let inc: Incident;

  it('MQTT report descriptions are stored and served verbatim as data', async () => {
    const dev = await mqtt.connectAsync(stack.broker.url, { protocolVersion: 4 });
    for (const [i, s] of HOSTILE.entries()) {
      const body = { seq: i + 1, ts: Date.now(), channel: 'hotline_115', type: 'other', severity: 'minor', lat: 11.56 + i * 0.01, lon: 108.99, description: s, externalRef: `H-${i}`, address: s };
      await dev.publishAsync(topics.incidentReport('hotline-115'), JSON.stringify(body), { qos: 1 });
    }
    await dev.endAsync();
    await waitFor(() => app.operations.incidents.open().filter((x) => x.externalRef?.startsWith('hotline-115:H-')).length >= HOSTILE.length - 2, {
      message: 'hostile reports did not become incidents',
    });
    const r = await call('GET', '/api/incidents');
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    const served = (JSON.parse(r.text) as { data: Incident[] }).data;
    const descriptions = served.map((x) => x.description);
    for (const s of ['<script>alert(1)</script>', "' OR 1=1 --", 'abc\u202Egpj.exe']) expect(descriptions).toContain(s);
    inc = served.find((x) => x.description === '<img src=x onerror=alert(1)>')!;
    expect(inc).toBeDefined();
  });

  it('incident notes (socket and REST) are kept verbatim; the event log takes them all', async () => {
    for (const s of HOSTILE) {
      const r = await emit<Incident>('incident:note', { id: inc.id, note: s });
      expect(r.ok, JSON.stringify(s)).toBe(true);
    }
    const viaRest = await call('POST', `/api/incidents/${inc.id}/notes`, { body: JSON.stringify({ note: "'; DROP MEASUREMENT events; --" }) });
    expect(viaRest.status).toBe(200);
    const timeline = app.operations.incidents.get(inc.id)!.timeline.filter((t) => t.action === 'note').map((t) => t.note);
    expect(timeline).toContain('<script>alert(1)</script>');
    expect(timeline).toContain('abc\u202Egpj.exe');
    // Every point reached InfluxDB (none poisoned the writer), and the measurement is still there.
    await app.writer.flush(10_000);
    expect(app.writer.status().queued).toBe(0);
    const rows = await app.influx.query<{ note: string }>(`SELECT "note" FROM events WHERE entity = 'incident' AND "type" = 'note' AND time > now() - 1h`);
    expect(rows.map((x) => x.note)).toContain("' OR 1=1 --");
  });

  it('a CAP headline with markup is stored as text', async () => {
    const xml = CAP.replace('<headline>Cảnh báo lũ', '<headline>&lt;img src=x onerror=alert(1)&gt; Cảnh báo lũ').replace(/<identifier>[^<]+</, '<identifier>HOSTILE-1<');
    const r = await call('POST', '/api/ingest/cap', { body: xml, type: 'application/cap+xml', token: ingestToken });
    expect(r.status).toBe(202);
    await waitFor(() => app.operations.incidents.open().some((x) => x.channel === 'cap' && x.description.includes('<img src=x onerror=alert(1)>')), { message: 'CAP incident with the hostile headline not found' });
  });

  it('usernames: refused when hostile; failed logins with them are audited verbatim, not executed', async () => {
    const admin = await app.token('admin');
    for (const s of HOSTILE) {
      const r = await call('POST', '/api/admin/users', { token: admin, body: JSON.stringify({ username: s, role: 'duty_officer' }) });
      expect(r.status, JSON.stringify(s)).toBe(400);
      const l = await call('POST', '/api/auth/login', { token: null, body: JSON.stringify({ username: s, password: 'whatever-pass' }) });
      expect([400, 401, 429], JSON.stringify(s)).toContain(l.status);
    }
    // A display name is cleaned of control and bidi-override characters.
    const ok = await call('POST', '/api/admin/users', { token: admin, body: JSON.stringify({ username: 'bidi', role: 'duty_officer', displayName: 'Nguyễn\u202E\u0000 Văn A<b>' }) });
    expect(JSON.parse(ok.text)).toMatchObject({ ok: true, data: { user: { displayName: 'Nguyễn Văn A<b>' } } });
  });

  it('InfluxQL in audit filters matches nothing instead of everything', async () => {
    await app.writer.flush();
    const sup = await app.token('supervisor');
    const all = JSON.parse((await call('GET', '/api/audit', { token: sup })).text) as { data: unknown[] };
    expect(all.data.length).toBeGreaterThan(0);
    for (const s of ["' OR 1=1 --", "x' OR \"by\" != '", "\\' OR 1=1 --"]) {
      for (const q of ['by', 'id']) {
        const r = await call('GET', `/api/audit?${q}=${encodeURIComponent(s)}`, { token: sup });
        expect(r.status).toBe(200);
        expect((JSON.parse(r.text) as { data: unknown[] }).data).toEqual([]);
      }
    }
    expect((await call('GET', `/api/audit?entity=${encodeURIComponent("alert' OR 1=1")}`, { token: sup })).status).toBe(400);
  });
});

describe('malformed tokens', () => {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

  it('refuses every one over REST (401) and over Socket.IO (connect_error)', async () => {
    const session = await app.login('admin');
    const [, payload] = session.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as AccessClaims;
    const key = loadSigningKey(undefined, app.config.AUTH_DIR);
    const now = Math.floor(Date.now() / 1000);
    const bad: Record<string, string> = {
      garbage: 'not-a-token',
      empty3: '..',
      algNone: `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
      algHS512: `${b64({ alg: 'HS512', typ: 'JWT' })}.${payload}.${session.accessToken.split('.')[2]}`,
      wrongSignature: signAccessToken({ ...claims, exp: now + 600 }, crypto.randomBytes(32)),
      expired: signAccessToken({ ...claims, iat: now - 1200, exp: now - 600 }, key),
      tamperedRole: `${session.accessToken.split('.')[0]}.${b64({ ...claims, role: 'admin', sub: 'someone-else' })}.${session.accessToken.split('.')[2]}`,
      unknownSession: signAccessToken({ ...claims, sid: crypto.randomUUID(), exp: now + 600 }, key),
      fakeDisplay: `dsp_0123456789abcdef_${'A'.repeat(43)}`,
      huge: 'a'.repeat(10_000),
    };
    for (const [name, token] of Object.entries(bad)) {
      const r = await call('GET', '/api/incidents', { token });
      expect(r.status, name).toBe(401);
      noInternals(r.text);
      const err = await new Promise<{ message: string }>((resolve) => {
        const s = ioClient(app.url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token } });
        s.on('state:snapshot', () => resolve({ message: 'GOT SNAPSHOT' }));
        s.on('connect_error', (e) => (s.close(), resolve(e)));
      });
      expect(err.message, name).toBe('unauthorized');
    }
    // A token is only read from the Authorization header, never from the query string.
    expect((await call('GET', `/api/incidents?token=${session.accessToken}&access_token=${session.accessToken}`, { token: null })).status).toBe(401);
    expect((await call('GET', '/api/incidents', { token: null, headers: { authorization: `Basic ${session.accessToken}` } })).status).toBe(401);
    // The genuine one still works.
    expect((await call('GET', '/api/incidents', { token: session.accessToken })).status).toBe(200);
  });
});

describe('file serving and headers', () => {
  it('path traversal never leaves the client folder', async () => {
    for (const p of [
      '/..%2f..%2fetc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/assets/../../package.json',
      '/assets/..%2f..%2fpackage.json',
      '/assets/%2e%2e/%2e%2e/package.json',
      '/assets/....//....//package.json',
      '/%252e%252e/%252e%252e/package.json',
      '/assets/%00../package.json',
      '/api/../package.json',
      '/api/%2e%2e/%2e%2e/package.json',
    ]) {
      const r = await raw(p);
      expect(r.status, p).not.toBe(500);
      expect(r.body, p).not.toMatch(/"name": "ioc-console"|root:x:0:0|"devDependencies"/);
      noInternals(r.body);
    }
  });

  it('sends a strict CSP, no-store on the API, no x-powered-by, and no CORS for foreign origins', async () => {
    const page = await fetch(`${app.url}/`);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("worker-src 'self' blob:");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('x-powered-by')).toBeNull();
    const api = await call('GET', '/api/incidents');
    expect(api.headers.get('cache-control')).toBe('no-store');
    const cors = await fetch(`${app.url}/api/incidents`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    expect(cors.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await fetch(`${app.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://evil.example' } });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answered no request with a 500', () => {
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
  });
});
