/**
 * Duty officers for the commands suite: `bench-officer-NN`, written into the server's
 * database before it starts, through the real accounts store (as tests/harness/auth.ts
 * does), one password hash for all (scrypt is slow on purpose); then one login each.
 */
import crypto from 'node:crypto';
import { pino } from 'pino';
import { openAuthStore } from '../../server/auth/store.js';
import { hashPassword } from '../../server/auth/passwords.js';
import { openAccountsDb } from '../../server/db/accounts-sync.js';
import { migrate } from '../../server/db/migrate.js';

const PASSWORD = 'bench-officer-pass-2024';
export const officerName = (i: number) => `bench-officer-${String(i).padStart(2, '0')}`;

export async function seedOfficers(databaseUrl: string, n: number): Promise<void> {
  const log = pino({ level: 'silent' });
  await migrate(databaseUrl, log);
  const db = openAccountsDb(databaseUrl, log);
  try {
    const store = await openAuthStore(db);
    const hash = await hashPassword(PASSWORD);
    const writes: number[] = [];
    for (let i = 0; i < n; i++) {
      const username = officerName(i);
      if (store.userByName(username)) continue;
      const t = Date.now();
      writes.push(store.putUser({ id: crypto.randomUUID(), username, displayName: `Officer ${i}`, role: 'duty_officer', unitId: null, passwordHash: hash, disabled: false, createdAt: t, updatedAt: t }));
    }
    await store.stored(writes);
  } finally {
    await db.close();
  }
}

/** Access tokens of officers 0 … n-1 (the server needs RATE_LIMIT_LOGIN_PER_MIN ≥ n). */
export async function officerTokens(url: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: officerName(i), password: PASSWORD }) });
    const body = (await res.json()) as { ok: boolean; data?: { accessToken: string }; error?: { message: string } };
    if (!body.ok || !body.data) throw new Error(`login of ${officerName(i)} refused: HTTP ${res.status} ${body.error?.message ?? ''}`);
    out.push(body.data.accessToken);
  }
  return out;
}
