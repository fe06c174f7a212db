/**
 * The supervised local PostgreSQL (server/db/postgres.ts), on the real Debian binaries:
 * first start (initdb) and readiness, a `pg` client logging in with the URL it returns,
 * a restart on the same data dir keeping the data and the password, DATABASE_URL (an
 * existing cluster: nothing started), the pool surviving a dropped connection, clear
 * errors, the root rules (postgres user, reachable data dir) and the child dying with us.
 */
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { createPool, withPoolClient } from '../../server/db/pool.js';
import { openDatabase } from '../../server/db/database.js';
import { PostgresStartError } from '../../server/db/errors.js';
import { startPostgres } from '../../server/db/postgres.js';
import { rootFallbackDir } from '../../server/db/postgres-user.js';
import { freePort } from '../harness/ports.js';
import { postgresTempDir, queryRows, startTestPostgres, type TestPostgres } from '../harness/postgres.js';
import { waitFor } from '../harness/wait.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const quiet = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const isRoot = process.getuid?.() === 0;

/** The real uid of a process (/proc/PID/status). */
function processUid(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('Uid:'));
  return Number(line!.split(/\s+/)[1]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie has exited; only its entry is left.
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe('the supervised local cluster', () => {
  let db: TestPostgres;
  let firstStartMs = 0;

  beforeAll(async () => {
    const t0 = Date.now();
    db = await startTestPostgres();
    firstStartMs = Date.now() - t0;
  });
  afterAll(async () => {
    await db?.stop();
  });

  it('creates the cluster, starts it and gives a URL a pg client logs in with', async () => {
    expect(db.url).toMatch(new RegExp(`^postgres://ioc:[A-Za-z0-9_-]{20,}@127\\.0\\.0\\.1:${db.port}/ioc$`));
    const [row] = await queryRows<{ user: string; db: string; enc: string; listen: string }>(
      db.url,
      "SELECT current_user AS user, current_database() AS db, pg_encoding_to_char(encoding) AS enc, current_setting('listen_addresses') AS listen FROM pg_database WHERE datname = current_database()",
    );
    expect(row).toEqual({ user: 'ioc', db: 'ioc', enc: 'UTF8', listen: '127.0.0.1' });
    // The password is required (scram-sha-256), not trusted.
    const wrong = db.url.replace(/ioc:[^@]+@/, 'ioc:wrong@');
    await expect(queryRows(wrong, 'SELECT 1')).rejects.toThrow(/password authentication failed/);
    const [hba] = await queryRows<{ n: string }>(db.url, "SELECT count(*) AS n FROM pg_hba_file_rules WHERE auth_method NOT IN ('scram-sha-256')");
    expect(Number(hba!.n)).toBe(0);
    console.info(`[postgres] first start (initdb + start + ready + database): ${firstStartMs} ms`);
  });

  it('keeps the password in a 0600 file and the socket in the data dir; as root it runs as the postgres user', async () => {
    const pwFile = path.join(db.dataDir, 'password');
    expect(statSync(pwFile).mode & 0o777).toBe(0o600);
    expect(db.url).toContain(`:${readFileSync(pwFile, 'utf8').trim()}@`);
    expect(statSync(db.dataDir).mode & 0o777).toBe(0o700);
    expect(existsSync(path.join(db.dataDir, `.s.PGSQL.${db.port}`))).toBe(true);
    expect(existsSync(path.join(db.dataDir, 'cluster', 'PG_VERSION'))).toBe(true);
    const uid = processUid(db.pid);
    if (isRoot) {
      expect(uid).not.toBe(0);
      expect(statSync(path.join(db.dataDir, 'cluster')).uid).toBe(uid);
    } else {
      expect(uid).toBe(process.getuid!());
    }
  });
});

describe('a restart on the same data dir', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await postgresTempDir();
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the data and the password, and runs initdb only once', async () => {
    const first = await startPostgres({ dataDir: dir, port: await freePort(), logger: quiet });
    try {
      await queryRows(first.url, 'CREATE TABLE kept (v text)');
      await queryRows(first.url, "INSERT INTO kept VALUES ('before the restart')");
    } finally {
      await first.stop();
    }
    expect(alive(first.pid)).toBe(false);

    const t0 = Date.now();
    const second = await startPostgres({ dataDir: dir, port: await freePort(), logger: quiet });
    const restartMs = Date.now() - t0;
    try {
      const password = (u: string) => new URL(u).password;
      expect(password(second.url)).toBe(password(first.url));
      expect(await queryRows(second.url, 'SELECT v FROM kept')).toEqual([{ v: 'before the restart' }]);
      console.info(`[postgres] restart on an existing cluster (start + ready): ${restartMs} ms`);
    } finally {
      await second.stop();
    }
  });

  it('refuses a port already in use, and a cluster whose password file is gone, with a clear message', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
    try {
      await expect(startPostgres({ dataDir: dir, port, logger: quiet })).rejects.toThrow(new RegExp(`port 127\\.0\\.0\\.1:${port} is already in use`));
    } finally {
      blocker.close();
    }
    const pw = readFileSync(path.join(dir, 'password'));
    rmSync(path.join(dir, 'password'));
    try {
      const err = await startPostgres({ dataDir: dir, logger: quiet }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PostgresStartError);
      expect((err as Error).message).toMatch(/password file .* is missing/);
    } finally {
      writeFileSync(path.join(dir, 'password'), pw, { mode: 0o600 });
      if (isRoot) chownSync(path.join(dir, 'password'), statSync(dir).uid, statSync(dir).gid);
    }
  });
});

describe('DATABASE_URL: an existing PostgreSQL', () => {
  let db: TestPostgres;
  beforeAll(async () => {
    db = await startTestPostgres();
  });
  afterAll(async () => {
    await db?.stop();
  });

  it('is used as it is: nothing is started and the data dir is never touched', async () => {
    const unused = path.join(os.tmpdir(), `ioc-test-pg-unused-${process.pid}`);
    const config = loadConfig({ DATABASE_URL: db.url, PG_DATA_DIR: unused });
    expect(config.DATABASE_URL).toBe(db.url);
    const opened = await openDatabase(config, quiet);
    expect(opened).toMatchObject({ url: db.url, external: true });
    expect(existsSync(unused)).toBe(false);
    expect(existsSync(rootFallbackDir(unused))).toBe(false);
    expect(await queryRows(opened.url, 'SELECT current_database() AS db')).toEqual([{ db: 'ioc' }]);
    await opened.stop(); // does nothing to the external cluster
    expect(await queryRows(db.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('fails at once with a clear message, password masked, when it cannot be reached', async () => {
    const port = await freePort();
    const err = await openDatabase(loadConfig({ DATABASE_URL: `postgres://ioc:s3cret@127.0.0.1:${port}/ioc` }), quiet).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PostgresStartError);
    expect((err as Error).message).toMatch(new RegExp(`DATABASE_URL postgres://ioc:\\*\\*\\*@127\\.0\\.0\\.1:${port}/ioc cannot be reached`));
    expect((err as Error).message).not.toContain('s3cret');
  });

  it('rejects a DATABASE_URL that is not postgres://', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x@y/z' })).toThrow(/DATABASE_URL/);
    expect(loadConfig({ DATABASE_URL: 'postgresql://ioc:pw@db.city.local:5432/ioc' }).DATABASE_URL).toBe('postgresql://ioc:pw@db.city.local:5432/ioc');
    expect(loadConfig({}).DATABASE_URL).toBeUndefined();
  });

  it('gives a pool that names itself, bounds statements, and survives a dropped idle connection', async () => {
    const pool = createPool(db.url, { applicationName: 'ioc-test-pool', statementTimeoutMs: 500, max: 2, logger: quiet });
    try {
      const [me] = (await pool.query<{ app: string; pid: number }>("SELECT current_setting('application_name') AS app, pg_backend_pid() AS pid")).rows;
      expect(me!.app).toBe('ioc-test-pool');
      await expect(pool.query('SELECT pg_sleep(2)')).rejects.toThrow(/statement timeout/);
      // Two connections, both idle in the pool afterwards; then their server processes end from outside.
      await Promise.all([pool.query('SELECT pg_sleep(0.05)'), pool.query('SELECT pg_sleep(0.05)')]);
      const idle = pool.idleCount;
      expect(idle).toBeGreaterThan(0);
      await queryRows(db.url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ioc-test-pool'");
      // Each idle client emits 'error' on the pool (unhandled, that would end this process)...
      await waitFor(() => pool.idleCount === 0 || pool.totalCount < idle, { timeoutMs: 5000 });
      // ...and the next query takes a fresh connection.
      expect((await pool.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    } finally {
      await pool.end();
    }
  });

  it('withPoolClient: a connection ended while checked out is no uncaught error, fails the next query, and is not reused', async () => {
    const pool = createPool(db.url, { applicationName: 'ioc-test-checkout', max: 1, logger: quiet });
    try {
      const ended = withPoolClient(pool, async (c) => {
        const pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
        // Between two queries, as when PostgreSQL restarts while a batch is being written: the
        // client emits 'error' with no query to hand it to (unhandled, that would end this process).
        await queryRows(db.url, `SELECT pg_terminate_backend(${pid})`);
        await new Promise((r) => setTimeout(r, 300));
        await c.query('SELECT 1');
      });
      await expect(ended).rejects.toThrow(/terminat|Connection|not queryable/i);
      // The pool's only slot holds a fresh connection, not the dead one.
      expect((await pool.query('SELECT 3 AS three')).rows).toEqual([{ three: 3 }]);
    } finally {
      await pool.end();
    }
  });
});

describe('the root rules and the child process', () => {
  it(isRoot ? 'as root: a data dir the postgres user cannot reach is replaced by /var/lib/ioc-console/postgres-<hash>, and said so' : 'not root: the configured data dir is used as it is', async () => {
    // A private folder (mode 0700, owned by this user), like a checkout under /root.
    const privateDir = mkdtempSync(path.join(os.tmpdir(), 'ioc-test-private-'));
    const configured = path.join(privateDir, 'data', 'postgres');
    const expected = isRoot ? rootFallbackDir(configured) : configured;
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    try {
      const h = await startPostgres({ dataDir: configured, logger });
      try {
        expect(h.dataDir).toBe(expected);
        expect(await queryRows(h.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
        if (isRoot) {
          expect(expected).toMatch(/^\/var\/lib\/ioc-console\/postgres-[0-9a-f]{10}$/);
          expect(existsSync(configured)).toBe(false);
          expect(lines.join('')).toMatch(/not reachable by the postgres system user/);
          expect(lines.join('')).toContain(expected);
          expect(processUid(h.pid)).toBe(statSync(expected).uid);
          expect(statSync(expected).mode & 0o777).toBe(0o700);
        } else {
          expect(readdirSync(configured).sort()).toEqual(expect.arrayContaining(['cluster', 'password']));
        }
      } finally {
        await h.stop();
      }
    } finally {
      rmSync(privateDir, { recursive: true, force: true });
      if (isRoot) rmSync(expected, { recursive: true, force: true });
    }
  });

  it('creates a PG_DATA_DIR that does not exist yet where it was asked for, when its parents are reachable (a checkout under /srv)', async () => {
    // Like /srv/ioc-console: a folder readable by all, without data/ yet.
    const checkout = mkdtempSync(path.join(os.tmpdir(), 'ioc-test-checkout-'));
    chmodSync(checkout, 0o755);
    const configured = path.join(checkout, 'data', 'postgres');
    try {
      const h = await startPostgres({ dataDir: configured, logger: quiet });
      try {
        expect(h.dataDir).toBe(configured);
        expect(await queryRows(h.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
        expect(statSync(configured).mode & 0o777).toBe(0o700);
        expect(statSync(path.join(checkout, 'data')).mode & 0o777).toBe(0o755);
        expect(statSync(configured).uid).toBe(processUid(h.pid));
        if (isRoot) expect(processUid(h.pid)).not.toBe(0);
      } finally {
        await h.stop();
      }
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }
  });

  it('dies with the process that started it, even one killed by SIGKILL', async () => {
    const dir = await postgresTempDir();
    try {
      // A separate Node process (like `npm start`'s server) starts a cluster, prints its pid, waits.
      const script = [
        "import { startPostgres } from './server/db/postgres.ts';",
        `const h = await startPostgres({ dataDir: ${JSON.stringify(dir)}, logger: (await import('pino')).pino({ level: 'silent' }) });`,
        'process.stdout.write(`pid ${h.pid}\\n`);',
        'setInterval(() => {}, 1000);',
      ].join('\n');
      const owner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      owner.stdout.on('data', (c: Buffer) => (out += c.toString()));
      owner.stderr.on('data', (c: Buffer) => (out += c.toString()));
      await waitFor(() => /pid \d+/.test(out) || owner.exitCode !== null, { timeoutMs: 60_000 });
      const pid = Number(/pid (\d+)/.exec(out)?.[1]);
      expect(pid, out).toBeGreaterThan(0);
      expect(alive(pid)).toBe(true);
      owner.kill('SIGKILL');
      await waitFor(() => !alive(pid), { timeoutMs: 10_000 });
      expect(alive(pid)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
