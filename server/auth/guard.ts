/**
 * The REST guard: every /api request (except the public ones mounted before
 * it, and /api/ingest/*, which has its own INGEST_TOKEN) must carry a valid
 * bearer token, and its role must hold the permission REST_RULES names for
 * the route. No rule, no access.
 */
import type { Request, RequestHandler, Response } from 'express';
import { sendError } from '../http/api.js';
import type { Logger } from '../log.js';
import { can, restPermission } from './permissions.js';
import type { AuthFailure, AuthService, Principal } from './service.js';

export const FAILURE_MESSAGES: Record<AuthFailure, string> = {
  missing: 'log in first (Authorization: Bearer <token>)',
  malformed: 'token is malformed',
  algorithm: 'token algorithm not accepted',
  signature: 'token signature is not valid',
  expired: 'token expired: refresh it',
  revoked: 'session ended: log in again',
};

export function bearerToken(req: Request): string | undefined {
  const m = /^Bearer ([\x21-\x7e]{1,2048})$/i.exec(req.get('authorization') ?? '');
  return m?.[1];
}

/** The caller of a guarded route (set by the guard). */
export function principalOf(res: Response): Principal {
  const p = res.locals.principal as Principal | undefined;
  if (!p) throw new Error('route is not behind the auth guard');
  return p;
}

export function restGuard(auth: AuthService, log: Logger, audit: (e: { type: string; id: string; by: string; role: string; note: string }) => void): RequestHandler {
  return (req, res, next) => {
    if (!req.path.startsWith('/api/') || req.path.startsWith('/api/ingest/')) return next();
    const a = auth.authenticate(bearerToken(req));
    if (!a.ok) {
      res.set('WWW-Authenticate', `Bearer error="invalid_token"`);
      return sendError(res, 401, 'unauthorized', FAILURE_MESSAGES[a.reason]);
    }
    const p = a.principal;
    const rel = req.path.slice(4);
    const need = restPermission(req.method, rel);
    if (need === null || (need !== 'authenticated' && !can(p.role, need))) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        // Attempts to change something are audited; refused reads are only logged.
        audit({ type: 'forbidden', id: `${req.method} ${rel}`.slice(0, 64), by: p.username, role: p.role, note: need ?? 'no rule' });
      }
      log.debug({ method: req.method, path: rel, role: p.role }, 'refused by permissions');
      return sendError(res, 403, 'forbidden', `${p.role} may not ${req.method} this resource`);
    }
    res.locals.principal = p;
    next();
  };
}
