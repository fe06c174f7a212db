/**
 * Password hashing: scrypt from node:crypto (RFC 7914) with the parameters of
 * OWASP's Password Storage Cheat Sheet: N = 2^17, r = 8, p = 1 (128 MiB of
 * memory), a 16-byte random salt and a 32-byte key, stored as
 *   scrypt$<N>$<r>$<p>$<salt b64url>$<key b64url>
 * A stored hash with weaker parameters still verifies, and is replaced by a
 * current one at the next successful login (`needsRehash`).
 * Async on purpose: a hash takes about 0.3–0.5 s here and runs on libuv's
 * thread pool, never on the event loop.
 */
import crypto from 'node:crypto';

const N = 2 ** 17;
const R = 8;
const P = 1;
const KEYLEN = 32;

function scrypt(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    // scrypt needs 128·N·r bytes; Node's default cap (32 MiB) is below that for N = 2^17: allow twice it.
    crypto.scrypt(password.normalize('NFKC'), salt, KEYLEN, { N: n, r, p, maxmem: 128 * n * r * 2 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** `cost` is for tests of the upgrade path only: a hash with older, weaker parameters. */
export async function hashPassword(password: string, cost: { n: number; r: number; p: number } = { n: N, r: R, p: P }): Promise<string> {
  const salt = crypto.randomBytes(16);
  const key = await scrypt(password, salt, cost.n, cost.r, cost.p);
  return ['scrypt', cost.n, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Whether a stored hash is weaker than the current parameters (it is upgraded at the next login). */
export function needsRehash(stored: string): boolean {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return true;
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  return n < N || r < R || p < P;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  // Refuse absurd parameters from a tampered file instead of allocating gigabytes.
  if (!(n >= 2 ** 14 && n <= 2 ** 20 && r >= 1 && r <= 16 && p >= 1 && p <= 4)) return false;
  const expected = Buffer.from(parts[5]!, 'base64url');
  const key = await scrypt(password, Buffer.from(parts[4]!, 'base64url'), n, r, p);
  return expected.length === key.length && crypto.timingSafeEqual(expected, key);
}

/** A hash of a random password, verified against when the username is unknown: the same time either way. */
let dummy: Promise<string> | null = null;
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(crypto.randomBytes(16).toString('hex'));
  return dummy;
}

/** A random password for generated accounts: 18 bytes, 24 base64url characters. */
export function generatePassword(): string {
  return crypto.randomBytes(18).toString('base64url');
}

/** Minimum for passwords people choose (NIST SP 800-63B and OWASP: length over composition rules). */
export const MIN_PASSWORD_LENGTH = 12;
