/**
 * Sessions for the bench's consoles (security issue #6): a `bench` duty officer
 * written through the real users store before the server starts (so it never
 * prints a first-start admin), then POST /api/auth/login for a token that the
 * Socket.IO consoles send in their handshake.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { testConfig } from '../../server/config.js';

const USER = 'bench';
const PASSWORD = 'bench-pass-2024-ioc';

export async function seedBenchUser(authDir: string): Promise<void> {
  fs.mkdirSync(authDir, { recursive: true });
  const { createAuthService } = await import('../../server/auth/bootstrap.js');
  const auth = createAuthService(testConfig({ AUTH_DIR: authDir }), { log: pino({ level: 'silent' }) });
  try {
    await auth.addUser({ username: USER, role: 'duty_officer', password: PASSWORD, displayName: 'Benchmark', unitId: null });
  } catch (err) {
    if ((err as { code?: string }).code !== 'conflict') throw err;
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
