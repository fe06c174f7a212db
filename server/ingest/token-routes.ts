/**
 * REST for ingest tokens, mounted under /api behind the guard (permission
 * `ingest:manage`, admin only: server/auth/permissions.ts):
 *   GET    /api/admin/ingest-tokens        every token, without its secret
 *   POST   /api/admin/ingest-tokens        { name, senders, scopes?, ttlDays? } → { token, info }; the token is shown once
 *   DELETE /api/admin/ingest-tokens/:id    revoke
 */
import { secureRouter } from '../http/paths.js';
import express from 'express';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { principalOf } from '../auth/guard.js';
import { sendError } from '../http/send.js';
import { INGEST_SCOPES } from '../../contract/auth.js';
import { IngestTokenError, type IngestTokens } from './tokens.js';

const newTokenBody = z.strictObject({
  name: z.string().min(1).max(256),
  senders: z.array(z.string().min(1).max(256)).max(20).default([]),
  scopes: z.array(z.enum(INGEST_SCOPES)).min(1).max(INGEST_SCOPES.length).optional(),
  ttlDays: z.number().int().min(1).max(3650).nullable().optional(),
});

export function ingestTokenRoutes(tokens: IngestTokens): express.Router {
  const r = secureRouter();
  const handle = (fn: (req: Request, res: Response) => unknown) => async (req: Request, res: Response) => {
    try {
      const data = await fn(req, res);
      if (data !== undefined && !res.headersSent) res.json({ ok: true, data });
    } catch (err) {
      if (err instanceof IngestTokenError) return sendError(res, err.status, err.code, err.message);
      throw err;
    }
  };
  const by = (res: Response) => {
    const p = principalOf(res);
    return { username: p.username, role: p.role };
  };

  r.get('/admin/ingest-tokens', handle(() => tokens.list()));
  r.post(
    '/admin/ingest-tokens',
    handle((req, res) => {
      const body = newTokenBody.safeParse(req.body ?? {});
      if (!body.success) {
        return sendError(res, 400, 'bad_request', body.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
      }
      // Answered once stored: the token then works on every server.
      return tokens.issueStored(body.data, by(res));
    }),
  );
  r.delete('/admin/ingest-tokens/:id', handle((req, res) => tokens.revokeStored(String(req.params.id), by(res))));
  return r;
}
