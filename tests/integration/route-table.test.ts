/**
 * Deny by default, proven from outside (issue #19): every route the app serves,
 * read from Express's own route table (not a list written here), is tried
 * anonymously and as every role, in every spelling of its path (upper and
 * mixed case, a trailing slash, a doubled slash, a percent-encoded letter),
 * and with HEAD and OPTIONS. Every answer must match the permission table, and
 * a refused answer carries nothing but its error.
 *
 * A route added without an entry in REST_RULES (or on the public list) fails
 * here, and so does a router that is not case-sensitive and strict. The same
 * for Socket.IO: every event of the permission table, and one outside it, is
 * sent by every role; nobody gets past the handshake without a token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient } from 'socket.io-client';
import type { Result } from '../../contract/index.js';
import { restPermission, ROLE_PERMISSIONS, SOCKET_EVENT_PERMISSIONS } from '../../server/auth/permissions.js';
import { publicRoute, routerSettings, routeTable, type RouteEntry } from '../../server/http/paths.js';
import { startTestApp, type TestApp } from '../harness/app.js';
import { bearer } from '../harness/auth.js';
import { connectConsole } from '../harness/app.js';
import { startTestInfluxd, type TestInfluxd } from '../harness/influxd.js';

let influxd: TestInfluxd;
let app: TestApp;

beforeAll(async () => {
  influxd = await startTestInfluxd();
  app = await startTestApp({ mqttUrl: '', influxUrl: influxd.url, env: { MQTT_EMBEDDED_PORT: '0', RATE_LIMIT_LOGIN_PER_MIN: '100000', RATE_LIMIT_INGEST_PER_MIN: '100000' } });
});
afterAll(async () => {
  await app?.stop();
  await influxd?.stop();
});

type Caller = 'nobody' | 'admin' | 'supervisor' | 'duty_officer' | 'responder' | 'wall';
const CALLERS: Caller[] = ['nobody', 'admin', 'supervisor', 'duty_officer', 'responder', 'wall'];

/** A concrete path for a route pattern: every `:param` becomes a harmless id. */
const concrete = (p: string) => p.replace(/:([A-Za-z_]+)/g, 'zz-test-1');

/** The spellings routing must not accept but security must treat as the same path. */
function spellings(p: string): { name: string; path: string }[] {
  const segs = p.split('/');
  // The first segment after /api (or the first at all), so every spelling changes something.
  const i = segs[1] === 'api' && segs.length > 2 ? 2 : 1;
  const mixed = segs.map((s, k) => ((k === 1 || k === i) && s ? s.charAt(0).toUpperCase() + s.slice(1) : s)).join('/');
  const enc = segs.map((s, k) => (k === i ? `%${s.charCodeAt(0).toString(16)}${s.slice(1)}` : s)).join('/');
  return [
    { name: 'upper case', path: p.toUpperCase() },
    { name: 'mixed case', path: mixed },
    { name: 'trailing slash', path: `${p}/` },
    { name: 'doubled slash', path: segs.map((s, k) => (k === i ? `/${s}` : s)).join('/') },
    { name: 'percent-encoded letter', path: enc },
  ];
}

async function headersOf(who: Caller): Promise<Record<string, string>> {
  if (who === 'nobody') return {};
  return bearer(await app.token(who));
}

/** A refused answer: the error and nothing else. */
async function expectBareError(res: Response, what: string): Promise<void> {
  const text = await res.text();
  if (res.status === 405 || text === '') return; // HEAD has no body
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(Object.keys(body).sort(), what).toEqual(['error', 'ok']);
  expect(body.ok, what).toBe(false);
  expect(Object.keys(body.error as object).sort(), what).toEqual(['code', 'message']);
}

function mayCall(who: Caller, r: RouteEntry): boolean {
  if (who === 'nobody') return false;
  const need = restPermission(r.method, r.path.slice(4));
  return need === 'authenticated' || (need !== null && ROLE_PERMISSIONS[who].has(need));
}

describe('the route table', () => {
  it('is read from the app, is strict and case-sensitive everywhere, and every route has a rule or a public entry', () => {
    const routes = routeTable(app.httpApp);
    // The table is the app's own: these exist because the app serves them, not because this test lists them.
    expect(routes.length).toBeGreaterThan(30);
    for (const must of ['GET /api/admin/users', 'GET /api/incidents', 'POST /api/auth/login', 'GET /api/audit', 'GET /metrics']) {
      expect(routes.map((r) => `${r.method} ${r.path}`)).toContain(must);
    }
    for (const r of routerSettings(app.httpApp)) expect(r).toEqual({ caseSensitive: true, strict: true });
    const unruled = routes.filter((r) => !r.regexp && !publicRoute(r.method, concrete(r.path)) && (!r.path.startsWith('/api/') || restPermission(r.method, concrete(r.path).slice(4)) === null));
    expect(unruled, 'routes with neither a permission rule nor a public entry').toEqual([]);
    expect(routes.filter((r) => r.regexp), 'regex routes cannot be checked against the table: use a path').toEqual([]);
  });

  it('answers every route, in every spelling and as every caller, as the permission table says', async () => {
    const routes = routeTable(app.httpApp);
    const failures: string[] = [];
    let tried = 0;
    const check = (ok: boolean, line: string) => {
      tried++;
      if (!ok) failures.push(line);
    };
    for (const r of routes) {
      const path = concrete(r.path);
      const isPublic = publicRoute(r.method, path) !== null;
      const underApi = path.startsWith('/api/');
      // The callers of one route in parallel (each one's requests in order): a few seconds for the whole table.
      await Promise.all(CALLERS.map(async (who) => {
        const headers = await headersOf(who);
        const send = (method: string, p: string) => fetch(`${app.url}${p}`, { method, headers: { ...headers, 'content-type': 'application/json' }, ...(method === 'GET' || method === 'HEAD' || method === 'OPTIONS' ? {} : { body: '{}' }) });
        // Canonical spelling: the table decides (public routes are tried by their own tests: login, logout…).
        if (!isPublic) {
          for (const method of r.method === 'GET' ? ['GET', 'HEAD'] : [r.method]) {
            const res = await send(method, path);
            const line = `${who} ${method} ${path} → ${res.status}`;
            if (who === 'nobody') {
              check(res.status === 401, `${line} (want 401)`);
              await expectBareError(res, line);
            } else if (!mayCall(who, r)) {
              check(res.status === 403, `${line} (want 403)`);
              await expectBareError(res, line);
            } else {
              // Served by its handler: not refused, and not the catch-all 404 of an unknown route.
              const text = await res.text();
              check(res.status !== 401 && res.status !== 403 && !text.includes('no such API route'), `${line} (want the handler's answer) ${text.slice(0, 80)}`);
            }
          }
          const opt = await send('OPTIONS', path);
          check(opt.status === (who === 'nobody' ? 401 : 403), `${who} OPTIONS ${path} → ${opt.status} (want ${who === 'nobody' ? 401 : 403})`);
          await expectBareError(opt, `OPTIONS ${path}`);
        }
        // Other spellings: refused as the canonical one would be, and never served by a handler.
        for (const sp of spellings(path)) {
          for (const method of r.method === 'GET' ? ['GET', 'HEAD'] : [r.method]) {
            const res = await send(method, sp.path);
            const line = `${who} ${method} ${sp.path} (${sp.name}) → ${res.status}`;
            const text = await res.text();
            if (!underApi) {
              // Outside /api (metrics): the console's page at most, never the route's data.
              check(!text.includes('# HELP'), `${line} (served the route's data)`);
              continue;
            }
            const want = isPublic ? 404 : who === 'nobody' ? 401 : mayCall(who, r) ? 404 : 403;
            check(res.status === want, `${line} (want ${want})`);
            if (method !== 'HEAD' && text !== '') {
              const body = JSON.parse(text) as Record<string, unknown>;
              check(Object.keys(body).sort().join() === 'error,ok', `${line}: carries more than its error: ${text.slice(0, 80)}`);
            }
          }
        }
      }));
    }
    expect(failures).toEqual([]);
    expect(tried).toBeGreaterThan(1000);
  }, 300_000);
});

describe('the Socket.IO event table', () => {
  it('refuses a socket without a token, and answers every event for every role as the table says', async () => {
    const refused = await new Promise<Error & { data?: { code: string } }>((resolve) => {
      const s = ioClient(app.url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: {} });
      s.on('connect_error', (err) => {
        s.close();
        resolve(err);
      });
      s.on('state:snapshot', () => resolve(new Error('a snapshot reached a socket without a token')));
    });
    expect(refused.message).toBe('unauthorized');

    const events = [...Object.keys(SOCKET_EVENT_PERMISSIONS), 'admin:shutdown', 'state:snapshot', '__proto__'];
    const failures: string[] = [];
    for (const who of CALLERS.filter((c): c is Exclude<Caller, 'nobody'> => c !== 'nobody')) {
      const c = await connectConsole(app.url, await app.token(who));
      try {
        for (const event of events) {
          const need = (SOCKET_EVENT_PERMISSIONS as Record<string, string | undefined>)[event];
          const allowed = Object.hasOwn(SOCKET_EVENT_PERMISSIONS, event) && ROLE_PERMISSIONS[who].has(need as never);
          // A harmless body: no such target, so an allowed command answers not_found or bad_request.
          const r = await new Promise<Result<unknown>>((resolve) => {
            const send = c.socket.emit as unknown as (e: string, ...a: unknown[]) => void;
            if (event === 'state:resync') send.call(c.socket, event, resolve);
            else send.call(c.socket, event, { id: 'zz-test-1', version: 1 }, resolve);
            setTimeout(() => resolve({ ok: false, error: { code: 'internal', message: 'no answer' } }), 3000);
          });
          const code = r.ok ? 'ok' : r.error.code;
          const message = r.ok ? '' : r.error.message;
          // The table's refusals name the role or the event; a responder's scope check (not its unit's incident) is another thing.
          const byTable = code === 'forbidden' && /may not|no such event/.test(message);
          if (allowed ? byTable || code === 'unauthorized' || code === 'internal' : !byTable) failures.push(`${who} ${event} → ${code} ${message} (${allowed ? 'allowed' : 'refused'} by the table)`);
        }
      } finally {
        c.close();
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
