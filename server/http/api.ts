/**
 * REST routes: health, metrics, the city pack, client config, feed health,
 * and the static client. Errors answer with a known code and no internals.
 */
import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import type { Request, Response, NextFunction } from 'express';
import type { CityPack, ErrorCode } from '../../contract/index.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { requirePrincipal } from '../auth/guard.js';
import { sendError } from './send.js';
import { redactError } from '../redact.js';
import { clientBuildId } from './client-build.js';
import { apiRelPath, secureRouter, secureRouting } from './paths.js';

export interface ApiDeps {
  config: Config;
  version: string;
  log: Logger;
  metrics: Metrics;
  pack: CityPack;
  health: () => Promise<HealthReport>;
  feeds: () => unknown;
  devices: () => unknown;
  /** Routers mounted under /api. */
  routes?: express.Router[];
  /** Routers that carry their full path (/api/ingest/…). */
  rootRoutes?: express.Router[];
  /** Before everything: headers, CSP, rate limits (server/http/security.ts). */
  security?: express.RequestHandler[];
  /** Full-path routers that need no session (login, refresh, logout). */
  publicRoutes?: express.Router[];
  /** Authenticates and authorizes every other /api route (server/auth/guard.ts). */
  guard?: express.RequestHandler;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  warnings: string[];
  version: string;
  uptimeS: number;
  broker: { connected: boolean; url: string; embedded: boolean; error: string | null };
  influx: { reachable: boolean; url: string; local: boolean; queued: number; spoolBytes: number; spoolFullPct: number; dropped: number; lastError: string | null };
  /** PostgreSQL, the system of record: changes not yet written wait in order (server/db/journal.ts). */
  database: { reachable: boolean; url: string; local: boolean; pending: number; downSince: number | null; lastError: string | null };
  /** Which instance this is, whether it leads, who does (docs/operations.md). */
  cluster: {
    enabled: boolean;
    instance: string;
    role: 'leader' | 'standby' | 'stopped';
    leading: boolean;
    leader: string | null;
    leaderUrl: string | null;
    token: number | null;
    roleSince: number | null;
    followedSeq: number | null;
    redis: { connected: boolean; error: string | null } | null;
    /** Every instance reachable over Redis, with the screens it serves. */
    peers: { instance: string; role: string; consoles: number }[];
  };
}

export function createHttpApp(deps: ApiDeps): express.Express {
  const app = express();
  // Before any route: routing is case-sensitive and strict (server/http/paths.ts).
  secureRouting(app);
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.TRUST_PROXY);
  for (const m of deps.security ?? []) app.use(m);
  // Deny by default: everything under /api, however spelled, passes the guard first.
  if (deps.guard) app.use(deps.guard);
  app.use(express.json({ limit: '256kb' }));

  app.get('/api/health', async (_req, res) => {
    const h = await deps.health();
    res.status(h.status === 'ok' ? 200 : 503).json(h);
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  for (const r of deps.publicRoutes ?? []) app.use(r);
  for (const r of deps.rootRoutes ?? []) app.use(r);

  // Everything below needs a caller: each handler fails closed without one.
  const api = secureRouter();
  api.use(requirePrincipal);
  api.get('/citypack', (_req, res) => {
    res.json(deps.pack);
  });
  api.get('/client-config', (_req, res) => {
    // buildId: screens left open for days (the wall) reload themselves when it changes. (no-store: security.ts)
    res.json({ version: deps.version, buildId: clientBuildId(deps.config.STATIC_DIR), mapStyleUrl: deps.config.MAP_STYLE_URL ?? null, mapboxToken: deps.config.MAPBOX_TOKEN ?? null, basemap: deps.config.BASEMAP_PMTILES ? '/api/basemap.pmtiles' : null });
  });
  api.get('/feeds/health', (_req, res) => {
    res.json(deps.feeds());
  });
  api.get('/devices', (_req, res) => {
    res.json(deps.devices());
  });
  for (const r of deps.routes ?? []) api.use(r);
  app.use('/api', api);
  // Any other /api path, in any spelling: a JSON 404, never the console's page.
  app.use((req, res, next) => (apiRelPath(req) === null ? next() : sendError(res, 404, 'not_found', 'no such API route')));

  serveClient(app, deps.config.STATIC_DIR, deps.log);

  app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.type === 'entity.too.large') return sendError(res, 413, 'bad_request', 'request body too large');
    if (err.type === 'entity.parse.failed') return sendError(res, 400, 'bad_request', 'request body is not valid JSON');
    if (err.status === 401) return sendError(res, 401, 'unauthorized', 'log in first');
    deps.log.error({ err: redactError(err) }, 'unhandled HTTP error');
    sendError(res, 500, 'internal', 'internal error');
  });
  return app;
}

/** The built client, with index.html for the SPA's routes (/wall, /responder, /replay…). */
function serveClient(app: express.Express, dir: string, log: Logger): void {
  const index = path.join(dir, 'index.html');
  if (!fs.existsSync(index)) {
    log.warn({ dir }, 'client not built: run `npm run build` (npm start does it for you)');
  }
  app.use(express.static(dir, { index: false, maxAge: '1h', fallthrough: true }));
  // The SPA's pages: any GET outside /api (in any spelling) and Socket.IO's path.
  app.use((req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || apiRelPath(req) !== null || req.path.startsWith('/socket.io/')) return next();
    if (!fs.existsSync(index)) return sendError(res, 503, 'unavailable', 'client not built: run npm run build');
    res.set('Cache-Control', 'no-cache').sendFile(index);
  });
}
