/**
 * The versioned migrations (server/db/migrate.ts, server/db/migrations/*.sql) on a real
 * PostgreSQL: an empty database gets every table; a database at each earlier version ends
 * at the same schema as a fresh one; a second run applies nothing; servers migrating at
 * once apply each file exactly once; the Down sections undo it all. Then the schema's own
 * guarantees: one event per stream version (the compare-and-set), append-only events and
 * audit, one open alert per condition, the CHECKed enumerations.
 */
import { readdirSync } from 'node:fs';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, MIGRATIONS_DIR, MIGRATIONS_TABLE } from '../../server/db/migrate.js';
import { createDatabase, startTestPostgres, type TestPostgres } from '../harness/postgres.js';

const quiet = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const FILES = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort();
const TABLES = ['alerts', 'audit', 'cluster_leader', 'devices', 'display_tokens', 'events', 'evidence', 'imports', 'incidents', 'ingest_tokens', 'open311_requests', 'sessions', 'units', 'users', 'vc_meetings'];

let db: TestPostgres;
let counter = 0;

/** A fresh empty database in the file's cluster; returns its URL. */
async function freshDatabase(): Promise<string> {
  return createDatabase(db.url, `m${++counter}`);
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Everything that makes the schema: columns, constraints, indexes, triggers, functions; sorted text. */
async function schemaOf(url: string): Promise<Record<string, string[]>> {
  return withClient(url, async (c) => {
    const rows = async (sql: string) => (await c.query<{ s: string }>(sql)).rows.map((r) => r.s).sort();
    return {
      columns: await rows(`SELECT concat_ws(' ', table_name, column_name, data_type, udt_name, is_nullable, column_default) AS s
        FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '${MIGRATIONS_TABLE}'`),
      constraints: await rows(`SELECT concat_ws(' ', conrelid::regclass::text, conname, pg_get_constraintdef(oid)) AS s
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid <> '${MIGRATIONS_TABLE}'::regclass`),
      tableConstraints: await rows(`SELECT concat_ws(' ', table_name, constraint_name, constraint_type) AS s
        FROM information_schema.table_constraints WHERE table_schema = 'public' AND table_name <> '${MIGRATIONS_TABLE}'
        AND constraint_name !~ '^[0-9]+_[0-9]+_[0-9]+_not_null$'`), // NOT NULL is in columns; these names carry OIDs
      indexes: await rows(`SELECT indexdef AS s FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '${MIGRATIONS_TABLE}'`),
      triggers: await rows(`SELECT concat_ws(' ', tgrelid::regclass::text, tgname, pg_get_triggerdef(oid)) AS s FROM pg_trigger WHERE NOT tgisinternal`),
      functions: await rows(`SELECT p.proname || ' ' || pg_get_function_identity_arguments(p.oid) AS s FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace`),
    };
  });
}

async function tables(url: string): Promise<string[]> {
  return withClient(url, async (c) =>
    (await c.query<{ t: string }>("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")).rows.map((r) => r.t),
  );
}

beforeAll(async () => {
  db = await startTestPostgres();
});
afterAll(async () => {
  await db?.stop();
});

describe('migrate()', () => {
  it('has its migrations as numbered .sql files with Up and Down sections', () => {
    expect(FILES.length).toBeGreaterThan(0);
    for (const f of FILES) expect(f).toMatch(/^\d{4}_[a-z0-9-]+\.sql$/);
  });

  it('migrates an empty database: every table of the system of record', async () => {
    const url = await freshDatabase();
    const t0 = Date.now();
    const applied = await migrate(url, quiet);
    const ms = Date.now() - t0;
    expect(applied.map((m) => m.name)).toEqual(FILES.map((f) => f.replace(/\.sql$/, '')));
    expect(await tables(url)).toEqual([...TABLES, MIGRATIONS_TABLE].sort());
    console.info(`[migrations] empty database to the latest schema (${FILES.length} file(s)): ${ms} ms`);
  });

  it('brings a database at each earlier version to the same schema as a fresh one', async () => {
    const fresh = await freshDatabase();
    await migrate(fresh, quiet);
    const want = await schemaOf(fresh);
    expect(want.columns!.length).toBeGreaterThan(50);
    for (let k = 0; k < FILES.length; k++) {
      const url = await freshDatabase();
      expect((await migrate(url, quiet, { count: k })).length, `at version ${k}`).toBe(k);
      const rest = await migrate(url, quiet);
      expect(rest.map((m) => `${m.name}.sql`), `from version ${k}`).toEqual(FILES.slice(k));
      expect(await schemaOf(url), `from version ${k}`).toEqual(want);
    }
  });

  it('applies nothing the second time', async () => {
    const url = await freshDatabase();
    await migrate(url, quiet);
    const t0 = Date.now();
    expect(await migrate(url, quiet)).toEqual([]);
    console.info(`[migrations] a start with the schema current: ${Date.now() - t0} ms`);
    const runs = await withClient(url, async (c) => (await c.query(`SELECT name FROM ${MIGRATIONS_TABLE}`)).rows);
    expect(runs).toHaveLength(FILES.length);
  });

  it('is safe when several servers start at once: all succeed, each file is applied once', async () => {
    const url = await freshDatabase();
    const results = await Promise.all([1, 2, 3].map(() => migrate(url, quiet)));
    // One of them applied everything under the advisory lock; the others waited, then found nothing to do.
    expect(results.map((r) => r.length).sort()).toEqual([0, 0, FILES.length]);
    const runs = await withClient(url, async (c) => (await c.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`)).rows);
    expect(runs.map((r) => `${r.name}.sql`)).toEqual(FILES);
    expect(await tables(url)).toEqual([...TABLES, MIGRATIONS_TABLE].sort());
  });

  it('undoes every migration with its Down section, and applies them again', async () => {
    const url = await freshDatabase();
    await migrate(url, quiet);
    const want = await schemaOf(url);
    await runner({
      databaseUrl: url,
      dir: MIGRATIONS_DIR,
      migrationsTable: MIGRATIONS_TABLE,
      direction: 'down',
      count: Infinity,
      log: () => {},
    });
    expect(await tables(url)).toEqual([MIGRATIONS_TABLE]);
    expect(Object.values(await schemaOf(url)).flat()).toEqual([]);
    await migrate(url, quiet);
    expect(await schemaOf(url)).toEqual(want);
  });
});

describe('the schema', () => {
  let url: string;
  beforeAll(async () => {
    url = await freshDatabase();
    await migrate(url, quiet);
  });

  const appendEvent = (c: pg.ClientBase, type: string, id: string, version: number) =>
    c.query("INSERT INTO events (event_id, stream_type, stream_id, version, type, data, actor) VALUES (gen_random_uuid(), $1, $2, $3, 'raised', '{}', 'system') RETURNING global_seq", [type, id, version]);

  it('holds one event per stream version: a second event with the same version is refused', async () => {
    await withClient(url, async (c) => {
      await appendEvent(c, 'incident', 'inc-1', 1);
      const err = await appendEvent(c, 'incident', 'inc-1', 1).catch((e: unknown) => e as pg.DatabaseError);
      expect(err).toBeInstanceOf(Error);
      expect((err as pg.DatabaseError).code).toBe('23505'); // unique_violation: the store answers `conflict`
      expect((err as pg.DatabaseError).constraint).toBe('events_stream_version_key');
      await appendEvent(c, 'incident', 'inc-1', 2);
      // A stream is (type, id): a city-pack unit named like an incident has a stream of its own.
      await appendEvent(c, 'unit', 'inc-1', 1);
      await expect(appendEvent(c, 'incident', 'inc-1', 0)).rejects.toThrow(/check constraint/);
      const { rows } = await c.query("SELECT stream_type, version FROM events WHERE stream_id = 'inc-1' ORDER BY global_seq");
      expect(rows).toEqual([
        { stream_type: 'incident', version: 1 },
        { stream_type: 'incident', version: 2 },
        { stream_type: 'unit', version: 1 },
      ]);
    });
  });

  it('decides between two concurrent commands on the same version: one commits, one conflicts, one event', async () => {
    const a = new pg.Client({ connectionString: url });
    const b = new pg.Client({ connectionString: url });
    await Promise.all([a.connect(), b.connect()]);
    try {
      await withClient(url, (c) => appendEvent(c, 'alert', 'al-cas', 1));
      // Both read version 1, both write version 2, in transactions open at the same time.
      await a.query('BEGIN');
      await b.query('BEGIN');
      const read = "SELECT max(version) AS v FROM events WHERE stream_type = 'alert' AND stream_id = 'al-cas'";
      expect((await a.query(read)).rows[0].v).toBe(1);
      expect((await b.query(read)).rows[0].v).toBe(1);
      await appendEvent(a, 'alert', 'al-cas', 2);
      // b's insert waits on a's uncommitted row, then fails once a commits.
      const bInsert = appendEvent(b, 'alert', 'al-cas', 2).then(
        () => 'committed',
        (e: pg.DatabaseError) => e.code,
      );
      await a.query('COMMIT');
      expect(await bInsert).toBe('23505');
      await b.query('ROLLBACK');
      const { rows } = await a.query("SELECT version FROM events WHERE stream_id = 'al-cas' ORDER BY version");
      expect(rows).toEqual([{ version: 1 }, { version: 2 }]);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });

  it('keeps events and audit append-only', async () => {
    await withClient(url, async (c) => {
      await c.query("INSERT INTO audit (entity, type, target, actor, role, address, result) VALUES ('incident', 'acknowledge', 'inc-1', 'officer1', 'duty_officer', '10.0.0.5', 'ok')");
      await expect(c.query("UPDATE events SET type = 'forged'")).rejects.toThrow(/events is append-only: UPDATE refused/);
      await expect(c.query('DELETE FROM events')).rejects.toThrow(/events is append-only: DELETE refused/);
      await expect(c.query("UPDATE audit SET result = 'refused'")).rejects.toThrow(/audit is append-only/);
      await expect(c.query('DELETE FROM audit')).rejects.toThrow(/audit is append-only/);
      await expect(c.query("INSERT INTO audit (entity, type, actor, result) VALUES ('auth', 'login', 'x', 'maybe')")).rejects.toThrow(/check constraint/);
      expect((await c.query('SELECT count(*)::int AS n FROM audit')).rows[0].n).toBe(1);
    });
  });

  it('holds at most one open alert per condition (dedupe key), however many are cleared', async () => {
    const alert = (id: string, status: string) => [id, JSON.stringify({ id }), status, 'camera_offline:cam-1'];
    const insert = "INSERT INTO alerts (id, version, state, status, severity, rule, dedupe_key, source_kind, source_id, first_seen, last_seen) VALUES ($1, 1, $2, $3, 'major', 'camera_offline', $4, 'camera', 'cam-1', now(), now())";
    await withClient(url, async (c) => {
      await c.query(insert, alert('al-a', 'cleared'));
      await c.query(insert, alert('al-b', 'cleared'));
      await c.query(insert, alert('al-c', 'active'));
      await expect(c.query(insert, alert('al-d', 'acknowledged'))).rejects.toThrow(/alerts_open_dedupe_key/);
      await expect(c.query(insert, alert('al-e', 'open'))).rejects.toThrow(/check constraint/);
    });
  });

  it('stores accounts, devices and tokens in the shapes of the JSON stores', async () => {
    await withClient(url, async (c) => {
      await c.query("INSERT INTO users (id, username, display_name, role, password_hash) VALUES ('u1', 'officer1', 'Officer One', 'duty_officer', 'scrypt$...')");
      await expect(c.query("INSERT INTO users (id, username, display_name, role, password_hash) VALUES ('u2', 'Officer1', 'x', 'duty_officer', 'h')")).rejects.toThrow(/check constraint/);
      await expect(c.query("INSERT INTO users (id, username, display_name, role, password_hash) VALUES ('u3', 'officer1', 'x', 'duty_officer', 'h')")).rejects.toThrow(/users_username_key/);
      await expect(c.query("INSERT INTO users (id, username, display_name, role, password_hash) VALUES ('u4', 'boss', 'x', 'mayor', 'h')")).rejects.toThrow(/check constraint/);
      await c.query("INSERT INTO sessions (id, user_id, refresh_hash, expires_at, ip) VALUES ('s1', 'u1', 'h1', now() + interval '12 hours', '10.0.0.5')");
      await c.query("INSERT INTO display_tokens (id, name, token_hash, created_by, expires_at) VALUES ('d1', 'Wall 1', 'th1', 'admin', now() + interval '365 days')");
      await c.query("INSERT INTO devices (id, kind, secret_hash, cap_senders) VALUES ('gw-kttv', 'source', 'sh', ARRAY['canhbao@kttv.ninhthuan.gov.vn'])");
      await expect(c.query("INSERT INTO devices (id, kind, secret_hash) VALUES ('bad id', 'camera', 'sh')")).rejects.toThrow(/check constraint/);
      await c.query("INSERT INTO ingest_tokens (id, name, senders, scopes, token_hash, created_by) VALUES ('t1', 'KTTV', ARRAY['a@b'], ARRAY['cap'], 'ih', 'admin')");
      await expect(c.query("INSERT INTO ingest_tokens (id, name, scopes, token_hash, created_by) VALUES ('t2', 'x', ARRAY['everything'], 'ih2', 'admin')")).rejects.toThrow(/check constraint/);
      expect((await c.query("SELECT cap_senders FROM devices WHERE id = 'gw-kttv'")).rows[0].cap_senders).toEqual(['canhbao@kttv.ninhthuan.gov.vn']);
      // Deleting a user ends their sessions.
      await c.query("DELETE FROM users WHERE id = 'u1'");
      expect((await c.query('SELECT count(*)::int AS n FROM sessions')).rows[0].n).toBe(0);
    });
  });
});
