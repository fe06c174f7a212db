/**
 * Accounts, sessions and tokens live in PostgreSQL (issue #20), against the real server:
 *   - `npm run users` (the real CLI, its own process) on the server's database while the
 *     server runs: a user it disables is refused within a second, live socket included; a
 *     user it adds can log in at once;
 *   - another store on the same database (another server): its change reaches this one even
 *     after the server's LISTEN connection was cut (it reconnects and reloads);
 *   - sessions, users and display tokens survive a restart on the same database.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authServiceOn } from '../../server/auth/bootstrap.js';
import { openAuthStore } from '../../server/auth/store.js';
import { accountsDb } from '../harness/accounts.js';
import { connectConsole, EMBEDDED_BROKER, startTestApp, type TestApp } from '../harness/app.js';
import { bearer, login, refreshWith, testPassword, testUsername } from '../harness/auth.js';
import { startTestInfluxd } from '../harness/influxd.js';
import { forFile } from '../harness/stack.js';
import { ROOT } from '../../contract/root.js';
import { waitFor } from '../harness/wait.js';

const EMBEDDED = EMBEDDED_BROKER;
const influxd = forFile(startTestInfluxd, (i) => i.stop());

const me = async (app: TestApp, token: string) => (await fetch(`${app.url}/api/auth/me`, { headers: bearer(token) })).status;

/** `npm run users -- …` as an operator runs it on the server, on the app's database. */
function users(app: TestApp, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/auth/cli.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), DATABASE_URL: app.config.DATABASE_URL!, AUTH_DIR: app.config.AUTH_DIR, CITY_PACK: app.config.CITY_PACK },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('a running server and npm run users on its database', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ mqttUrl: '', influxUrl: influxd().url, env: EMBEDDED });
  });
  afterAll(async () => app?.stop());

  it('a user disabled by the CLI is refused within a second, live socket included', async () => {
    const s = await app.login('duty_officer');
    expect(await me(app, s.accessToken)).toBe(200);
    const c = await connectConsole(app.url, s.accessToken);
    const gone = new Promise<number>((r) => c.socket.on('disconnect', () => r(Date.now())));
    try {
      const cli = await users(app, ['disable', testUsername('duty_officer')]);
      const done = Date.now();
      expect(cli, cli.out).toMatchObject({ code: 0 });
      expect(cli.out).toContain('user duty-officer disabled');
      await waitFor(async () => (await me(app, s.accessToken)) === 401, { timeoutMs: 1000, intervalMs: 20, message: 'the disabled user still passes 1 s after the CLI answered' });
      expect((await gone) - done).toBeLessThan(1000);
      await expect(login(app.url, 'duty-officer', testPassword('duty-officer'))).rejects.toThrow(/HTTP 401/);
    } finally {
      c.close();
    }
  });

  it('a user added by the CLI logs in at once', async () => {
    const cli = await users(app, ['add', 'ca-truc', '--role', 'duty_officer', '--name', 'Ca trực đêm']);
    expect(cli, cli.out).toMatchObject({ code: 0 });
    const password = /password: (\S+)/.exec(cli.out)?.[1];
    expect(password).toBeTruthy();
    const s = await waitFor(() => login(app.url, 'ca-truc', password!), { timeoutMs: 1000, intervalMs: 20 });
    expect(s.user).toMatchObject({ username: 'ca-truc', displayName: 'Ca trực đêm', role: 'duty_officer' });
    // The CLI lists what the server wrote: its session included.
    const list = await users(app, ['list']);
    expect(list.out).toMatch(/^ca-truc\tduty_officer\t-\tactive\t1 sessions\tCa trực đêm$/m);
    expect(list.out).toMatch(/^duty-officer\tduty_officer\t-\tdisabled\t0 sessions/m);
  });

  it('a responder with a unit the city pack lacks is refused with the pack’s units listed', async () => {
    const cli = await users(app, ['add', 'xe115-2', '--role', 'responder', '--unit', 'u-amb-2']);
    expect(cli.code).toBe(1);
    expect(cli.out).toContain('no unit u-amb-2 in the city pack');
    // Each of the test town's units on a line of its own, id then name.
    for (const id of ['tt-u-amb', 'tt-u-fire', 'tt-u-police']) expect(cli.out).toMatch(new RegExp(`^  ${id}\\t\\S`, 'm'));
    const missing = await users(app, ['add', 'xe115-2', '--role', 'responder']);
    expect(missing.code).toBe(1);
    expect(missing.out).toContain('a responder needs a unit (--unit ID)');
    expect(missing.out).toMatch(/^  tt-u-amb\t/m);
    // Nothing was added; a unit from the list is taken.
    expect((await users(app, ['list'])).out).not.toMatch(/^xe115-2\t/m);
    const ok = await users(app, ['add', 'xe115-2', '--role', 'responder', '--unit', 'tt-u-amb']);
    expect(ok, ok.out).toMatchObject({ code: 0 });
    expect(ok.out).toContain('user xe115-2 added (responder, unit tt-u-amb)');
  });

  it('hears another server’s change after its LISTEN connection was cut (reconnects, reloads)', async () => {
    const s = await app.login('responder');
    const admin = new pg.Client({ connectionString: app.config.DATABASE_URL });
    await admin.connect();
    const db = await accountsDb(app.config.DATABASE_URL!);
    try {
      const killed = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'ioc-console:listen' AND pid <> pg_backend_pid()`);
      expect(killed.rowCount).toBe(1);
      // Another server on the same database disables the responder while this one is not listening.
      const other = authServiceOn(app.config, await openAuthStore(db), { log: pino({ level: 'silent' }) });
      await other.updateUser(testUsername('responder'), { disabled: true }, { username: 'other-server', role: 'admin' });
      await waitFor(async () => (await me(app, s.accessToken)) === 401, { timeoutMs: 5000, message: 'the change was lost with the LISTEN connection' });
      // Listening again: the next change arrives too (nothing polls: without LISTEN it never would). The window
      // holds a few logins, each a real scrypt check that a busy 2-core machine takes a second over.
      await other.updateUser(testUsername('responder'), { disabled: false }, { username: 'other-server', role: 'admin' });
      await waitFor(() => login(app.url, 'responder', testPassword('responder')), { timeoutMs: 5000, intervalMs: 20 });
    } finally {
      await db.close();
      await admin.end();
    }
  });
});

describe('a restart on the same database', () => {
  it('keeps users, sessions and display tokens: the access token, the refresh cookie and the wall still work', async () => {
    // Same database and signing key (AUTH_DIR/secret); a new process in every other respect.
    const authDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-restart-auth-'));
    const first = await startTestApp({ mqttUrl: '', influxUrl: influxd().url, env: { ...EMBEDDED, AUTH_DIR: authDir } });
    const env = { ...EMBEDDED, AUTH_DIR: authDir, DATABASE_URL: first.config.DATABASE_URL!, INFLUX_DATABASE: first.config.INFLUX_DATABASE };
    const s = await first.login('supervisor');
    const wall = await first.token('wall');
    const admin = await first.token('admin');
    const issued = (await (await fetch(`${first.url}/api/admin/display-tokens`, { method: 'POST', headers: { ...bearer(admin), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Tường 2' }) })).json()) as {
      data: { token: string };
    };
    await first.stop();

    const second = await startTestApp({ mqttUrl: '', influxUrl: influxd().url, env });
    try {
      expect(await me(second, s.accessToken)).toBe(200);
      const refreshed = await refreshWith(second.url, s.cookie);
      expect(refreshed.status).toBe(200);
      expect(((await refreshed.json()) as { data: { user: { username: string } } }).data.user.username).toBe('supervisor');
      expect((await fetch(`${second.url}/api/wall/today`, { headers: bearer(wall) })).status).toBe(200);
      expect((await fetch(`${second.url}/api/wall/today`, { headers: bearer(issued.data.token) })).status).toBe(200);
      // The replayed (pre-rotation) cookie is recognised after the restart too: the session ends.
      expect((await refreshWith(second.url, s.cookie)).status).toBe(401);
      expect(await me(second, s.accessToken)).toBe(401);
    } finally {
      await second.stop();
      fs.rmSync(authDir, { recursive: true, force: true });
    }
  });
});
