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
import { clientBuildId } from './wall-routes.js';

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
}

export function sendError(res: Response, status: number, code: ErrorCode, message: string): void {
  res.status(status).json({ ok: false, error: { code, message } });
}

export function createHttpApp(deps: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  for (const m of deps.security ?? []) app.use(m);
  app.use(express.json({ limit: '256kb' }));

  app.get('/api/health', async (_req, res) => {
    const h = await deps.health();
    res.status(h.status === 'ok' ? 200 : 503).json(h);
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  // Public above this line (health for orchestrators, metrics for Prometheus); the rest needs a session.
  for (const r of deps.publicRoutes ?? []) app.use(r);
  if (deps.guard) app.use(deps.guard);
  app.get('/api/citypack', (_req, res) => {
    res.json(deps.pack);
  });
  app.get('/api/client-config', (_req, res) => {
    // buildId: screens left open for days (the wall) reload themselves when it changes. (no-store: security.ts)
    res.json({ version: deps.version, buildId: clientBuildId(deps.config.STATIC_DIR), mapStyleUrl: deps.config.MAP_STYLE_URL ?? null, mapboxToken: deps.config.MAPBOX_TOKEN ?? null });
  });
  app.get('/api/feeds/health', (_req, res) => {
    res.json(deps.feeds());
  });
  app.get('/api/devices', (_req, res) => {
    res.json(deps.devices());
  });
  for (const r of deps.rootRoutes ?? []) app.use(r);
  for (const r of deps.routes ?? []) app.use('/api', r);
  app.use('/api', (_req, res) => sendError(res, 404, 'not_found', 'no such API route'));

  serveClient(app, deps.config.STATIC_DIR, deps.log);

  app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.type === 'entity.too.large') return sendError(res, 413, 'bad_request', 'request body too large');
    if (err.type === 'entity.parse.failed') return sendError(res, 400, 'bad_request', 'request body is not valid JSON');
    deps.log.error({ err }, 'unhandled HTTP error');
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
  app.get(/^\/(?!api\/|socket\.io\/|metrics$).*/, (_req, res) => {
    if (!fs.existsSync(index)) return sendError(res, 503, 'unavailable', 'client not built: run npm run build');
    res.set('Cache-Control', 'no-cache').sendFile(index);
  });
}
