import { spawnSync } from 'node:child_process';
import { chownSync, existsSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import { PostgresStartError } from '../../server/db/errors.js';
import { findPostgres, startPostgres } from '../../server/db/postgres.js';
import { freePort } from './ports.js';
import { startDespitePortRace, stopThenRemove } from './proc.js';
import { requireService } from './services.js';

export interface TestPostgres {
  /** postgres://ioc:<password>@127.0.0.1:<port>/ioc */
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  /** Stops the cluster (fast shutdown) and removes its temp folder. Idempotent. */
  stop(): Promise<void>;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * An empty temp folder for a cluster. As root it belongs to the postgres system user
 * (mkdtemp makes it 0700, and PostgreSQL runs as that user), so the supervisor uses it
 * as it is instead of its /var/lib/ioc-console stand-in.
 */
export async function postgresTempDir(prefix = 'ioc-test-pg-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  if (isRoot()) {
    const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  return dir;
}

/**
 * A cluster made once per machine and PostgreSQL major (initdb, the `ioc` user and database,
 * its password file), copied into each test's folder: `initdb` is most of a first start
 * (about 1.5 s of 1.7 on this machine), a copy and a start take about 0.4 s. The test still
 * gets a cluster of its own, on its own port, in its own folder.
 */
async function template(logger: Logger): Promise<string | null> {
  const bins = findPostgres();
  if (!bins) return null;
  const dir = path.join(os.tmpdir(), `ioc-test-pg-template-${bins.major}-${isRoot() ? 'root' : process.getuid?.() ?? 'user'}`);
  if (existsSync(path.join(dir, 'cluster', 'PG_VERSION'))) return dir;
  const fresh = await postgresTempDir('ioc-test-pg-template-new-');
  const handle = await startPostgres({ dataDir: fresh, port: await freePort(), logger });
  await handle.stop();
  // Made aside and renamed into place: a half-made template is never used.
  await rename(fresh, dir).catch(async () => rm(fresh, { recursive: true, force: true }));
  return existsSync(path.join(dir, 'cluster', 'PG_VERSION')) ? dir : null;
}

/**
 * A throwaway PostgreSQL cluster on a free port with its data in a fresh temp folder,
 * started by server/db/postgres.ts (the code `npm start` runs): the test apps' cluster of a worker
 * (tests/harness/app.ts), or a test's own. Its folder is named `prefix…` (a given `dataDir` is used as
 * it is, without the template). Logs at `silent` unless TEST_LOG_LEVEL is set (debug shows PostgreSQL's own output).
 */
export async function startTestPostgres(opts: { logger?: Logger; dataDir?: string; prefix?: string } = {}): Promise<TestPostgres> {
  requireService('postgres', () => findPostgres());
  const logger = opts.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const dataDir = opts.dataDir ?? (await postgresTempDir(opts.prefix));
  const tmpl = opts.dataDir ? null : await template(logger).catch(() => null);
  // cp -a: the files keep their owner (the postgres user, when root) and modes.
  if (tmpl && spawnSync('cp', ['-a', `${tmpl}/.`, dataDir]).status !== 0) throw new Error(`cannot copy the template cluster ${tmpl} to ${dataDir}`);
  // The port is free when picked but another process could take it first.
  const clash = (err: unknown) => err instanceof PostgresStartError && /in use|could not bind|Address already in use/i.test(err.message);
  return startDespitePortRace(dataDir, clash, async () => {
    const handle = await startPostgres({ dataDir, port: await freePort(), logger });
    return { url: handle.url, port: handle.port, pid: handle.pid, dataDir: handle.dataDir, stop: stopThenRemove(() => handle.stop(), dataDir) };
  });
}

/** The URL of database `name` on the cluster at `clusterUrl`. */
export function databaseUrl(clusterUrl: string, name: string): string {
  const u = new URL(clusterUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Database `name` on the cluster at `clusterUrl` (a copy of `template` when given; left as it
 * is when it exists already); its URL.
 */
export async function createDatabase(clusterUrl: string, name: string, opts: { template?: string } = {}): Promise<string> {
  const c = new pg.Client({ connectionString: clusterUrl });
  await c.connect();
  try {
    const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await c.query(`CREATE DATABASE "${name.replace(/"/g, '')}"${opts.template ? ` TEMPLATE "${opts.template}"` : ''}`);
  } finally {
    await c.end();
  }
  return databaseUrl(clusterUrl, name);
}

/** The rows of one statement, on a connection of its own (tests reading what the servers wrote). */
export async function queryRows<T extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql, values)).rows;
  } finally {
    await c.end();
  }
}
