/**
 * A supervised local PostgreSQL cluster (Debian package `postgresql`), the embedded
 * default when DATABASE_URL is not set: the same idea as server/influx/influxd.ts.
 *
 *   - The binaries come from the newest /usr/lib/postgresql/<major>/bin (or the major
 *     the existing cluster was made with), else from PATH.
 *   - First start: `initdb` (UTF8, locale C, --auth=scram-sha-256, superuser `ioc` with a
 *     generated password kept in DATA_DIR/password, mode 0600).
 *   - Every start: `postgres -D DATA_DIR/cluster` on 127.0.0.1 only, its unix socket in
 *     DATA_DIR; ready once a `pg` client can log in; database `ioc` created if missing.
 *   - PostgreSQL refuses to run as root: as root it runs as the `postgres` system user, in a
 *     data dir that user can reach (server/db/postgres-user.ts).
 *   - The child never outlives this process: `setpriv --pdeathsig KILL` (Linux, main
 *     thread) plus a process 'exit' handler. stop() asks for a fast shutdown (SIGINT).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { PostgresMissingError, PostgresStartError } from './errors.js';
import { defaultLogger, findOnPath, isExecutableFile, pickFreePort, portIsFree, tailCollector } from '../local-service.js';
import { childEnv, command, isRoot, postgresUser, prepareDataDir, type RunAs } from './postgres-user.js';

/** The database and login the server uses; the login is the cluster's superuser (a cluster of its own). */
export const PG_USER = 'ioc';
export const PG_DATABASE = 'ioc';

export interface PostgresBinaries {
  dir: string;
  /** Major version, e.g. 15; 0 when found on PATH without a version folder. */
  major: number;
  initdb: string;
  /** Run directly as our child (not through pg_ctl, which detaches it): we keep its pid, its output and the parent-death signal. */
  postgres: string;
}

export interface StartPostgresOptions {
  /** PG_DATA_DIR: holds cluster/ (PGDATA), the password file and the unix socket. */
  dataDir: string;
  /** TCP port on 127.0.0.1; a free one is chosen when omitted. */
  port?: number;
  logger?: Logger;
  /** How long to wait until a client can log in. Default 60 s. */
  readyTimeoutMs?: number;
  /** How long stop() waits after SIGINT (fast shutdown) before SIGQUIT, then SIGKILL. Default 15 s. */
  stopTimeoutMs?: number;
}

export interface PostgresHandle {
  /** postgres://ioc:<password>@127.0.0.1:<port>/ioc */
  url: string;
  port: number;
  pid: number;
  /** The folder actually used: PG_DATA_DIR, or its /var/lib/ioc-console stand-in when root. */
  dataDir: string;
  /** Fast shutdown, then SIGQUIT/SIGKILL after stopTimeoutMs; resolves once the postmaster exited. Idempotent. */
  stop(): Promise<void>;
}


function binariesIn(dir: string, major: number): PostgresBinaries | null {
  const initdb = path.join(dir, 'initdb');
  const postgres = path.join(dir, 'postgres');
  if (!isExecutableFile(initdb) || !isExecutableFile(postgres)) return null;
  return { dir, major, initdb, postgres };
}

/**
 * initdb and postgres: from /usr/lib/postgresql/<major>/bin (Debian keeps them off PATH),
 * the newest major unless `major` asks for one; else from PATH (other distributions). Null when absent.
 */
export function findPostgres(opts: { major?: number; root?: string } = {}): PostgresBinaries | null {
  const root = opts.root ?? '/usr/lib/postgresql';
  let majors: number[] = [];
  try {
    majors = readdirSync(root)
      .filter((d) => /^\d+$/.test(d))
      .map(Number)
      .sort((a, b) => b - a);
  } catch {
    /* no Debian layout */
  }
  for (const major of opts.major !== undefined ? majors.filter((m) => m === opts.major) : majors) {
    const found = binariesIn(path.join(root, String(major), 'bin'), major);
    if (found) return found;
  }
  if (opts.major !== undefined && majors.length > 0) return null;
  const onPath = findOnPath('postgres');
  return onPath ? binariesIn(path.dirname(onPath), 0) : null;
}

// ---------------------------------------------------------------- ports


// ---------------------------------------------------------------- output capture


/** Runs a one-shot command (initdb) as `as`; rejects with its output on failure. */
function runOnce(bin: string, args: string[], as: RunAs | null, cwd: string, log: Logger): Promise<void> {
  const [cmd, cmdArgs] = command(bin, args, as, true);
  const tail: string[] = [];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, cmdArgs, { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', tailCollector(tail, log, { from: path.basename(bin) }));
    child.stderr?.on('data', tailCollector(tail, log, { from: path.basename(bin) }));
    child.once('error', (err) => reject(new PostgresStartError(`${path.basename(bin)} could not run: ${err.message}`, tail)));
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new PostgresStartError(`${path.basename(bin)} failed (code ${code}, signal ${signal})`, tail));
    });
  });
}

// ---------------------------------------------------------------- start

export function connectionUrl(password: string, port: number, database = PG_DATABASE): string {
  return `postgres://${PG_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/** Major version of an existing cluster (its PG_VERSION file), or null when there is none. */
function clusterMajor(clusterDir: string): number | null {
  try {
    return Number(readFileSync(path.join(clusterDir, 'PG_VERSION'), 'utf8').trim());
  } catch {
    return null;
  }
}

/** The generated password of user ioc: read, or created (0600, owned by whoever runs PostgreSQL). */
function ensurePassword(file: string, as: RunAs | null, clusterExists: boolean): string {
  if (existsSync(file)) {
    const pw = readFileSync(file, 'utf8').trim();
    if (pw) {
      // initdb, if it still has to run, reads it as the postgres user.
      if (as && !clusterExists) chownSync(file, as.uid, as.gid);
      return pw;
    }
  }
  if (clusterExists) {
    throw new PostgresStartError(
      `the cluster in ${path.dirname(file)} exists but its password file ${file} is missing or empty: restore it, or remove the folder to start with an empty database`,
    );
  }
  const pw = randomBytes(24).toString('base64url');
  writeFileSync(file, `${pw}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  // initdb reads it (--pwfile) as the postgres user; the server, as root, reads it anyway.
  if (as) chownSync(file, as.uid, as.gid);
  return pw;
}

type PgError = Error & { code?: string };

/** Connection errors that mean "not up yet": refused, reset, or the server still starting (57P03). */
function notReadyYet(err: PgError): boolean {
  return ['ECONNREFUSED', 'ECONNRESET', 'ENOENT', '57P03'].includes(err.code ?? '') || /timeout|terminated|Connection terminated/i.test(err.message);
}

async function ensureDatabase(password: string, port: number): Promise<void> {
  const client = new pg.Client({ connectionString: connectionUrl(password, port, 'postgres'), application_name: 'ioc-console:setup' });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [PG_DATABASE]);
    if (!rowCount) {
      try {
        await client.query(`CREATE DATABASE ${PG_DATABASE} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`);
      } catch (err) {
        if ((err as PgError).code !== '42P04') throw err; // duplicate_database: created meanwhile
      }
    }
  } finally {
    await client.end();
  }
}

export async function startPostgres(opts: StartPostgresOptions): Promise<PostgresHandle> {
  const log = (opts.logger ?? defaultLogger()).child({ component: 'postgres' });
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 15_000;
  const started = Date.now();

  let as: RunAs | null = null;
  if (isRoot()) {
    as = postgresUser();
    if (!as) {
      throw new PostgresStartError(
        'PostgreSQL refuses to run as root, and there is no "postgres" system user to run it as: install Debian\'s postgresql package (it creates that user), or set DATABASE_URL',
      );
    }
  }
  const dataDir = prepareDataDir(opts.dataDir, as, log);
  const clusterDir = path.join(dataDir, 'cluster');
  const existingMajor = clusterMajor(clusterDir);

  const bins = findPostgres(existingMajor !== null ? { major: existingMajor } : {}) ?? findPostgres();
  if (!bins) throw new PostgresMissingError();
  if (existingMajor !== null && bins.major !== 0 && bins.major !== existingMajor) {
    throw new PostgresStartError(
      `the cluster in ${clusterDir} was made by PostgreSQL ${existingMajor}, and only PostgreSQL ${bins.major} is installed: install postgresql-${existingMajor} too (then pg_upgradecluster), or dump and restore`,
    );
  }

  const password = ensurePassword(path.join(dataDir, 'password'), as, existingMajor !== null);
  if (existingMajor === null) {
    log.info({ dataDir, version: bins.major || undefined }, 'creating the PostgreSQL cluster (initdb)');
    await runOnce(
      bins.initdb,
      ['-D', clusterDir, '-U', PG_USER, `--pwfile=${path.join(dataDir, 'password')}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-instructions'],
      as,
      dataDir,
      log,
    );
  }

  const port = opts.port ?? (await pickFreePort());
  if (!(await portIsFree(port))) {
    throw new PostgresStartError(`PostgreSQL cannot start: port 127.0.0.1:${port} is already in use (PG_LOCAL_PORT)`);
  }

  // The unix socket lives beside the cluster; a socket path must fit in sun_path (107 bytes).
  const socketDir = path.join(dataDir, `.s.PGSQL.${port}`).length <= 100 ? dataDir : '';
  if (!socketDir) log.debug({ dataDir }, 'data dir path too long for a unix socket: TCP only');
  const serverArgs = [
    '-D', clusterDir,
    '-p', String(port),
    '-c', 'listen_addresses=127.0.0.1',
    '-c', `unix_socket_directories=${socketDir}`,
    // Logs go to our stderr capture (tail in errors, debug level in the log).
    '-c', 'logging_collector=off',
  ];
  const [cmd, args] = command(bins.postgres, serverArgs, as, true);
  const tail: string[] = [];
  const child: ChildProcess = spawn(cmd, args, { cwd: dataDir, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });

  const state: { exit: { code: number | null; signal: NodeJS.Signals | null } | null; spawnError: Error | null } = { exit: null, spawnError: null };
  function killOnExit(): void {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  process.on('exit', killOnExit);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      state.exit = { code, signal };
      process.removeListener('exit', killOnExit);
      resolve();
    });
    child.once('error', (err) => {
      state.spawnError = err;
      if (child.pid === undefined) {
        state.exit = { code: null, signal: null };
        process.removeListener('exit', killOnExit);
        resolve();
      }
    });
  });
  child.stdout?.on('data', tailCollector(tail, log, { from: 'postgres' }));
  child.stderr?.on('data', tailCollector(tail, log, { from: 'postgres' }));

  const waitExit = async (ms: number): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]);
    clearTimeout(timer);
    return done;
  };
  const stop = async (): Promise<void> => {
    if (state.exit) return;
    child.kill('SIGINT'); // fast shutdown: disconnect clients, checkpoint, exit
    if (!(await waitExit(stopTimeoutMs)) && !state.exit) {
      log.warn({ pgPid: child.pid, stopTimeoutMs }, 'PostgreSQL did not stop after SIGINT; sending SIGQUIT');
      child.kill('SIGQUIT');
      if (!(await waitExit(5000)) && !state.exit) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    log.debug({ pgPid: child.pid, exit: state.exit }, 'PostgreSQL stopped');
  };

  // Ready when ioc can log in; a wrong password is not "not yet".
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (state.exit) {
      const { code, signal } = state.exit;
      throw new PostgresStartError(
        state.spawnError ? `PostgreSQL failed to start: ${state.spawnError.message}` : `PostgreSQL exited while starting (code ${code}, signal ${signal})`,
        [...tail],
      );
    }
    const client = new pg.Client({ connectionString: connectionUrl(password, port, 'postgres'), connectionTimeoutMillis: 1000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.end();
      break;
    } catch (err) {
      await client.end().catch(() => {});
      if (!notReadyYet(err as PgError)) {
        const lines = [...tail];
        await stop();
        throw new PostgresStartError(`PostgreSQL started but refused the login of ${PG_USER}: ${(err as Error).message}`, lines);
      }
    }
    if (Date.now() > deadline) {
      const lines = [...tail];
      await stop();
      throw new PostgresStartError(`PostgreSQL did not accept connections on 127.0.0.1:${port} within ${readyTimeoutMs} ms`, lines);
    }
    await waitExit(50);
  }

  try {
    await ensureDatabase(password, port);
  } catch (err) {
    await stop();
    throw new PostgresStartError(`could not create database ${PG_DATABASE}: ${(err as Error).message}`, [...tail]);
  }

  const pid = child.pid as number;
  log.info({ port, pgPid: pid, dataDir, version: bins.major || undefined, asUser: as ? 'postgres' : undefined, ms: Date.now() - started }, 'PostgreSQL ready');
  return { url: connectionUrl(password, port), port, pid, dataDir, stop };
}
