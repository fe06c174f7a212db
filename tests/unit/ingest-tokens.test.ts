/**
 * Ingest tokens (server/ingest/tokens.ts, issue #19): issue, check, revoke and
 * expire, with an injected clock; the file store keeps hashes only, mode 0600,
 * and a second store on the same file (the CLI beside the server) sees changes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { FileIngestTokenStore, IngestTokenError, IngestTokens } from '../../server/ingest/tokens.js';

const DAY = 86_400_000;
let file: string;
let t: number;
let tokens: IngestTokens;

beforeEach(() => {
  file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-ingest-tokens-')), 'ingest-tokens.json');
  t = Date.UTC(2026, 11, 6);
  tokens = new IngestTokens({ store: new FileIngestTokenStore(file), log: pino({ level: 'silent' }), now: () => t });
});

describe('IngestTokens', () => {
  it('issues ing_<id>_<secret>, stores only its hash (mode 0600), and checks it with its scopes', () => {
    const { token, info } = tokens.issue({ name: 'KTTV', senders: ['kttv@nt.gov.vn'], scopes: ['cap'] }, { username: 'chief', role: 'admin' });
    expect(token).toMatch(/^ing_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(info).toEqual({ id: token.slice(4, 20), name: 'KTTV', senders: ['kttv@nt.gov.vn'], scopes: ['cap'], createdAt: t, createdBy: 'chief', expiresAt: null, revokedAt: null });
    const raw = fs.readFileSync(file, 'utf8');
    expect(raw).not.toContain(token.slice(21));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
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

  it('another store on the same file (the CLI beside a running server) sees a token at once', () => {
    const cli = new IngestTokens({ store: new FileIngestTokenStore(file), log: pino({ level: 'silent' }), now: () => t });
    expect(tokens.usable()).toEqual([]);
    const { token } = cli.issue({ name: 'from the CLI', senders: ['s'] });
    // The server's store re-reads a changed file at most once a second.
    const deadline = Date.now() + 3000;
    while (!tokens.authenticate(token, 'cap').ok && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    expect(tokens.authenticate(token, 'cap').ok).toBe(true);
  });
});
