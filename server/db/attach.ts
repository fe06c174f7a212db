/**
 * The database for a tool beside the server (`npm run users`): DATABASE_URL when set; else the
 * local cluster in PG_DATA_DIR, the running one when the server has it up (its port is in the
 * cluster's postmaster.pid, its password in the data dir), or started for the tool's run and
 * stopped after, exactly as the server starts it (server/db/postgres.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { openDatabase, type Database } from './database.js';
import { connectionUrl } from './postgres.js';
import { isRoot, rootFallbackDir } from './postgres-user.js';

/** The URL of the local cluster when it is running and answers, else null. */
export async function runningLocalCluster(dataDir: string): Promise<string | null> {
  const wanted = path.resolve(dataDir);
  // As root the cluster may live in its stand-in folder (server/db/postgres-user.ts).
  for (const dir of isRoot() ? [wanted, rootFallbackDir(wanted)] : [wanted]) {
    const pidFile = path.join(dir, 'cluster', 'postmaster.pid');
    const pwFile = path.join(dir, 'password');
    if (!existsSync(pidFile) || !existsSync(pwFile)) continue;
    let url: string;
    try {
      // postmaster.pid: pid, data dir, start time, port, …
      const port = Number(readFileSync(pidFile, 'utf8').split('\n')[3]);
      const password = readFileSync(pwFile, 'utf8').trim();
      if (!Number.isInteger(port) || port <= 0 || !password) continue;
      url = connectionUrl(password, port);
    } catch {
      continue;
    }
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000, application_name: 'ioc-console:cli' });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.query('SELECT 1');
      return url;
    } catch {
      /* a stale pid file: not running */
    } finally {
      await c.end().catch(() => undefined);
    }
  }
  return null;
}

export async function attachDatabase(config: Pick<Config, 'DATABASE_URL' | 'PG_DATA_DIR' | 'PG_LOCAL_PORT'>, log: Logger): Promise<Database> {
  if (!config.DATABASE_URL) {
    const url = await runningLocalCluster(config.PG_DATA_DIR);
    if (url) return { url, external: true, stop: async () => {} };
  }
  // Not running (or DATABASE_URL): as the server opens it; a cluster started here stops with database.stop().
  return openDatabase(config, log);
}
