/**
 * Where users, sessions and display tokens live: PostgreSQL, the system of record (tables
 * users, sessions, display_tokens; server/db/migrations/0001_system-of-record.sql), behind
 * the AuthStore interface.
 *
 * Reads are synchronous, from an in-memory copy loaded at start (`PgAuthStore.open`): every
 * request's token check reads the session and the user. Writes change the copy at once and go
 * to PostgreSQL through the journal, in order and idempotent (upserts, deletes); a caller that
 * must answer "stored" (a login, a refresh, a new user…) waits with `stored(seqs)`. Changes made
 * by another process (`npm run users` while the server runs, another server on the same
 * database) arrive by LISTEN/NOTIFY within a second (server/db/accounts-sync.ts): a user
 * disabled by the CLI is cut off at once. Passwords are scrypt hashes; refresh and display
 * tokens are stored as SHA-256 of their random secret only.
 */
import type { Role } from '../../contract/auth.js';
import { ms, SyncedTable, type AccountsDb } from '../db/accounts-sync.js';
import { iso } from '../db/sor.js';

export interface UserRecord {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  unitId: string | null;
  passwordHash: string;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface SessionRecord {
  id: string;
  userId: string;
  /** SHA-256 of the current refresh token; the previous one is kept to detect reuse (theft). */
  refreshHash: string;
  previousRefreshHash: string | null;
  createdAt: number;
  expiresAt: number;
  lastUsedAt: number;
  ip: string | null;
}

export interface DisplayTokenRecord {
  id: string;
  name: string;
  tokenHash: string;
  createdAt: number;
  createdBy: string;
  revokedAt: number | null;
  /** When it stops working (epoch ms); null (or absent) = until revoked. */
  expiresAt?: number | null;
}

export interface AuthStore {
  users(): UserRecord[];
  userById(id: string): UserRecord | undefined;
  userByName(username: string): UserRecord | undefined;
  /** Each write returns its journal sequence number, for `stored` (0: nothing to wait for). */
  putUser(u: UserRecord): number;
  sessions(): SessionRecord[];
  session(id: string): SessionRecord | undefined;
  putSession(s: SessionRecord): number;
  deleteSessions(match: (s: SessionRecord) => boolean): { gone: SessionRecord[]; seq: number };
  displayTokens(): DisplayTokenRecord[];
  displayToken(id: string): DisplayTokenRecord | undefined;
  putDisplayToken(t: DisplayTokenRecord): number;
  /** False while the database is away: writes are kept and written when it returns. */
  readonly available: boolean;
  /** Resolves once those writes are stored; DbUnavailableError after the store's timeout, DbRejectedError when refused. */
  stored(seqs: readonly number[]): Promise<void>;
  /** Told after a change made elsewhere (the CLI, another server) reached the copy. */
  onChange(fn: () => void): void;
}

const USER_COLUMNS = 'id, username, display_name, role, unit_id, password_hash, disabled, created_at, updated_at';
const SESSION_COLUMNS = 'id, user_id, refresh_hash, previous_refresh_hash, created_at, expires_at, last_used_at, ip';
const DISPLAY_COLUMNS = 'id, name, token_hash, created_at, created_by, revoked_at, expires_at';
type Row = Record<string, unknown>;
const str = (v: unknown) => (v === null || v === undefined ? null : String(v));

const userOf = (r: Row): UserRecord => ({
  id: String(r.id),
  username: String(r.username),
  displayName: String(r.display_name),
  role: r.role as Role,
  unitId: str(r.unit_id),
  passwordHash: String(r.password_hash),
  disabled: r.disabled === true,
  createdAt: ms(r.created_at)!,
  updatedAt: ms(r.updated_at)!,
});
const sessionOf = (r: Row): SessionRecord => ({
  id: String(r.id),
  userId: String(r.user_id),
  refreshHash: String(r.refresh_hash),
  previousRefreshHash: str(r.previous_refresh_hash),
  createdAt: ms(r.created_at)!,
  expiresAt: ms(r.expires_at)!,
  lastUsedAt: ms(r.last_used_at)!,
  ip: str(r.ip),
});
const displayOf = (r: Row): DisplayTokenRecord => ({
  id: String(r.id),
  name: String(r.name),
  tokenHash: String(r.token_hash),
  createdAt: ms(r.created_at)!,
  createdBy: String(r.created_by),
  revokedAt: ms(r.revoked_at),
  expiresAt: ms(r.expires_at),
});

/** How often a process drops expired sessions (from its copy and, idempotently, from the table). */
const SWEEP_MS = 60_000;

export class PgAuthStore implements AuthStore {
  private readonly userRows: SyncedTable<UserRecord>;
  private readonly sessionRows: SyncedTable<SessionRecord>;
  private readonly displayRows: SyncedTable<DisplayTokenRecord>;
  private sweptAt = 0;

  constructor(
    db: AccountsDb,
    private readonly now: () => number = Date.now,
  ) {
    this.userRows = new SyncedTable(db, { table: 'users', select: `SELECT ${USER_COLUMNS} FROM users`, fromRow: userOf }, (u) => u.id);
    this.sessionRows = new SyncedTable(db, { table: 'sessions', select: `SELECT ${SESSION_COLUMNS} FROM sessions`, fromRow: sessionOf }, (s) => s.id);
    this.displayRows = new SyncedTable(db, { table: 'display_tokens', select: `SELECT ${DISPLAY_COLUMNS} FROM display_tokens`, fromRow: displayOf }, (t) => t.id);
  }

  /** Loads the three tables and listens for changes made elsewhere. */
  async open(): Promise<this> {
    await Promise.all([this.userRows.open(), this.sessionRows.open(), this.displayRows.open()]);
    return this;
  }

  async close(): Promise<void> {
    await Promise.all([this.userRows.close(), this.sessionRows.close(), this.displayRows.close()]);
  }

  get available(): boolean {
    return this.userRows.available;
  }

  stored(seqs: readonly number[]): Promise<void> {
    return this.userRows.stored(seqs);
  }

  onChange(fn: () => void): void {
    this.userRows.onChange(fn);
    this.sessionRows.onChange(fn);
    this.displayRows.onChange(fn);
  }

  users(): UserRecord[] {
    return [...this.userRows.rows.values()];
  }
  userById(id: string): UserRecord | undefined {
    return this.userRows.rows.get(id);
  }
  userByName(username: string): UserRecord | undefined {
    const name = username.toLowerCase();
    for (const u of this.userRows.rows.values()) if (u.username === name) return u;
    return undefined;
  }
  putUser(u: UserRecord): number {
    return this.userRows.write(
      [[u.id, u]],
      `INSERT INTO users (${USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (id) DO UPDATE SET username = EXCLUDED.username, display_name = EXCLUDED.display_name, role = EXCLUDED.role, unit_id = EXCLUDED.unit_id,
         password_hash = EXCLUDED.password_hash, disabled = EXCLUDED.disabled, updated_at = EXCLUDED.updated_at`,
      [u.id, u.username, u.displayName, u.role, u.unitId, u.passwordHash, u.disabled, iso(u.createdAt), iso(u.updatedAt)],
    );
  }

  sessions(): SessionRecord[] {
    return [...this.sessionRows.rows.values()];
  }
  session(id: string): SessionRecord | undefined {
    return this.sessionRows.rows.get(id);
  }
  putSession(s: SessionRecord): number {
    this.sweep();
    return this.sessionRows.write(
      [[s.id, s]],
      `INSERT INTO sessions (${SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (id) DO UPDATE SET refresh_hash = EXCLUDED.refresh_hash, previous_refresh_hash = EXCLUDED.previous_refresh_hash,
         expires_at = EXCLUDED.expires_at, last_used_at = EXCLUDED.last_used_at, ip = EXCLUDED.ip`,
      [s.id, s.userId, s.refreshHash, s.previousRefreshHash, iso(s.createdAt), iso(s.expiresAt), iso(s.lastUsedAt), s.ip],
    );
  }
  deleteSessions(match: (s: SessionRecord) => boolean): { gone: SessionRecord[]; seq: number } {
    const gone = this.sessions().filter(match);
    if (gone.length === 0) return { gone, seq: 0 };
    const ids = gone.map((s) => s.id);
    const seq = this.sessionRows.write(
      ids.map((id) => [id, undefined]),
      'DELETE FROM sessions WHERE id = ANY($1::text[])',
      [ids],
    );
    return { gone, seq };
  }

  displayTokens(): DisplayTokenRecord[] {
    return [...this.displayRows.rows.values()];
  }
  displayToken(id: string): DisplayTokenRecord | undefined {
    return this.displayRows.rows.get(id);
  }
  putDisplayToken(t: DisplayTokenRecord): number {
    return this.displayRows.write(
      [[t.id, t]],
      `INSERT INTO display_tokens (${DISPLAY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, token_hash = EXCLUDED.token_hash, revoked_at = EXCLUDED.revoked_at, expires_at = EXCLUDED.expires_at`,
      [t.id, t.name, t.tokenHash, iso(t.createdAt), t.createdBy, iso(t.revokedAt), iso(t.expiresAt ?? null)],
    );
  }

  /** Expired sessions go, at most once a minute: the table does not grow forever. */
  private sweep(): void {
    const t = this.now();
    if (t - this.sweptAt < SWEEP_MS) return;
    this.sweptAt = t;
    for (const s of this.sessionRows.rows.values()) if (s.expiresAt <= t) this.sessionRows.rows.delete(s.id);
    this.sessionRows.execute('DELETE FROM sessions WHERE expires_at <= $1', [iso(t)]);
  }
}

/** Opens the accounts store on the database: loaded, listening; closed when the server stops. */
export async function openAuthStore(db: AccountsDb, now?: () => number): Promise<PgAuthStore> {
  const store = await new PgAuthStore(db, now).open();
  db.onStop?.(() => store.close());
  return store;
}

/** The same store in memory only: for unit tests of the service's logic (nothing is kept). */
export class MemoryAuthStore implements AuthStore {
  private readonly u = new Map<string, UserRecord>();
  private readonly s = new Map<string, SessionRecord>();
  private readonly d = new Map<string, DisplayTokenRecord>();
  readonly available = true;
  users(): UserRecord[] {
    return [...this.u.values()];
  }
  userById(id: string): UserRecord | undefined {
    return this.u.get(id);
  }
  userByName(username: string): UserRecord | undefined {
    const name = username.toLowerCase();
    return this.users().find((u) => u.username === name);
  }
  putUser(u: UserRecord): number {
    this.u.set(u.id, u);
    return 0;
  }
  sessions(): SessionRecord[] {
    return [...this.s.values()];
  }
  session(id: string): SessionRecord | undefined {
    return this.s.get(id);
  }
  putSession(s: SessionRecord): number {
    this.s.set(s.id, s);
    return 0;
  }
  deleteSessions(match: (s: SessionRecord) => boolean): { gone: SessionRecord[]; seq: number } {
    const gone = this.sessions().filter(match);
    for (const s of gone) this.s.delete(s.id);
    return { gone, seq: 0 };
  }
  displayTokens(): DisplayTokenRecord[] {
    return [...this.d.values()];
  }
  displayToken(id: string): DisplayTokenRecord | undefined {
    return this.d.get(id);
  }
  putDisplayToken(t: DisplayTokenRecord): number {
    this.d.set(t.id, t);
    return 0;
  }
  stored(): Promise<void> {
    return Promise.resolve();
  }
  onChange(): void {}
}

/** Usernames: lower-case letters, digits, dot, dash, underscore; 2–32 characters. */
export const USERNAME_RE = /^[a-z0-9][a-z0-9._-]{1,31}$/;
