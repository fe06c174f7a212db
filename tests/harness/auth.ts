/**
 * Test people: every app started by the harness has one account per role
 * with a known password, and one wall display token. `seedUsers` writes them
 * through the real users store (server/auth) before the app starts, so the
 * app never generates (and prints) a first admin; it is idempotent, so an
 * app restarted on the same AUTH_DIR keeps the same accounts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Role, Session } from '../../contract/auth.js';
import { createAuthService } from '../../server/auth/bootstrap.js';
import { AuthError } from '../../server/auth/service.js';
import type { Config } from '../../server/config.js';
import { pino } from 'pino';

export type TestRole = Exclude<Role, 'wall'>;
export const TEST_ROLES: readonly TestRole[] = ['admin', 'supervisor', 'duty_officer', 'responder'];

/** Username = role (with - for _), password = `<username>-pass-2024`. */
export const testUsername = (role: TestRole) => role.replace('_', '-');
export const testPassword = (username: string) => `${username}-pass-2024`;

export interface SeededAuth {
  /** The wall's display token (`dsp_…`). */
  displayToken: string;
  /** The unit the test responder is bound to. */
  responderUnit: string;
}

export async function seedUsers(config: Config, units: string[]): Promise<SeededAuth> {
  const auth = createAuthService(config, { log: pino({ level: 'silent' }), knownUnits: new Set(units) });
  const responderUnit = units[0]!;
  for (const role of TEST_ROLES) {
    const username = testUsername(role);
    try {
      await auth.addUser({ username, role, password: testPassword(username), displayName: `Test ${role}`, unitId: role === 'responder' ? responderUnit : null });
    } catch (err) {
      if (!(err instanceof AuthError && err.code === 'conflict')) throw err;
    }
  }
  const existing = auth.listDisplayTokens().find((t) => t.name === 'Test wall' && t.revokedAt === null);
  // A display token's secret is only known when issued: keep it beside the users file for restarts.
  const keep = path.join(config.AUTH_DIR, 'test-display-token');
  const displayToken = existing && fs.existsSync(keep) ? fs.readFileSync(keep, 'utf8') : auth.issueDisplayToken('Test wall').token;
  fs.writeFileSync(keep, displayToken, { mode: 0o600 });
  return { displayToken, responderUnit };
}

/** POST /api/auth/login; throws with the server's answer when refused. */
export async function login(url: string, username: string, password: string): Promise<Session> {
  const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const body = (await res.json()) as { ok: boolean; data?: Session; error?: { message: string } };
  if (!body.ok || !body.data) throw new Error(`login ${username}: HTTP ${res.status} ${body.error?.message ?? ''}`);
  return body.data;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
