/**
 * Versioned SQL migrations (server/db/migrations/NNNN_name.sql), applied at start with
 * node-pg-migrate (https://salsita.github.io/node-pg-migrate/):
 *
 *   - plain .sql files with `-- Up Migration` and `-- Down Migration` sections, so the
 *     schema reads as SQL and a DBA can review it without knowing this code;
 *   - applied in file-name order, each recorded in the table `pgmigrations`;
 *   - all pending files in one transaction: a failure leaves the database where it was;
 *   - under a PostgreSQL advisory lock, waited for ('wait' mode): when several servers
 *     start at once, one applies and the others find nothing left to do;
 *   - checkOrder: a file added *before* one already applied is refused, not silently run
 *     out of order.
 */
import path from 'node:path';
import { runner } from 'node-pg-migrate';
import type { Logger } from '../log.js';
import { ROOT } from '../../contract/root.js';

/** Found from the install root (not this file): the same code runs bundled from dist/server/. */
export const MIGRATIONS_DIR = path.join(ROOT, 'server', 'db', 'migrations');
export const MIGRATIONS_TABLE = 'pgmigrations';

export interface MigrateOptions {
  /** Apply only this many pending migrations (tests: an installation at an earlier version). Default: all. */
  count?: number;
  dir?: string;
}

export interface AppliedMigration {
  name: string;
}

/** Applies the pending migrations; returns their names, in order (empty when the schema is current). */
export async function migrate(url: string, log: Logger, opts: MigrateOptions = {}): Promise<AppliedMigration[]> {
  const mlog = log.child({ module: 'migrate' });
  const started = Date.now();
  const say = (level: 'debug' | 'info' | 'warn' | 'error') => (msg: string) => mlog[level](msg.trim());
  const applied = await runner({
    databaseUrl: { connectionString: url, application_name: 'ioc-console:migrate' },
    dir: opts.dir ?? MIGRATIONS_DIR,
    migrationsTable: MIGRATIONS_TABLE,
    direction: 'up',
    ...(opts.count !== undefined ? { count: opts.count } : {}),
    checkOrder: true,
    singleTransaction: true,
    advisoryLockMode: 'wait',
    // Its step-by-step chatter goes to debug; what was applied is logged once below.
    logger: { debug: say('debug'), info: say('debug'), warn: say('warn'), error: say('error') },
  });
  const names = applied.map((m) => ({ name: m.name }));
  if (names.length > 0) mlog.info({ applied: names.map((m) => m.name), ms: Date.now() - started }, 'database migrated');
  else mlog.debug({ ms: Date.now() - started }, 'database schema is current');
  return names;
}
