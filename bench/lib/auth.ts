/**
 * Sessions for the bench's consoles (security issue #6): a `bench` duty officer
 * written through the real users store before the server starts (so it never
 * prints a first-start admin), then POST /api/auth/login for a token that the
 * Socket.IO consoles send in their handshake.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../server/config.js';

const USER = 'bench';
const PASSWORD = 'bench-pass-2024-ioc';
/** The bench duty officer's credentials, for a browser that signs in (a refresh cookie in its jar). */
export const BENCH_USER = { username: USER, password: PASSWORD } as const;

export async function seedBenchUser(authDir: string): Promise<void> {
  fs.mkdirSync(authDir, { recursive: true });
  const { createAuthService } = await import('../../server/auth/bootstrap.js');
  const { openAccountsDb } = await import('../../server/db/accounts-sync.js');
  const { attachDatabase } = await import('../../server/db/attach.js');
  const { migrate } = await import('../../server/db/migrate.js');
  // Into the database the server will use (DATABASE_URL, or the local cluster), as `npm run users -- add` does.
  // The defaults and these two, not the bench's own environment (its ports and tuning are the server's).
  const config = loadConfig({ AUTH_DIR: authDir, ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}) });
  const log = pino({ level: 'silent' });
  const database = await attachDatabase(config, log);
  try {
    await migrate(database.url, log);
    const db = openAccountsDb(database.url, log);
    try {
      const auth = await createAuthService(config, { log, db });
      await auth.addUser({ username: USER, role: 'duty_officer', password: PASSWORD, displayName: 'Benchmark', unitId: null });
    } catch (err) {
      if ((err as { code?: string }).code !== 'conflict') throw err;
    } finally {
      await db.close();
    }
  } finally {
    await database.stop();
  }
}

/** An access token for the bench user, or null when the server has no login (before issue #6). */
export async function benchToken(url: string): Promise<string | null> {
  return (await benchSession(url))?.accessToken ?? null;
}

/** The bench user's whole session (what the console client keeps in localStorage), or null without login. */
export async function benchSession(url: string): Promise<{ accessToken: string } | null> {
  const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: USER, password: PASSWORD }) });
  if (res.status === 404) return null;
  const body = (await res.json()) as { ok: boolean; data?: { accessToken: string }; error?: { message: string } };
  if (!body.ok || !body.data) throw new Error(`bench login refused: HTTP ${res.status} ${body.error?.message ?? ''}`);
  return body.data;
}

export const authDirFor = (spoolDir: string) => path.join(path.dirname(spoolDir), `${path.basename(spoolDir)}-auth`);
