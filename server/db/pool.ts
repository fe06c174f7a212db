/**
 * The `pg` connection pool of the server, from a URL (DATABASE_URL, or the embedded
 * cluster's from server/db/postgres.ts).
 *
 * - application_name shows in pg_stat_activity which process holds a connection;
 * - statement_timeout bounds a runaway query; idle_in_transaction_session_timeout ends
 *   a transaction a crashed code path left open (its row locks would block every officer);
 * - connectionTimeoutMillis: a command waits at most this long for a connection, then fails
 *   (the caller answers `unavailable`) instead of hanging while the database is away;
 * - an 'error' listener: an idle client whose connection drops (database restarted) emits
 *   'error' on the pool, and an unhandled 'error' event would crash the process.
 */
import pg from 'pg';
import type { Logger } from '../log.js';

export interface PoolOptions {
  /** Shown as application_name. Default ioc-console. */
  applicationName?: string;
  /** Connections at most. Default 10. */
  max?: number;
  /** Default 10 s. */
  statementTimeoutMs?: number;
  /** Default 5 s. */
  connectionTimeoutMs?: number;
  /** Default 30 s. */
  idleTimeoutMs?: number;
  /** Default 60 s. */
  idleInTransactionTimeoutMs?: number;
  logger?: Logger;
}

export function createPool(url: string, opts: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    application_name: opts.applicationName ?? 'ioc-console',
    max: opts.max ?? 10,
    statement_timeout: opts.statementTimeoutMs ?? 10_000,
    idle_in_transaction_session_timeout: opts.idleInTransactionTimeoutMs ?? 60_000,
    connectionTimeoutMillis: opts.connectionTimeoutMs ?? 5_000,
    idleTimeoutMillis: opts.idleTimeoutMs ?? 30_000,
    // The pool does not hold the process open on its own (stop() ends it anyway).
    allowExitOnIdle: true,
  });
  const log = opts.logger?.child({ module: 'db' });
  pool.on('error', (err) => {
    // The broken client is already removed from the pool; the next query takes a new one.
    log?.warn({ err: err.message, code: (err as Error & { code?: string }).code }, 'idle PostgreSQL connection lost');
  });
  return pool;
}

/**
 * Runs fn with a client checked out of the pool, and gives it back (destroyed when it broke).
 * While a client is checked out the pool no longer listens for its 'error' event: a
 * connection PostgreSQL ends between two queries (a restart, pg_terminate_backend) would
 * then be an uncaught exception that stops the server. Here it marks the client broken;
 * fn sees the failure on its next query.
 */
export async function withPoolClient<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>, isBroken: (err: unknown) => boolean = () => true): Promise<T> {
  const c = await pool.connect();
  let broken = false;
  const onError = () => (broken = true);
  c.on('error', onError);
  try {
    return await fn(c);
  } catch (err) {
    if (isBroken(err)) broken = true;
    throw err;
  } finally {
    c.off('error', onError);
    c.release(broken);
  }
}
