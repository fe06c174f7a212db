/**
 * Builds the auth pieces for the app from config, and makes sure an admin
 * exists. There is no default password, ever: at the first start without an
 * active admin, `admin` is created with a random password written ONCE to
 * stderr — on purpose not through pino, so it never lands in collected logs —
 * or, with ADMIN_PASSWORD_FILE, to that file only.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import type { AccountsDb } from '../db/accounts-sync.js';
import type { Logger } from '../log.js';
import { AuthService } from './service.js';
import { openAuthStore, type AuthStore } from './store.js';
import { loadSigningKey } from './tokens.js';

/** Where an earlier installation kept users, sessions and display tokens: read once by the import (server/db/import.ts). */
export function usersFile(config: Pick<Config, 'AUTH_DIR'>): string {
  return path.join(config.AUTH_DIR, 'users.json');
}

export interface AuthSetup {
  log: Logger;
  knownUnits?: ReadonlySet<string>;
  now?: () => number;
}

/** The service on the accounts in PostgreSQL: loaded, listening for changes made elsewhere; closed when `db` stops. */
export async function createAuthService(config: Config, opts: AuthSetup & { db: AccountsDb }): Promise<AuthService> {
  return authServiceOn(config, await openAuthStore(opts.db, opts.now), opts);
}

/** The service on a given store (tests of its logic use MemoryAuthStore). */
export function authServiceOn(config: Config, store: AuthStore, opts: AuthSetup): AuthService {
  return new AuthService({
    store,
    key: loadSigningKey(config.AUTH_SECRET, config.AUTH_DIR),
    accessTtlS: config.AUTH_ACCESS_TTL_S,
    refreshTtlS: config.AUTH_REFRESH_TTL_S,
    maxFailures: config.AUTH_MAX_FAILURES,
    maxConcurrentPerUser: config.AUTH_MAX_CONCURRENT_PER_USER,
    maxConcurrentPerAddress: config.AUTH_MAX_CONCURRENT_PER_ADDRESS,
    displayTokenTtlDays: config.DISPLAY_TOKEN_TTL_DAYS,
    log: opts.log,
    ...(opts.knownUnits ? { knownUnits: opts.knownUnits } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
}

/**
 * `passwordFile` (ADMIN_PASSWORD_FILE): the password goes to that file, mode 0600,
 * instead of stderr — for containers, whose output is collected by the runtime.
 */
export async function ensureAdmin(auth: AuthService, log: Logger, out: (s: string) => void = (s) => process.stderr.write(s), passwordFile?: string): Promise<void> {
  if (auth.hasAdmin()) return;
  // `admin` may exist as a disabled or demoted account: then pick a fresh name.
  const taken = auth.listUsers().some((u) => u.username === 'admin');
  const username = taken ? `admin-${crypto.randomBytes(3).toString('hex')}` : 'admin';
  const { password } = await auth.addUser({ username, role: 'admin', displayName: 'Administrator' });
  if (passwordFile) {
    fs.mkdirSync(path.dirname(passwordFile), { recursive: true, mode: 0o700 });
    fs.writeFileSync(passwordFile, `${username}\n${password}\n`, { mode: 0o600 });
    fs.chmodSync(passwordFile, 0o600);
    log.warn({ username, file: passwordFile }, 'no active admin: created one; its password is in ADMIN_PASSWORD_FILE (read it, then delete the file)');
    return;
  }
  log.warn({ username }, 'no active admin: created one with a random password (printed once on stderr)');
  out(
    `\n  ioc-console: no active administrator, created one.\n` +
      `    username: ${username}\n    password: ${password}\n` +
      `  It is shown only this once: keep it safe, or set another with\n` +
      `    npm run users -- passwd ${username}\n\n`,
  );
}
