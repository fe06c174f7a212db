/**
 * Stream tokens: what a player shows the media server (this one, or MediaMTX through its auth
 * hook) for the playlist and every segment of one camera. HMAC-SHA256 over the claims, with a
 * key derived from the access-token key (AuthService.derivedKey), compared in constant time.
 * They live VIDEO_TOKEN_TTL_S: a viewer whose right to watch ends stops within that time, as the
 * player can no longer renew (GET /api/cameras/{id}/stream checks the right each time).
 */
import crypto from 'node:crypto';

export interface StreamClaims {
  /** The camera, and only it. */
  cam: string;
  /** The view it belongs to (server/video/views.ts). */
  view: string;
  /** Expires, epoch ms. */
  exp: number;
}

export type StreamTokenCheck = { ok: true; claims: StreamClaims } | { ok: false; reason: 'malformed' | 'signature' | 'expired' | 'camera' };

const sign = (body: string, key: Buffer) => crypto.createHmac('sha256', key).update(`stream.${body}`).digest('base64url');

export function signStreamToken(c: StreamClaims, key: Buffer): string {
  const body = Buffer.from(JSON.stringify(c)).toString('base64url');
  return `${body}.${sign(body, key)}`;
}

/** Checks a token for one camera at `now`; anything odd is malformed, never an exception. */
export function verifyStreamToken(token: unknown, cameraId: string, key: Buffer, now: number): StreamTokenCheck {
  if (typeof token !== 'string' || token.length > 1024) return { ok: false, reason: 'malformed' };
  const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return { ok: false, reason: 'malformed' };
  const want = Buffer.from(sign(m[1]!, key));
  const got = Buffer.from(m[2]!);
  if (want.length !== got.length || !crypto.timingSafeEqual(want, got)) return { ok: false, reason: 'signature' };
  let c: StreamClaims;
  try {
    c = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8')) as StreamClaims;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof c?.cam !== 'string' || typeof c.view !== 'string' || typeof c.exp !== 'number') return { ok: false, reason: 'malformed' };
  if (c.cam !== cameraId) return { ok: false, reason: 'camera' };
  if (now >= c.exp) return { ok: false, reason: 'expired' };
  return { ok: true, claims: c };
}
