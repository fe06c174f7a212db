/**
 * Ingest tokens (issue #19): who may push into `/api/ingest/*`. An admin issues
 * one per sending system (`npm run users -- ingest-token add`, or /admin) with a
 * name, the CAP senders it may speak for, what it may do (`cap`, `stations`), an
 * optional expiry. With no usable token for a route, that route is off.
 *
 * Form `ing_<16 hex id>_<256-bit random, base64url>`, sent as
 * `Authorization: Bearer`; only the SHA-256 of the random part is stored, as for
 * display tokens (server/auth/service.ts). Issuing, revoking and every station
 * import are audited in the event log (entity `ingest`).
 *
 * The store is behind IngestTokenStore. The implementation here is PostgreSQL (table
 * ingest_tokens) with an in-memory copy for the check on every push
 * (server/db/accounts-sync.ts): a token issued or revoked by the CLI on a running server,
 * or by another server, takes effect within a second, without a restart.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import type { Config } from '../config.js';
import { INGEST_SCOPES, type IngestScope, type IngestTokenInfo, type IngestTokenStatus } from '../../contract/auth.js';
import { ms, SyncedTable, type AccountsDb } from '../db/accounts-sync.js';
import { DbUnavailableError } from '../db/journal.js';
import { iso } from '../db/sor.js';
import type { EventLog } from '../events/log.js';
import type { Logger } from '../log.js';
import { randomToken, safeEqual, sha256 } from '../auth/tokens.js';


export interface IngestTokenRecord extends IngestTokenInfo {
  /** SHA-256 (base64url) of the random part. */
  tokenHash: string;
}

export interface IngestTokenStore {
  list(): IngestTokenRecord[];
  get(id: string): IngestTokenRecord | undefined;
  /** Returns the write's journal sequence number, for `stored` (0: nothing to wait for). */
  put(t: IngestTokenRecord): number;
  /** False while the database is away. */
  readonly available: boolean;
  /** Resolves once those writes are stored; DbUnavailableError after the store's timeout. */
  stored(seqs: readonly number[]): Promise<void>;
}

/** Where an earlier installation kept the tokens: read once by the import (server/db/import.ts). */
export function ingestTokensFile(config: Pick<Config, 'AUTH_DIR'>): string {
  return path.join(config.AUTH_DIR, 'ingest-tokens.json');
}

const COLUMNS = 'id, name, senders, scopes, token_hash, created_at, created_by, expires_at, revoked_at';

function tokenOf(r: Record<string, unknown>): IngestTokenRecord {
  return {
    id: String(r.id),
    name: String(r.name),
    senders: Array.isArray(r.senders) ? (r.senders as string[]) : [],
    scopes: Array.isArray(r.scopes) ? (r.scopes as IngestScope[]) : [],
    tokenHash: String(r.token_hash),
    createdAt: ms(r.created_at)!,
    createdBy: String(r.created_by),
    expiresAt: ms(r.expires_at),
    revokedAt: ms(r.revoked_at),
  };
}

export class PgIngestTokenStore implements IngestTokenStore {
  private readonly table: SyncedTable<IngestTokenRecord>;

  constructor(db: AccountsDb) {
    this.table = new SyncedTable(db, { table: 'ingest_tokens', select: `SELECT ${COLUMNS} FROM ingest_tokens`, fromRow: tokenOf }, (t) => t.id);
  }

  async open(): Promise<this> {
    await this.table.open();
    return this;
  }
  close(): Promise<void> {
    return this.table.close();
  }
  get available(): boolean {
    return this.table.available;
  }
  stored(seqs: readonly number[]): Promise<void> {
    return this.table.stored(seqs);
  }
  list(): IngestTokenRecord[] {
    return [...this.table.rows.values()];
  }
  get(id: string): IngestTokenRecord | undefined {
    return this.table.rows.get(id);
  }
  put(t: IngestTokenRecord): number {
    return this.table.write(
      [[t.id, t]],
      `INSERT INTO ingest_tokens (${COLUMNS}) VALUES ($1, $2, $3::text[], $4::text[], $5, $6, $7, $8, $9)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, senders = EXCLUDED.senders, scopes = EXCLUDED.scopes, token_hash = EXCLUDED.token_hash,
         expires_at = EXCLUDED.expires_at, revoked_at = EXCLUDED.revoked_at`,
      [t.id, t.name, t.senders, t.scopes, t.tokenHash, iso(t.createdAt), t.createdBy, iso(t.expiresAt), iso(t.revokedAt)],
    );
  }
}

export class IngestTokenError extends Error {
  constructor(
    readonly code: 'bad_request' | 'not_found' | 'unavailable',
    message: string,
  ) {
    super(message);
  }
  get status(): number {
    return this.code === 'not_found' ? 404 : this.code === 'unavailable' ? 503 : 400;
  }
}

export type IngestAuthFailure = 'missing' | 'malformed' | 'unknown' | 'revoked' | 'expired' | 'scope';

export const INGEST_FAILURE_MESSAGES: Record<IngestAuthFailure, string> = {
  missing: 'an ingest token is required (Authorization: Bearer ing_…)',
  malformed: 'not an ingest token (ing_<id>_<secret>)',
  unknown: 'ingest token not valid',
  revoked: 'ingest token revoked',
  expired: 'ingest token expired',
  scope: 'this ingest token may not do that',
};

export interface NewIngestToken {
  name: string;
  senders?: readonly string[] | undefined;
  /** Default: cap only (the least it can be). */
  scopes?: readonly IngestScope[] | undefined;
  /** Days until it expires; none = until revoked. */
  ttlDays?: number | null | undefined;
}

/** Who issues or revokes (an admin, or the CLI on the server). */
export interface IngestActor {
  username: string;
  role: string;
}

/** One line of the ingest audit (entity `ingest` in the event log). */
export interface IngestAudit {
  type: string;
  /** Token id. */
  id: string;
  by: string;
  role?: string | undefined;
  result?: 'ok' | 'refused';
  note?: string | undefined;
}

const CLI: IngestActor = { username: 'cli', role: 'admin' };
/** A CAP sender as parseCap accepts it (server/ingest/cap/parse.ts: no spaces, commas, "<" or "&"). */
const SENDER_RE = /^[^\s,<&]{1,256}$/;
const TOKEN_RE = /^ing_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const DAY_MS = 86_400_000;

export class IngestTokens {
  private events: EventLog | null = null;
  private readonly now: () => number;

  constructor(private readonly opts: { store: IngestTokenStore; log: Logger; now?: () => number }) {
    this.now = opts.now ?? Date.now;
  }

  /** The audit trail (the event log exists once the writer does). */
  setEventLog(events: EventLog): void {
    this.events = events;
  }

  /**
   * Issues a token: usable on this server at once, written to PostgreSQL in order. The routes
   * and the CLI use issueStored, which answers once it is stored (and so valid on every server).
   */
  issue(input: NewIngestToken, by: IngestActor = CLI): { token: string; info: IngestTokenInfo } {
    const { seq: _seq, ...issued } = this.issueRecord(input, by);
    return issued;
  }

  async issueStored(input: NewIngestToken, by: IngestActor = CLI): Promise<{ token: string; info: IngestTokenInfo }> {
    this.writable();
    const { seq, ...issued } = this.issueRecord(input, by);
    await this.persisted(seq);
    return issued;
  }

  private issueRecord(input: NewIngestToken, by: IngestActor): { token: string; info: IngestTokenInfo; seq: number } {
    const name = cleanName(input.name);
    if (!name) throw new IngestTokenError('bad_request', 'name: 1–64 printable characters');
    const scopes = [...new Set<IngestScope>(input.scopes ?? ['cap'])];
    if (scopes.length === 0 || scopes.some((s) => !(INGEST_SCOPES as readonly string[]).includes(s))) {
      throw new IngestTokenError('bad_request', `scope: one or more of ${INGEST_SCOPES.join(', ')}`);
    }
    const senders = [...new Set((input.senders ?? []).map((s) => s.trim()))];
    const bad = senders.find((s) => !SENDER_RE.test(s));
    if (bad !== undefined) throw new IngestTokenError('bad_request', `sender ${JSON.stringify(bad.slice(0, 64))}: 1–256 characters, no spaces, commas, "<" or "&" (CAP <sender>)`);
    if (senders.length > 20) throw new IngestTokenError('bad_request', 'at most 20 senders a token');
    if (scopes.includes('cap') && senders.length === 0) throw new IngestTokenError('bad_request', 'a token with scope cap needs at least one sender (--sender, the CAP <sender> it sends as)');
    const ttl = input.ttlDays ?? null;
    if (ttl !== null && (!Number.isInteger(ttl) || ttl < 1 || ttl > 3650)) throw new IngestTokenError('bad_request', 'ttlDays: a whole number of days, 1–3650');
    const t = this.now();
    const secret = randomToken();
    const rec: IngestTokenRecord = {
      id: crypto.randomBytes(8).toString('hex'),
      name,
      senders,
      scopes,
      tokenHash: sha256(secret),
      createdAt: t,
      createdBy: by.username.slice(0, 64),
      expiresAt: ttl === null ? null : t + ttl * DAY_MS,
      revokedAt: null,
    };
    const seq = this.opts.store.put(rec);
    this.audit({ type: 'token_issued', id: rec.id, by: by.username, role: by.role, note: `${name}; scopes ${scopes.join(',')}; senders ${senders.join(' ') || '-'}${ttl ? `; ${ttl} days` : ''}` });
    return { token: `ing_${rec.id}_${secret}`, info: infoOf(rec), seq };
  }

  /** Every token, newest first, with whether it works now. */
  list(): (IngestTokenInfo & { status: IngestTokenStatus })[] {
    const t = this.now();
    return this.opts.store
      .list()
      .map((r) => ({ ...infoOf(r), status: r.revokedAt !== null ? ('revoked' as const) : r.expiresAt !== null && r.expiresAt <= t ? ('expired' as const) : ('active' as const) }))
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  /** Revokes a token: refused on this server at once; revokeStored answers once it is stored. */
  revoke(id: string, by: IngestActor = CLI): IngestTokenInfo {
    return this.revokeRecord(id, by).info;
  }

  async revokeStored(id: string, by: IngestActor = CLI): Promise<IngestTokenInfo> {
    this.writable();
    const { info, seq } = this.revokeRecord(id, by);
    await this.persisted(seq);
    return info;
  }

  private revokeRecord(id: string, by: IngestActor): { info: IngestTokenInfo; seq: number } {
    const t = this.opts.store.get(id);
    if (!t) throw new IngestTokenError('not_found', 'no such ingest token');
    const next = { ...t, revokedAt: t.revokedAt ?? this.now() };
    const seq = this.opts.store.put(next);
    this.audit({ type: 'token_revoked', id: t.id, by: by.username, role: by.role, note: t.name });
    return { info: infoOf(next), seq };
  }

  private writable(): void {
    if (!this.opts.store.available) throw new IngestTokenError('unavailable', 'the database is not answering: try again in a moment');
  }

  private async persisted(seq: number): Promise<void> {
    try {
      await this.opts.store.stored([seq]);
    } catch (err) {
      if (err instanceof DbUnavailableError) throw new IngestTokenError('unavailable', 'the database is not answering: try again in a moment');
      throw err;
    }
  }

  /** Tokens usable now (not revoked, not expired), for a scope or any. */
  usable(scope?: IngestScope): IngestTokenInfo[] {
    const t = this.now();
    return this.opts.store
      .list()
      .filter((r) => r.revokedAt === null && (r.expiresAt === null || r.expiresAt > t) && (!scope || r.scopes.includes(scope)))
      .map(infoOf);
  }

  /** Check a bearer token against the live store, for a scope. */
  authenticate(token: string | undefined, scope: IngestScope): { ok: true; token: IngestTokenInfo } | { ok: false; reason: IngestAuthFailure } {
    if (!token) return { ok: false, reason: 'missing' };
    const m = TOKEN_RE.exec(token);
    if (!m) return { ok: false, reason: 'malformed' };
    const t = this.opts.store.get(m[1]!);
    if (!t || !safeEqual(sha256(m[2]!), t.tokenHash)) return { ok: false, reason: 'unknown' };
    if (t.revokedAt !== null) return { ok: false, reason: 'revoked' };
    if (t.expiresAt !== null && t.expiresAt <= this.now()) return { ok: false, reason: 'expired' };
    if (!t.scopes.includes(scope)) return { ok: false, reason: 'scope' };
    return { ok: true, token: infoOf(t) };
  }

  audit(e: IngestAudit): void {
    this.opts.log.info({ event: e.type, target: e.id, by: e.by, result: e.result ?? 'ok', note: e.note }, 'ingest');
    this.events?.append({ entity: 'ingest', ...e, id: e.id.slice(0, 64), by: e.by.slice(0, 64) || '?' });
  }
}

/** Who an ingest audit line names for a token: `ingest:<name>`. */
export const ingestActor = (t: Pick<IngestTokenInfo, 'name'>) => `ingest:${t.name}`.slice(0, 64);

function infoOf(t: IngestTokenRecord): IngestTokenInfo {
  const { tokenHash: _hash, ...info } = t;
  return info;
}

/** Names are shown on screens: printable, no control or bidi-override characters, 64 max. */
function cleanName(s: string): string {
  return s
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .trim()
    .slice(0, 64);
}

/** The tokens in PostgreSQL: loaded, listening for changes made elsewhere; closed when `db` stops. */
export async function createIngestTokens(opts: { db: AccountsDb; log: Logger; now?: () => number }): Promise<IngestTokens> {
  const store = await new PgIngestTokenStore(opts.db).open();
  opts.db.onStop?.(() => store.close());
  return new IngestTokens({ store, log: opts.log, ...(opts.now ? { now: opts.now } : {}) });
}
