/**
 * REST for people and sessions (contract/auth.ts):
 *   public:  POST /api/auth/login, /api/auth/refresh, /api/auth/logout
 *   guarded: GET  /api/auth/me
 *            /api/admin/users, /api/admin/sessions/:userId, /api/admin/display-tokens
 * The guard (guard.ts) has already checked the permission of the admin routes;
 * the service checks the target too (a supervisor cannot touch an admin).
 */
import express from 'express';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { loginBody, refreshBody, ROLES } from '../../contract/auth.js';
import { sendError } from '../http/api.js';
import { bearerToken, principalOf } from './guard.js';
import { AuthError, type AuthService } from './service.js';

const newUserBody = z.strictObject({
  username: z.string().min(1).max(64),
  role: z.enum(ROLES),
  unitId: z.string().min(1).max(64).nullable().optional(),
  displayName: z.string().max(256).optional(),
  password: z.string().min(1).max(256).optional(),
});
const patchUserBody = z.strictObject({
  role: z.enum(ROLES).optional(),
  unitId: z.string().min(1).max(64).nullable().optional(),
  displayName: z.string().max(256).optional(),
  disabled: z.boolean().optional(),
});
const passwordBody = z.strictObject({ password: z.string().min(1).max(256).optional() });
const displayBody = z.strictObject({ name: z.string().min(1).max(256) });

function fail(res: Response, err: unknown): void {
  if (err instanceof AuthError) {
    if (err.retryAfterS) res.set('Retry-After', String(err.retryAfterS));
    return sendError(res, err.status, err.code, err.message);
  }
  throw err;
}

function parse<T>(schema: z.ZodType<T>, req: Request, res: Response): T | null {
  const r = schema.safeParse(req.body ?? {});
  if (r.success) return r.data;
  sendError(res, 400, 'bad_request', r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
  return null;
}

/** Login, refresh, logout: before the guard (they are how one gets a token). */
export function publicAuthRoutes(auth: AuthService): express.Router {
  const r = express.Router();
  r.post('/api/auth/login', async (req, res) => {
    const body = parse(loginBody, req, res);
    if (!body) return;
    try {
      res.json({ ok: true, data: await auth.login(body.username, body.password, req.ip ?? '?') });
    } catch (err) {
      fail(res, err);
    }
  });
  r.post('/api/auth/refresh', (req, res) => {
    const body = parse(refreshBody, req, res);
    if (!body) return;
    try {
      res.json({ ok: true, data: auth.refresh(body.refreshToken, req.ip ?? '?') });
    } catch (err) {
      fail(res, err);
    }
  });
  r.post('/api/auth/logout', (req, res) => {
    const body = parse(z.strictObject({ refreshToken: z.string().max(512).optional() }), req, res);
    if (!body) return;
    const a = auth.authenticate(bearerToken(req));
    auth.logout(body.refreshToken, a.ok ? a.principal : null);
    res.json({ ok: true, data: null });
  });
  return r;
}

/** Mounted under /api, behind the guard. */
export function guardedAuthRoutes(auth: AuthService): express.Router {
  const r = express.Router();
  const by = (res: Response) => {
    const p = principalOf(res);
    return { username: p.username, role: p.role };
  };
  const handle = (fn: (req: Request, res: Response) => unknown) => async (req: Request, res: Response) => {
    try {
      const data = await fn(req, res);
      if (data !== undefined && !res.headersSent) res.json({ ok: true, data });
    } catch (err) {
      fail(res, err);
    }
  };

  r.get('/auth/me', (_req, res) => {
    const p = principalOf(res);
    res.json({ ok: true, data: { id: p.id, username: p.username, displayName: p.displayName, role: p.role, unitId: p.unitId } });
  });

  r.get('/admin/users', handle(() => auth.listUsers()));
  r.post(
    '/admin/users',
    handle(async (req, res) => {
      const body = parse(newUserBody, req, res);
      return body ? auth.addUser(body, by(res)) : undefined;
    }),
  );
  r.patch(
    '/admin/users/:id',
    handle((req, res) => {
      const body = parse(patchUserBody, req, res);
      return body ? auth.updateUser(String(req.params.id), body, by(res)) : undefined;
    }),
  );
  r.post(
    '/admin/users/:id/password',
    handle(async (req, res) => {
      const body = parse(passwordBody, req, res);
      return body ? { password: await auth.resetPassword(String(req.params.id), body.password, by(res)) } : undefined;
    }),
  );
  const revoke = handle((req, res) => ({ revoked: auth.revokeSessions(String(req.params.userId), by(res)) }));
  r.post('/admin/sessions/:userId/revoke', revoke);
  r.delete('/admin/sessions/:userId', revoke);

  r.get('/admin/display-tokens', handle(() => auth.listDisplayTokens()));
  r.post(
    '/admin/display-tokens',
    handle((req, res) => {
      const body = parse(displayBody, req, res);
      return body ? auth.issueDisplayToken(body.name, by(res)) : undefined;
    }),
  );
  r.delete('/admin/display-tokens/:id', handle((req, res) => auth.revokeDisplayToken(String(req.params.id), by(res))));
  return r;
}
