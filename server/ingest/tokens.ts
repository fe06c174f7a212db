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
 * The store is behind IngestTokenStore. The implementation here is a JSON file
 * beside users.json (AUTH_DIR/ingest-tokens.json, mode 0600, written atomically),
 * re-read when its mtime changes (checked at most once a second): a token issued
 * or revoked by the CLI on a running server takes effect without a restart.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import type { EventLog } from '../events/log.js';
import type { Logger } from '../log.js';
import { randomToken, safeEqual, sha256 } from '../auth/tokens.js';

export const INGEST_SCOPES = ['cap', 'stations'] as const;
export type IngestScope = (typeof INGEST_SCOPES)[number];

export interface IngestTokenRecord {
  id: string;
  name: string;
  /** CAP `<sender>` values this token may send alerts as (scope `cap`). */
  senders: string[];
  scopes: IngestScope[];
  /** SHA-256 (base64url) of the random part. */
  tokenHash: string;
  createdAt: number;
  createdBy: string;
  expiresAt: number | null;
  revokedAt: number | null;
}

/** What an admin sees: everything but the hash. */
export type IngestTokenInfo = Omit<IngestTokenRecord, 'tokenHash'>;

export interface IngestTokenStore {
  list(): IngestTokenRecord[];
  get(id: string): IngestTokenRecord | undefined;
  put(t: IngestTokenRecord): void;
}

export function ingestTokensFile(config: Pick<Config, 'AUTH_DIR'>): string {
  return path.join(config.AUTH_DIR, 'ingest-tokens.json');
}

interface FileShape {
  version: 1;
  tokens: IngestTokenRecord[];
}

export class FileIngestTokenStore implements IngestTokenStore {
  private data: FileShape = { version: 1, tokens: [] };
  private mtimeMs = -1;
  private checkedAt = 0;

  constructor(readonly file: string) {}

  list(): IngestTokenRecord[] {
    return this.read().tokens;
  }
  get(id: string): IngestTokenRecord | undefined {
    return this.read().tokens.find((t) => t.id === id);
  }
  put(t: IngestTokenRecord): void {
    // Re-read first: the CLI may have changed the file since our last look.
    const d = structuredClone(this.read(true));
    d.tokens = [...d.tokens.filter((x) => x.id !== t.id), t];
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(d, null, 1), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
    this.data = d;
    this.mtimeMs = fs.statSync(this.file).mtimeMs;
    this.checkedAt = Date.now();
  }

  private read(force = false): FileShape {
    const t = Date.now();
    if (!force && t - this.checkedAt < 1000) return this.data;
    this.checkedAt = t;
    let st: fs.Stats;
    try {
      st = fs.statSync(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return (this.data = { version: 1, tokens: [] });
      throw err;
    }
    if (st.mtimeMs !== this.mtimeMs) {
      const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Partial<FileShape>;
      this.data = { version: 1, tokens: parsed.tokens ?? [] };
      this.mtimeMs = st.mtimeMs;
    }
    return this.data;
  }
}

export class IngestTokenError extends Error {
  constructor(
    readonly code: 'bad_request' | 'not_found',
    message: string,
  ) {
    super(message);
  }
  get status(): number {
    return this.code === 'not_found' ? 404 : 400;
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

  issue(input: NewIngestToken, by: IngestActor = CLI): { token: string; info: IngestTokenInfo } {
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
    this.opts.store.put(rec);
    this.audit({ type: 'token_issued', id: rec.id, by: by.username, role: by.role, note: `${name}; scopes ${scopes.join(',')}; senders ${senders.join(' ') || '-'}${ttl ? `; ${ttl} days` : ''}` });
    return { token: `ing_${rec.id}_${secret}`, info: infoOf(rec) };
  }

  /** Every token, newest first, with whether it works now. */
  list(): (IngestTokenInfo & { status: 'active' | 'revoked' | 'expired' })[] {
    const t = this.now();
    return this.opts.store
      .list()
      .map((r) => ({ ...infoOf(r), status: r.revokedAt !== null ? ('revoked' as const) : r.expiresAt !== null && r.expiresAt <= t ? ('expired' as const) : ('active' as const) }))
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  revoke(id: string, by: IngestActor = CLI): IngestTokenInfo {
    const t = this.opts.store.get(id);
    if (!t) throw new IngestTokenError('not_found', 'no such ingest token');
    const next = { ...t, revokedAt: t.revokedAt ?? this.now() };
    this.opts.store.put(next);
    this.audit({ type: 'token_revoked', id: t.id, by: by.username, role: by.role, note: t.name });
    return infoOf(next);
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

export function createIngestTokens(config: Pick<Config, 'AUTH_DIR'>, opts: { log: Logger; now?: () => number }): IngestTokens {
  return new IngestTokens({ store: new FileIngestTokenStore(ingestTokensFile(config)), log: opts.log, ...(opts.now ? { now: opts.now } : {}) });
}
