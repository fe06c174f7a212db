/**
 * Optional shared-token check for the ingest HTTP routes (CAP webhook, station
 * import): when a token is configured, `Authorization: Bearer <token>` must match.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function bearerOk(req: Request, token: string | undefined): boolean {
  if (!token) return true;
  const m = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '');
  // Compare digests: equal length, constant time, whatever the caller sent.
  return m !== null && timingSafeEqual(digest(m[1]!.trim()), digest(token));
}
