/**
 * In front of each `/api/ingest/*` route: the route is off (503) while no
 * usable ingest token has its scope, and otherwise needs one
 * (`Authorization: Bearer ing_…`, checked against the live store, so tokens
 * issued or revoked at run time count at once). The token's record is left in
 * `res.locals.ingestToken` for the route (its senders, its name for the audit).
 */
import type { RequestHandler, Response } from 'express';
import { bearerToken } from '../auth/guard.js';
import { sendError } from '../http/send.js';
import type { IngestScope, IngestTokenInfo } from '../../contract/auth.js';
import { INGEST_FAILURE_MESSAGES, type IngestTokens } from './tokens.js';

export const ingestOffMessage = (scope: IngestScope) =>
  `ingest over HTTP is off: no ${scope} ingest token issued (an admin issues one: npm run users -- ingest-token add --name NAME --sender SENDER --scope ${scope}, or /admin)`;

export function ingestGate(tokens: IngestTokens, scope: IngestScope): RequestHandler {
  return (req, res, next) => {
    if (tokens.usable(scope).length === 0) return sendError(res, 503, 'unavailable', ingestOffMessage(scope));
    const a = tokens.authenticate(bearerToken(req), scope);
    if (!a.ok) {
      if (a.reason === 'scope') return sendError(res, 403, 'forbidden', INGEST_FAILURE_MESSAGES.scope);
      res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      return sendError(res, 401, 'unauthorized', INGEST_FAILURE_MESSAGES[a.reason]);
    }
    res.locals.ingestToken = a.token;
    next();
  };
}

/** The token that passed the gate. */
export function ingestTokenOf(res: Response): IngestTokenInfo {
  const t = res.locals.ingestToken as IngestTokenInfo | undefined;
  if (!t) throw new Error('route is not behind the ingest gate');
  return t;
}
