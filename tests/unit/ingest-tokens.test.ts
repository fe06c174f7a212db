/**
 * Ingest tokens (server/ingest/tokens.ts, issue #19): issue, check, revoke and
 * expire, with an injected clock, on a store in memory (the logic only; the
 * PostgreSQL store and a second process's changes are in
 * tests/integration/ingest-tokens.test.ts and accounts-db.test.ts). The store
 * keeps the hash only.
 */
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { DbUnavailableError } from '../../server/db/journal.js';
import { IngestTokenError, IngestTokens, type IngestTokenRecord, type IngestTokenStore } from '../../server/ingest/tokens.js';

/** The store interface in memory; `down` plays a database that does not answer. */
class MemoryStore implements IngestTokenStore {
  readonly rows = new Map<string, IngestTokenRecord>();
  down = false;
  get available(): boolean {
    return !this.down;
  }
  list(): IngestTokenRecord[] {
    return [...this.rows.values()];
  }
  get(id: string): IngestTokenRecord | undefined {
    return this.rows.get(id);
  }
  put(r: IngestTokenRecord): number {
    this.rows.set(r.id, r);
    return 1;
  }
  stored(): Promise<void> {
    return this.down ? Promise.reject(new DbUnavailableError()) : Promise.resolve();
  }
}

const DAY = 86_400_000;
let store: MemoryStore;
let t: number;
let tokens: IngestTokens;

beforeEach(() => {
  store = new MemoryStore();
  t = Date.UTC(2026, 11, 6);
  tokens = new IngestTokens({ store, log: pino({ level: 'silent' }), now: () => t });
});

describe('IngestTokens', () => {
  it('issues ing_<id>_<secret>, stores only its hash, and checks it with its scopes', () => {
    const { token, info } = tokens.issue({ name: 'KTTV', senders: ['kttv@nt.gov.vn'], scopes: ['cap'] }, { username: 'chief', role: 'admin' });
    expect(token).toMatch(/^ing_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(info).toEqual({ id: token.slice(4, 20), name: 'KTTV', senders: ['kttv@nt.gov.vn'], scopes: ['cap'], createdAt: t, createdBy: 'chief', expiresAt: null, revokedAt: null });
    const raw = JSON.stringify(store.list());
    expect(raw).not.toContain(token.slice(21));
    expect(store.get(info.id)!.tokenHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tokens.authenticate(token, 'cap')).toEqual({ ok: true, token: info });
    expect(tokens.authenticate(token, 'stations')).toEqual({ ok: false, reason: 'scope' });
    expect(tokens.authenticate(undefined, 'cap')).toEqual({ ok: false, reason: 'missing' });
    expect(tokens.authenticate('Bearer x', 'cap')).toEqual({ ok: false, reason: 'malformed' });
    expect(tokens.authenticate(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, 'cap')).toEqual({ ok: false, reason: 'unknown' });
  });

  it('a revoked token and an expired one are refused; neither counts as usable', () => {
    const a = tokens.issue({ name: 'A', senders: ['a'], scopes: ['cap', 'stations'] });
    const b = tokens.issue({ name: 'B', senders: ['b'], ttlDays: 2 });
    expect(tokens.usable('cap')).toHaveLength(2);
    expect(tokens.usable('stations').map((x) => x.name)).toEqual(['A']);
    tokens.revoke(a.info.id);
    expect(tokens.authenticate(a.token, 'cap')).toEqual({ ok: false, reason: 'revoked' });
    expect(tokens.authenticate(b.token, 'cap').ok).toBe(true);
    t += 2 * DAY;
    expect(tokens.authenticate(b.token, 'cap')).toEqual({ ok: false, reason: 'expired' });
    expect(tokens.usable()).toEqual([]);
  });

  it('refuses bad input: no name, unknown scope, a CAP token without senders, a sender CAP forbids, a bad ttl', () => {
    const bad = (input: Parameters<IngestTokens['issue']>[0]) => expect(() => tokens.issue(input)).toThrow(IngestTokenError);
    bad({ name: '\u202E ', senders: ['a'] });
    bad({ name: 'x', senders: ['a'], scopes: ['cap', 'nope' as 'cap'] });
    bad({ name: 'x', senders: [], scopes: ['cap'] });
    bad({ name: 'x', senders: ['a b'] });
    bad({ name: 'x', senders: ['a,b'] });
    bad({ name: 'x', senders: ['a'], ttlDays: 0 });
    expect(tokens.issue({ name: 'stations only', scopes: ['stations'] }).info.senders).toEqual([]);
    expect(() => tokens.revoke('0000000000000000')).toThrow(/no such ingest token/);
  });

  it('issueStored and revokeStored answer once stored; while the database is away they refuse (503), issuing nothing', async () => {
    const { token, info } = await tokens.issueStored({ name: 'A', senders: ['a'] });
    expect(tokens.authenticate(token, 'cap').ok).toBe(true);
    store.down = true;
    const refused = await tokens.issueStored({ name: 'B', senders: ['b'] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(IngestTokenError);
    expect((refused as IngestTokenError).status).toBe(503);
    expect(tokens.list().map((x) => x.name)).toEqual(['A']);
    await expect(tokens.revokeStored(info.id)).rejects.toMatchObject({ code: 'unavailable' });
    expect(tokens.authenticate(token, 'cap').ok).toBe(true);
    store.down = false;
    expect(await tokens.revokeStored(info.id)).toMatchObject({ id: info.id, revokedAt: t });
    expect(tokens.authenticate(token, 'cap')).toEqual({ ok: false, reason: 'revoked' });
  });
});
