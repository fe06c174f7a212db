/**
 * REST for people and sessions (contract/auth.ts):
 *   public:  POST /api/auth/login, /api/auth/refresh, /api/auth/logout
 *            (the refresh token only ever in the HttpOnly cookie, never in JSON)
 *   guarded: GET  /api/auth/me
 *            /api/admin/users, /api/admin/sessions/:userId, /api/admin/display-tokens
 * The guard (guard.ts) has already checked the permission of the admin routes;
 * the service checks the target too (a supervisor cannot touch an admin).
 */
import { secureRouter } from '../http/paths.js';
import express from 'express';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { loginBody, REFRESH_HEADER, refreshBody, ROLES } from '../../contract/auth.js';
import type { Config } from '../config.js';
import { sendError } from '../http/send.js';
import { bearerToken, principalOf } from './guard.js';
import { AuthError, type AuthService, type Issued } from './service.js';

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
const displayBody = z.strictObject({ name: z.string().min(1).max(256), ttlDays: z.number().int().min(0).max(3650).optional() });

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

/** The refresh cookie: HttpOnly, SameSite=Strict, sent only to the refresh and logout routes. */
export const REFRESH_COOKIE = 'ioc_refresh';
export const REFRESH_COOKIE_PATH = '/api/auth';

/** The refresh token from the request's cookie, or null. */
function readRefreshCookie(req: Request): string | null {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== REFRESH_COOKIE) continue;
    const m = /^[\x21-\x7e]{16,512}$/.exec(part.slice(eq + 1).trim());
    return m ? m[0] : null;
  }
  return null;
}

/** Login, refresh, logout: before the guard (they are how one gets a token). */
export function publicAuthRoutes(auth: AuthService, config: Pick<Config, 'HTTPS_CERT' | 'AUTH_REFRESH_TTL_S'>, now: () => number = Date.now): express.Router {
  const r = secureRouter();
  const cookieOptions = (req: Request) => ({
    httpOnly: true,
    sameSite: 'strict' as const,
    // Behind a TLS-terminating proxy req.secure follows X-Forwarded-Proto only when 'trust proxy' is set.
    secure: !!config.HTTPS_CERT || req.secure,
    path: REFRESH_COOKIE_PATH,
  });
  /** The session in JSON; its refresh token in the cookie, for the session's remaining life. */
  const answer = (req: Request, res: Response, issued: Issued) => {
    const maxAge = Math.max(0, Math.min(Math.round((issued.refresh.expiresAt - now()) / 1000) * 1000, config.AUTH_REFRESH_TTL_S * 1000));
    res.cookie(REFRESH_COOKIE, issued.refresh.token, { ...cookieOptions(req), maxAge });
    res.json({ ok: true, data: issued.session });
  };
  const clearCookie = (req: Request, res: Response) => res.clearCookie(REFRESH_COOKIE, cookieOptions(req));

  r.post('/api/auth/login', async (req, res) => {
    const body = parse(loginBody, req, res);
    if (!body) return;
    try {
      answer(req, res, await auth.login(body.username, body.password, req.ip ?? '?'));
    } catch (err) {
      fail(res, err);
    }
  });
  r.post('/api/auth/refresh', async (req, res) => {
    // CSRF: SameSite=Strict already keeps the cookie off cross-site requests; the header is the second lock.
    if (!req.get(REFRESH_HEADER)) return sendError(res, 403, 'forbidden', `refresh needs the ${REFRESH_HEADER} header`);
    if (!parse(refreshBody, req, res)) return;
    const cookie = readRefreshCookie(req);
    if (!cookie) return sendError(res, 401, 'unauthorized', 'session expired: log in again');
    try {
      answer(req, res, await auth.refresh(cookie, req.ip ?? '?'));
    } catch (err) {
      // A refused cookie is dead: the browser need not present it again.
      if (err instanceof AuthError && err.status === 401) clearCookie(req, res);
      fail(res, err);
    }
  });
  r.post('/api/auth/logout', async (req, res) => {
    if (!parse(refreshBody, req, res)) return;
    const a = auth.authenticate(bearerToken(req));
    await auth.logout(readRefreshCookie(req) ?? undefined, a.ok ? a.principal : null);
    clearCookie(req, res);
    res.json({ ok: true, data: null });
  });
  return r;
}

/** Mounted under /api, behind the guard. */
export function guardedAuthRoutes(auth: AuthService): express.Router {
  const r = secureRouter();
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
  const revoke = handle(async (req, res) => ({ revoked: await auth.revokeSessions(String(req.params.userId), by(res)) }));
  r.post('/admin/sessions/:userId/revoke', revoke);
  r.delete('/admin/sessions/:userId', revoke);

  r.get('/admin/display-tokens', handle(() => auth.listDisplayTokens()));
  r.post(
    '/admin/display-tokens',
    handle((req, res) => {
      const body = parse(displayBody, req, res);
      return body ? auth.issueDisplayToken(body.name, by(res), body.ttlDays) : undefined;
    }),
  );
  r.delete('/admin/display-tokens/:id', handle((req, res) => auth.revokeDisplayToken(String(req.params.id), by(res))));
  return r;
}
