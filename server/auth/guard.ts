/**
 * The REST guard, in front of every route: anything under /api, in any
 * spelling (server/http/paths.ts), is refused unless it is on the explicit
 * public list or its caller holds the permission REST_RULES names for it.
 * Deny by default: no rule, no access; no principal, no handler.
 */
import type { Request, RequestHandler, Response } from 'express';
import { sendError } from '../http/send.js';
import { pathView, publicRoute } from '../http/paths.js';
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
  // Fails closed: the error handler answers 401 (server/http/api.ts).
  if (!p) throw new NoPrincipalError();
  return p;
}

/** A guarded handler ran without a caller: answered 401, never served. */
export class NoPrincipalError extends Error {
  /** Read by the error handler (server/http/api.ts). */
  readonly status = 401;
  constructor() {
    super('no principal on a guarded route');
  }
}

/** Mounted in front of every guarded router: no principal, no handler (even if the guard were bypassed). */
export const requirePrincipal: RequestHandler = (_req, res, next) => {
  if (!res.locals.principal) return sendError(res, 401, 'unauthorized', FAILURE_MESSAGES.missing);
  next();
};

export function restGuard(auth: AuthService, log: Logger, audit: (e: { type: string; id: string; by: string; role: string; note: string }) => void): RequestHandler {
  return (req, res, next) => {
    const { rel, normalized } = pathView(req);
    if (rel === null) return next();
    const pub = normalized === null ? null : publicRoute(req.method, normalized);
    // A public route in its own spelling only: any other is a path no route serves.
    if (pub) return pub.path.test(req.path) ? next() : sendError(res, 404, 'not_found', 'no such API route');
    const a = auth.authenticate(bearerToken(req));
    if (!a.ok) {
      res.set('WWW-Authenticate', `Bearer error="invalid_token"`);
      return sendError(res, 401, 'unauthorized', FAILURE_MESSAGES[a.reason]);
    }
    const p = a.principal;
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
