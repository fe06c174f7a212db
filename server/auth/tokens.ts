/**
 * Signed access tokens: compact JWS (RFC 7515/7519) with HMAC-SHA256 only.
 * The header is checked to be exactly HS256 — `alg: none` and any other
 * algorithm are refused before the signature is even looked at — and the
 * signature is compared in constant time.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface AccessClaims {
  /** User id. */
  sub: string;
  /** Session id: revoking the session kills the token at once. */
  sid: string;
  role: string;
  /** Issued at / expires, epoch seconds (RFC 7519). */
  iat: number;
  exp: number;
  typ: 'access';
}

export type VerifyResult = { ok: true; claims: AccessClaims } | { ok: false; reason: 'malformed' | 'algorithm' | 'signature' | 'expired' };

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

function sign(data: string, key: Buffer): string {
  return crypto.createHmac('sha256', key).update(data).digest('base64url');
}

export function signAccessToken(claims: AccessClaims, key: Buffer): string {
  const body = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${body}.${sign(body, key)}`;
}

export function verifyAccessToken(token: string, key: Buffer, nowMs: number): VerifyResult {
  if (token.length > 2048) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return { ok: false, reason: 'malformed' };
  const [h, p, s] = parts as [string, string, string];
  let header: unknown;
  let claims: unknown;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof header !== 'object' || header === null || (header as { alg?: unknown }).alg !== 'HS256') return { ok: false, reason: 'algorithm' };
  const expected = Buffer.from(sign(`${h}.${p}`, key));
  const given = Buffer.from(s);
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return { ok: false, reason: 'signature' };
  const c = claims as Partial<AccessClaims>;
  if (c.typ !== 'access' || typeof c.sub !== 'string' || typeof c.sid !== 'string' || typeof c.exp !== 'number' || typeof c.role !== 'string') {
    return { ok: false, reason: 'malformed' };
  }
  if (c.exp * 1000 <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, claims: c as AccessClaims };
}

/** SHA-256 of a high-entropy secret (refresh and display tokens, device secrets): no stretching needed. */
export function sha256(s: string): string {
  return crypto.createHash('sha256').update(s).digest('base64url');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

export function randomToken(bytes = 32): string {
  return crypto.randomBytes(bytes).toString('base64url');
}

/**
 * The signing key: AUTH_SECRET when configured (several instances must share
 * it), else a random key generated at first start and kept in `<dir>/secret`
 * (mode 0600), so that sessions survive a restart.
 */
export function loadSigningKey(configured: string | undefined, dir: string): Buffer {
  if (configured) return Buffer.from(configured, 'utf8');
  const file = path.join(dir, 'secret');
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing.length >= 43) return Buffer.from(existing, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secret = randomToken(48);
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'w' });
  return Buffer.from(secret, 'utf8');
}
