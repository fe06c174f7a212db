/**
 * The database the server uses: DATABASE_URL, or the local cluster of server/db/postgres.ts.
 */
import pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { PostgresStartError } from './errors.js';
import { startPostgres } from './postgres.js';

export interface Database {
  url: string;
  /** True with DATABASE_URL: nothing was started, stop() does nothing. */
  external: boolean;
  stop(): Promise<void>;
}

/** A URL fit for a message: the password masked. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * The database the server uses: DATABASE_URL when set (nothing is started; it must answer
 * now), else the local cluster in PG_DATA_DIR on PG_LOCAL_PORT (0 = any free port).
 */
export async function openDatabase(
  config: Pick<Config, 'DATABASE_URL' | 'PG_DATA_DIR' | 'PG_LOCAL_PORT'>,
  logger?: Logger,
): Promise<Database> {
  if (config.DATABASE_URL) {
    const url = config.DATABASE_URL;
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, application_name: 'ioc-console:setup' });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT 1');
    } catch (err) {
      throw new PostgresStartError(`PostgreSQL at DATABASE_URL ${redactUrl(url)} cannot be reached: ${(err as Error).message}`);
    } finally {
      await client.end().catch(() => {});
    }
    return { url, external: true, stop: async () => {} };
  }
  const handle = await startPostgres({
    dataDir: config.PG_DATA_DIR,
    ...(config.PG_LOCAL_PORT ? { port: config.PG_LOCAL_PORT } : {}),
    ...(logger ? { logger } : {}),
  });
  return { url: handle.url, external: false, stop: handle.stop };
}
