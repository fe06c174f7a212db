/**
 * How the server reads a request path for security decisions, in one place.
 *
 * Routing is case-sensitive and strict (`/api/incidents/` and `/API/incidents`
 * match no route), but every security decision — the guard, the rate limits,
 * the SPA fallback — is taken on the path's normalized form: percent-decoded
 * once, runs of slashes collapsed, the trailing slash dropped, and the `/api`
 * prefix matched in any case. So a spelling that routing might still accept
 * cannot slip past a check that looks for another spelling.
 *
 * The public list is explicit: a route that is neither here nor in the REST
 * permission table (server/auth/permissions.ts) is refused for everyone, and
 * tests/integration/route-table.test.ts fails for it.
 */
import express from 'express';
import type { Express, Request } from 'express';

/** Routers of this server: case-sensitive and strict, like the app itself. */
export function secureRouter(): express.Router {
  return express.Router({ caseSensitive: true, strict: true });
}

/** Applies the app-wide routing settings (before the first route is added). */
export function secureRouting(app: Express): void {
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
}

/** The path as security sees it, or null when it cannot be decoded (refuse it). */
export function normalizePath(raw: string): string | null {
  let p: string;
  try {
    p = decodeURIComponent(raw);
  } catch {
    return null;
  }
  p = p.replace(/\\/g, '/').replace(/\/{2,}/g, '/');
  if (p.length > 1) p = p.replace(/\/+$/, '');
  return p.startsWith('/') ? p : `/${p}`;
}

const API_PREFIX = /^\/api(?=\/|$)/i;

/** What security reads of one request's path, worked out once per request (limits, guard, fallbacks). */
interface PathView {
  /** The normalized path, or null when it cannot be decoded. */
  normalized: string | null;
  /** Relative to /api when under it in any spelling ('' for /api itself), else null. */
  rel: string | null;
}
const views = new WeakMap<object, PathView>();

export function pathView(req: Pick<Request, 'path'>): PathView {
  let v = views.get(req);
  if (!v) {
    const normalized = normalizePath(req.path);
    // Undecodable: treated as under /api, so it is refused, never served.
    const rel = normalized === null ? '/\u0000' : API_PREFIX.test(normalized) ? normalized.slice(4) : null;
    views.set(req, (v = { normalized, rel }));
  }
  return v;
}

/**
 * The path relative to /api (`/incidents/INC-1`) when the request is under /api
 * in any spelling, '' for /api itself, null when it is not under /api.
 */
export function apiRelPath(req: Pick<Request, 'path'>): string | null {
  return pathView(req).rel;
}

export type PublicReason = 'public' | 'ingest-token' | 'open311-key' | 'stream-token';

/**
 * Routes that need no session. `ingest-token` routes check a sender's ingest
 * token themselves (server/ingest/tokens.ts); `open311-key` ones check the client
 * app's api_key in the form (server/ingest/open311); `stream-token` ones a stream
 * token (server/video/tokens.ts); `public` ones need nothing.
 * Paths are full paths, matched on the normalized form (case-insensitive prefix).
 */
export const PUBLIC_ROUTES: readonly { method: 'GET' | 'POST'; path: RegExp; reason: PublicReason; why: string }[] = [
  { method: 'GET', path: /^\/api\/health$/, reason: 'public', why: 'orchestrators and load balancers probe it (no secrets in it)' },
  { method: 'POST', path: /^\/api\/auth\/(login|refresh|logout)$/, reason: 'public', why: 'how a session starts, is renewed and ends' },
  { method: 'POST', path: /^\/api\/ingest(\/[a-z0-9_-]+)+$/, reason: 'ingest-token', why: 'senders prove themselves with an ingest token' },
  { method: 'POST', path: /^\/api\/indicators\/[A-Za-z0-9_.-]+\/values$/, reason: 'ingest-token', why: 'indicator senders prove themselves with an ingest token of scope kpi' },
  { method: 'GET', path: /^\/metrics$/, reason: 'public', why: 'Prometheus scrapes it (counters only)' },
  // A video player cannot send a bearer header with every segment: the URL carries a stream token for one camera (server/video/tokens.ts).
  { method: 'GET', path: /^\/api\/video\/hls\/[^/]+\/[^/]+$/, reason: 'stream-token', why: 'a simulated camera’s playlist and segments; each needs a stream token for that camera' },
  { method: 'POST', path: /^\/api\/video\/auth$/, reason: 'stream-token', why: 'the media server (MediaMTX) asks whether a stream token lets a read through' },
  { method: 'GET', path: /^\/open311\/v2\/(services|requests)\.json$/, reason: 'public', why: 'Open311 GeoReport v2 lists services and requests openly (nothing personal in them)' },
  { method: 'GET', path: /^\/open311\/v2\/requests\/[^/]+\.json$/, reason: 'public', why: 'Open311 GeoReport v2: one request and its status, for the citizen who sent it' },
  { method: 'POST', path: /^\/open311\/v2\/requests\.json$/, reason: 'open311-key', why: 'citizen apps prove themselves with their api_key (an ingest token of scope open311)' },
];

/** The public entry for a request, or null (a session is needed). HEAD is GET. */
export function publicRoute(method: string, normalized: string): (typeof PUBLIC_ROUTES)[number] | null {
  const m = method === 'HEAD' ? 'GET' : method;
  const lower = normalized.toLowerCase();
  for (const r of PUBLIC_ROUTES) if (r.method === m && r.path.test(lower)) return r;
  return null;
}

/** One route of the app as Express holds it: for the route-table test and the docs. */
export interface RouteEntry {
  method: string;
  /** The full path pattern (`/api/incidents/:id`), or the RegExp's source for regex routes. */
  path: string;
  regexp: boolean;
}

interface LayerLike {
  route?: { path: string | RegExp; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
  rawPath?: string | RegExp | undefined;
  slash?: boolean;
}

/** Every route the app serves, read from Express's own stacks (mounted routers included). */
export function routeTable(app: Express): RouteEntry[] {
  const out: RouteEntry[] = [];
  const walk = (stack: LayerLike[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const p = layer.route.path;
        for (const [m, on] of Object.entries(layer.route.methods)) {
          if (!on || m === '_all') continue;
          out.push(typeof p === 'string' ? { method: m.toUpperCase(), path: prefix + p, regexp: false } : { method: m.toUpperCase(), path: p.source, regexp: true });
        }
      } else if (layer.handle?.stack) {
        const mount = typeof layer.rawPath === 'string' && !layer.slash ? layer.rawPath : '';
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as unknown as { router: { stack: LayerLike[] } }).router.stack, '');
  return out;
}

/** Every router reachable from the app, with its routing settings (all must be strict and case-sensitive). */
export function routerSettings(app: Express): { caseSensitive: boolean; strict: boolean }[] {
  const out: { caseSensitive: boolean; strict: boolean }[] = [];
  const walk = (r: { stack?: LayerLike[]; caseSensitive?: boolean; strict?: boolean }) => {
    out.push({ caseSensitive: !!r.caseSensitive, strict: !!r.strict });
    for (const layer of r.stack ?? []) if (layer.handle?.stack) walk(layer.handle as never);
  };
  walk((app as unknown as { router: never }).router);
  return out;
}
