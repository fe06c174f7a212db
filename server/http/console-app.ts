/**
 * The Express app of the console: every route, in the order they are matched. Public first
 * (health, metrics, login), then what carries its own path (/api/ingest/*, behind ingest
 * tokens), then everything under /api behind the session guard.
 */
import type { Express, Router } from 'express';
import type pg from 'pg';
import type { InfluxDB } from 'influx';
import type { CityPack } from '../../contract/index.js';
import { principalOf, restGuard } from '../auth/guard.js';
import { guardedAuthRoutes, publicAuthRoutes } from '../auth/routes.js';
import type { AuthService } from '../auth/service.js';
import type { EventBus } from '../bus.js';
import type { Config } from '../config.js';
import type { Journal } from '../db/journal.js';
import { queryAudit, queryClosedIncidents } from '../db/sor.js';
import { capRouter, type CapCheck } from '../ingest/cap/handler.js';
import type { FeedHealthTracker } from '../ingest/health.js';
import { stationsRouter } from '../ingest/opencellid/router.js';
import { open311Routes } from '../ingest/open311/routes.js';
import { Open311Store } from '../ingest/open311/store.js';
import { ingestTokenRoutes } from '../ingest/token-routes.js';
import type { IngestTokens } from '../ingest/tokens.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Operations } from '../operations.js';
import type { Commands } from '../push/commands.js';
import type { Registry } from '../registry/registry.js';
import { replayRoutes } from '../replay/routes.js';
import type { Indicators } from '../indicators/indicators.js';
import { createHttpApp, type HealthReport } from './api.js';
import { basemapRoutes } from './basemap.js';
import { indicatorIngestRoutes, indicatorReadRoutes } from './indicator-routes.js';
import type { VcBoard } from '../vc/board.js';
import { vcRoutes } from './vc-routes.js';
import { closedIncidentsRoutes } from './closed-incidents.js';
import { operationsRoutes } from './operations-routes.js';
import { secureRouter } from './paths.js';
import { securityMiddleware } from './security.js';
import { wallRoutes } from './wall-routes.js';
import type { Video } from '../video/video.js';

export interface ConsoleAppDeps {
  config: Config;
  version: string;
  log: Logger;
  metrics: Metrics;
  pack: CityPack;
  bus: EventBus;
  now: () => number;
  health: () => Promise<HealthReport>;
  feedHealth: FeedHealthTracker;
  registry: Registry;
  operations: Operations;
  commands: Commands;
  influx: InfluxDB;
  pool: pg.Pool;
  journal: Journal;
  auth: AuthService;
  ingestTokens: IngestTokens;
  /** Why a CAP Update or Cancel may not apply (it is not from the sender of the alert it references), or null. */
  capCheck: CapCheck;
  /** Live video and evidence (server/video). */
  video: Video;
  /** Whether this instance takes ingest (it leads, or runs alone), and where the leader is. */
  leads: () => boolean;
  leaderUrl: () => string | null;
  /** Digital-government indicators (server/indicators). */
  indicators: Indicators;
  /** Video-conference points and meetings (server/vc). */
  vc: VcBoard;
}

export function consoleHttpApp(d: ConsoleAppDeps): Express {
  const { config, pack, registry, operations, journal, now } = d;
  // Read-your-writes: every change already made is written before a trail or a list is read.
  const written = () => journal.flushed(journal.lastSeq, { timeoutMs: config.DB_COMMAND_TIMEOUT_MS });
  return createHttpApp({
    config,
    version: d.version,
    log: d.log.child({ module: 'http' }),
    metrics: d.metrics,
    pack,
    health: d.health,
    feeds: () => ({ feeds: d.feedHealth.snapshot((f) => registry.silentCount(f)), unknown: d.feedHealth.unknown(), deadLetters: d.feedHealth.deadLetters() }),
    devices: () => ({ cameras: [...registry.cameras.values()], stations: [...registry.stations.values()], links: [...registry.links.values()] }),
    routes: [
      guardedAuthRoutes(d.auth),
      basemapRoutes(config.BASEMAP_PMTILES, d.log.child({ module: 'basemap' })),
      ingestTokenRoutes(d.ingestTokens),
      // Before the operations routes: their /incidents/:id would take "closed" for an id.
      closedIncidentsRoutes({
        timeZone: pack.meta.timezone,
        closed: async (q) => {
          await written();
          return queryClosedIncidents(d.pool, q);
        },
        now,
      }),
      operationsRoutes({
        operations,
        commands: d.commands,
        influx: d.influx,
        pack,
        capSender: `ioc@${pack.meta.id}`,
        shiftStarts: config.SHIFT_STARTS,
        // The guard put the caller there (server/auth/guard.ts).
        actorOf: (req) => {
          const p = principalOf(req.res!);
          return { user: p.username, role: p.role, unitId: p.unitId, address: req.ip };
        },
        audit: async (q) => {
          await written();
          return queryAudit(d.pool, q);
        },
        now,
      }),
      wallRoutes({
        influx: d.influx,
        pack,
        staticDir: config.STATIC_DIR,
        playlist: config.WALL_PLAYLIST,
        rotateS: config.WALL_ROTATE_S,
        videoOnWall: config.VIDEO_ON_WALL,
        stations: () => [...registry.stations.values()],
        incidents: () => operations.incidents.recent(),
        now,
      }),
      ...d.video.routes,
      indicatorReadRoutes({ indicators: d.indicators }),
      vcRoutes({ board: d.vc, audit: (e) => operations.events.append({ entity: 'auth', result: 'ok', ...e }) }),
      replayRoutes({
        influx: d.influx,
        base: () => ({ cameras: [...registry.cameras.values()], stations: [...registry.stations.values()], links: [...registry.links.values()], units: operations.units.list() }),
        staleMs: config.DEVICE_STALE_S * 1000,
        now,
      }),
    ],
    security: securityMiddleware(config),
    publicRoutes: [publicAuthRoutes(d.auth, config, now), ...d.video.publicRoutes],
    guard: restGuard(d.auth, d.log.child({ module: 'auth' }), (e) => operations.events.append({ entity: 'auth', result: 'refused', ...e })),
    rootRoutes: [
      // What arrives over HTTP feeds the rules, which run on the leader only: a standby says so,
      // and the sender (or the load balancer's retry) tries again (docs/operations.md).
      standbyIngestGate(d.leads, d.leaderUrl),
      capRouter({ bus: d.bus, log: d.log.child({ module: 'cap' }), tokens: d.ingestTokens, now, check: d.capCheck }),
      indicatorIngestRoutes({ indicators: d.indicators, tokens: d.ingestTokens, leads: d.leads, log: d.log.child({ module: 'indicators' }) }),
      open311Routes({
        bus: d.bus,
        store: new Open311Store(d.pool),
        tokens: d.ingestTokens,
        incidents: operations.incidents,
        health: d.feedHealth,
        limits: {
          perKeyPerMin: config.OPEN311_RATE_PER_KEY_PER_MIN,
          perDevicePerHour: config.OPEN311_RATE_PER_DEVICE_PER_HOUR,
          duplicateRadiusM: config.OPEN311_DUPLICATE_RADIUS_M,
          duplicateWindowMin: config.OPEN311_DUPLICATE_WINDOW_MIN,
        },
        leads: d.leads,
        log: d.log.child({ module: 'open311' }),
        now,
      }),
      stationsRouter({
        bus: d.bus,
        log: d.log.child({ module: 'opencellid' }),
        tokens: d.ingestTokens,
        maxBytes: config.STATION_IMPORT_MAX_BYTES,
        maxRows: config.STATION_IMPORT_MAX_ROWS,
        now,
      }),
    ],
  });
}

/** 503 for /api/ingest/* on a standby, with where the leader is. */
function standbyIngestGate(leads: () => boolean, leaderUrl: () => string | null): Router {
  const r = secureRouter();
  r.use('/api/ingest', (_req, res, next) => {
    if (leads()) return next();
    const url = leaderUrl();
    res.set('Retry-After', '1');
    if (url) res.set('X-Leader-Url', url);
    res.status(503).json({ error: { code: 'unavailable', message: `this instance stands by; ingest goes to the leader${url ? ` (${url})` : ''}: try again` } });
  });
  return r;
}
