/**
 * HTTP hardening, in front of every route:
 *   - helmet, with a Content-Security-Policy the built console works under:
 *     scripts, styles, fonts only from us; maplibre's workers from blob:
 *     (https://maplibre.org/maplibre-gl-js/docs/#csp-directives); images from us,
 *     data: and blob:; connections to us (REST, Socket.IO over ws/wss) and to
 *     an external map style's origin; no frames, no plugins, no <base>.
 *   - rate limits: login, refresh, /api/ingest/* and /open311/* per client address, matched
 *     on the normalized path (server/http/paths.ts) so no spelling escapes them;
 *   - `Cache-Control: no-store` on every /api answer (tokens, people, incidents).
 * Body size (256 kB JSON) and errors without internals are in api.ts.
 */
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import type { Config } from '../config.js';
import { apiRelPath, pathView } from './paths.js';

export function connectSources(config: Config): string[] {
  const src = ["'self'"];
  if (config.MAP_STYLE_URL) src.push(new URL(config.MAP_STYLE_URL).origin);
  if (config.MAPBOX_TOKEN) src.push('https://*.mapbox.com');
  for (const o of (config.CSP_CONNECT_SRC ?? '').split(' ')) if (o) src.push(o);
  src.push(...mediaOrigins(config));
  return src;
}

/** The media server's origin (VIDEO_HLS_URL): hls.js fetches playlists and segments from it. */
function mediaOrigins(config: Config): string[] {
  return config.VIDEO_HLS_URL ? [new URL(config.VIDEO_HLS_URL.replace('{path}', 'x')).origin] : [];
}

export function securityMiddleware(config: Config): RequestHandler[] {
  const https = !!config.HTTPS_CERT;
  const csp = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        imgSrc: ["'self'", 'data:', 'blob:'],
        // hls.js plays through Media Source Extensions: the <video> reads a blob: URL.
        mediaSrc: ["'self'", 'blob:', ...mediaOrigins(config)],
        workerSrc: ["'self'", 'blob:'],
        childSrc: ["'self'", 'blob:'],
        connectSrc: connectSources(config),
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // HSTS only when we serve HTTPS ourselves; behind a proxy the proxy sets it.
    strictTransportSecurity: https ? { maxAge: 15_552_000, includeSubDomains: false } : false,
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
  });
  const noStore: RequestHandler = (req, res, next) => {
    if (apiRelPath(req) !== null) res.set('Cache-Control', 'no-store');
    next();
  };
  const limited = (perMin: number): RequestHandler =>
    rateLimit({
      windowMs: 60_000,
      limit: perMin,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      handler: (_req, res) => {
        res.status(429).json({ ok: false, error: { code: 'unavailable', message: 'too many requests: slow down' } });
      },
    });
  const login = limited(config.RATE_LIMIT_LOGIN_PER_MIN);
  const refresh = limited(config.RATE_LIMIT_REFRESH_PER_MIN);
  const ingest = limited(config.RATE_LIMIT_INGEST_PER_MIN);
  // Matched on the normalized path, in any case: `/API/auth/login/` counts as a login.
  const limits: RequestHandler = (req, res, next) => {
    const rel = apiRelPath(req)?.toLowerCase();
    // Open311 (public reads, citizen apps' posts) counts as ingest per address, before its own per-key limits.
    if (rel === undefined) return /^\/+open311(\/|$)/i.test(pathView(req).normalized ?? '') ? ingest(req, res, next) : next();
    if (req.method === 'POST' && rel === '/auth/login') return login(req, res, next);
    if (req.method === 'POST' && rel === '/auth/refresh') return refresh(req, res, next);
    if (rel.startsWith('/ingest/') || (req.method === 'POST' && rel.startsWith('/indicators/'))) return ingest(req, res, next);
    next();
  };
  return [csp, noStore, limits];
}
