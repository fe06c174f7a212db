/**
 * Password hashing: scrypt from node:crypto (RFC 7914), N = 2^15, r = 8, p = 1,
 * a 16-byte random salt and a 32-byte key, stored as
 *   scrypt$<N>$<r>$<p>$<salt b64url>$<key b64url>
 * so that the cost can be raised later without invalidating stored hashes.
 * Async on purpose: a hash takes ~50–100 ms and must not block the event loop.
 */
import crypto from 'node:crypto';

const N = 2 ** 15;
const R = 8;
const P = 1;
const KEYLEN = 32;

function scrypt(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    crypto.scrypt(password.normalize('NFKC'), salt, KEYLEN, // scrypt needs 128·N·r bytes; the default 32 MiB cap is exactly that for N = 2^15: leave headroom.
      { N: n, r, p, maxmem: 128 * n * r * 2 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const key = await scrypt(password, salt, N, R, P);
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
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

/** Minimum for passwords people choose (NIST SP 800-63B: length over composition rules). */
export const MIN_PASSWORD_LENGTH = 10;
