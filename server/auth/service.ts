/**
 * People and sessions: login, refresh (rotating), logout, revocation, display
 * tokens for walls, user administration. Every one of those is audited in the
 * event log (entity `auth`). Routes (routes.ts), the REST guard (guard.ts), the
 * socket gate (socket.ts) and the CLI (cli.ts) are thin layers over this.
 *
 * Token design (docs/security.md):
 *   access  — HS256 JWT {sub, sid, role, iat, exp}, AUTH_ACCESS_TTL_S (15 min);
 *             checked on every use against the live session and user, so a
 *             revoked session or a disabled user is refused at once.
 *   refresh — `<sessionId>.<256-bit random>`, stored as SHA-256, rotated on
 *             every use; presenting the previous one again (a stolen copy)
 *             revokes the whole session. A session lives AUTH_REFRESH_TTL_S
 *             from login (a shift), not more.
 *   display — `dsp_<id>_<256-bit random>`, stored as SHA-256, for a wall
 *             screen: read-only role `wall`, expires after DISPLAY_TOKEN_TTL_DAYS
 *             (or as its issuer says), listed and revoked by an admin.
 */
import crypto from 'node:crypto';
import type { DisplayTokenInfo, Role, Session, UserInfo } from '../../contract/auth.js';
import { ROLES } from '../../contract/auth.js';
import type { ErrorCode, Result } from '../../contract/socket.js';
import { DbRejectedError, DbUnavailableError } from '../db/journal.js';
import type { EventLog } from '../events/log.js';
import type { Logger } from '../log.js';
import { LoginThrottle } from './login-throttle.js';
import { dummyHash, generatePassword, hashPassword, MIN_PASSWORD_LENGTH, needsRehash, verifyPassword } from './passwords.js';
import { canManageRole } from './permissions.js';
import type { AuthStore, DisplayTokenRecord, SessionRecord, UserRecord } from './store.js';
import { USERNAME_RE } from './store.js';
import { randomToken, safeEqual, sha256, signAccessToken, verifyAccessToken } from './tokens.js';

/** Who is calling, after their token was checked against the live store. */
export interface Principal {
  kind: 'user' | 'display';
  /** User id, or `display:<token id>`. */
  id: string;
  username: string;
  displayName: string;
  role: Role;
  unitId: string | null;
  /** null for display tokens. */
  sessionId: string | null;
  /** When the access token stops working (epoch ms); null for display tokens. */
  expiresAt: number | null;
}

export type AuthFailure = 'missing' | 'malformed' | 'algorithm' | 'signature' | 'expired' | 'revoked';

export class AuthError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status = code === 'unauthorized' ? 401 : code === 'forbidden' ? 403 : code === 'not_found' ? 404 : code === 'conflict' ? 409 : 400,
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

export interface AuthServiceOptions {
  store: AuthStore;
  key: Buffer;
  accessTtlS: number;
  refreshTtlS: number;
  maxFailures: number;
  /** Logins checked at once per username and per address (login-throttle.ts). */
  maxConcurrentPerUser?: number;
  maxConcurrentPerAddress?: number;
  /** Default lifetime of a display token, days; 0 = until revoked. */
  displayTokenTtlDays?: number;
  log: Logger;
  /** Units a responder may be bound to (the city pack's). */
  knownUnits?: ReadonlySet<string>;
  now?: () => number;
}

export interface NewUser {
  username: string;
  role: Role;
  unitId?: string | null | undefined;
  displayName?: string | undefined;
  /** Generated (and returned once) when absent. */
  password?: string | undefined;
}

export interface Actor {
  username: string;
  role: Role;
}

/** What a login or refresh gives: the session for the answer, and the refresh token for its cookie only. */
export interface Issued {
  session: Session;
  refresh: { token: string; /** When the session ends (epoch ms): the cookie lives as long. */ expiresAt: number };
}

const SYSTEM: Actor = { username: 'cli', role: 'admin' };

export class AuthService {
  private readonly throttle: LoginThrottle;
  private readonly revokeListeners: (() => void)[] = [];
  private events: EventLog | null = null;
  private readonly now: () => number;

  constructor(private readonly opts: AuthServiceOptions) {
    this.now = opts.now ?? Date.now;
    this.throttle = new LoginThrottle({
      maxFailures: opts.maxFailures,
      maxPerUser: opts.maxConcurrentPerUser ?? 2,
      maxPerAddress: opts.maxConcurrentPerAddress ?? 8,
      now: this.now,
    });
    // A user disabled or a session revoked by another process (the CLI, another server): live sockets re-check.
    opts.store.onChange(() => this.revoked());
  }

  /** The audit trail (the event log exists once the writer does). */
  /**
   * A key of its own for another kind of signed token (stream tokens: server/video/tokens.ts),
   * derived from the access-token key so every instance of a cluster derives the same one, and
   * so neither kind of token can pass for the other.
   */
  derivedKey(purpose: string): Buffer {
    return crypto.createHmac('sha256', this.opts.key).update(`ioc-console/${purpose}`).digest();
  }

  setEventLog(events: EventLog): void {
    this.events = events;
  }

  /** Called after any revocation: live sockets re-check themselves. */
  onRevoke(fn: () => void): void {
    this.revokeListeners.push(fn);
  }

  // ------------------------------------------------------------------ sessions

  async login(username: string, password: string, ip: string): Promise<Issued> {
    this.writable();
    const name = username.trim().toLowerCase().slice(0, 64);
    const t0 = this.throttle.begin(name, ip);
    if (!t0.ok) {
      const { reason, retryAfterMs } = t0.refusal;
      this.audit({ type: reason === 'locked' ? 'login_locked' : 'login_busy', id: name, by: name, result: 'refused', note: `ip ${ip}` });
      throw new AuthError('unauthorized', reason === 'locked' ? 'too many failed attempts from here: try again later' : 'too many logins at once: try again in a moment', 429, Math.ceil(retryAfterMs / 1000));
    }
    const ticket = t0.ticket;
    let ok = false;
    let user: UserRecord | undefined;
    try {
      if (ticket.delayMs > 0) await new Promise((r) => setTimeout(r, ticket.delayMs));
      user = this.opts.store.userByName(name);
      // Same work whether or not the user exists: no username probing by timing.
      ok = (await verifyPassword(password, user?.passwordHash ?? (await dummyHash()))) && !!user && !user.disabled;
    } finally {
      ticket.done(ok);
    }
    if (!ok || !user) {
      this.audit({ type: 'login_failed', id: name, by: name, role: user?.role, result: 'refused', note: `${!user ? 'unknown user' : user.disabled ? 'disabled' : 'wrong password'}; ip ${ip}` });
      throw new AuthError('unauthorized', 'wrong username or password');
    }
    const writes: number[] = [];
    if (needsRehash(user.passwordHash)) {
      // A hash from weaker parameters: replace it now that the password is at hand.
      user = { ...user, passwordHash: await hashPassword(password), updatedAt: this.now() };
      writes.push(this.opts.store.putUser(user));
      this.audit({ type: 'password_rehashed', id: user.username, by: user.username, role: user.role });
    }
    const t = this.now();
    const refresh = randomToken();
    const s: SessionRecord = {
      id: crypto.randomUUID(),
      userId: user.id,
      refreshHash: sha256(refresh),
      previousRefreshHash: null,
      createdAt: t,
      expiresAt: t + this.opts.refreshTtlS * 1000,
      lastUsedAt: t,
      ip,
    };
    writes.push(this.opts.store.putSession(s));
    this.audit({ type: 'login', id: user.username, by: user.username, role: user.role, note: `session ${s.id.slice(0, 8)}; ip ${ip}` });
    // The answer means stored: the session survives a restart and is known to every server.
    await this.persisted(writes);
    return this.issue(user, s, refresh);
  }

  async refresh(refreshToken: string, ip: string): Promise<Issued> {
    // Refused before rotating: a rotation the client never hears of would make its token look stolen.
    this.writable();
    const [sid, secret] = refreshToken.split('.');
    const s = sid ? this.opts.store.session(sid) : undefined;
    const user = s ? this.opts.store.userById(s.userId) : undefined;
    if (!s || !secret || !user || user.disabled || s.expiresAt <= this.now()) throw new AuthError('unauthorized', 'session expired: log in again');
    const hash = sha256(secret);
    if (s.previousRefreshHash && safeEqual(hash, s.previousRefreshHash)) {
      // An old refresh token came back: someone holds a copy. End the session for both.
      const { seq } = this.opts.store.deleteSessions((x) => x.id === s.id);
      this.audit({ type: 'refresh_reused', id: user.username, by: user.username, role: user.role, result: 'refused', note: `session ${s.id.slice(0, 8)} revoked; ip ${ip}` });
      this.revoked();
      await this.persisted([seq]).catch(() => undefined);
      throw new AuthError('unauthorized', 'session expired: log in again');
    }
    if (!safeEqual(hash, s.refreshHash)) throw new AuthError('unauthorized', 'session expired: log in again');
    const next = randomToken();
    const rotated: SessionRecord = { ...s, previousRefreshHash: s.refreshHash, refreshHash: sha256(next), lastUsedAt: this.now() };
    await this.persisted([this.opts.store.putSession(rotated)]);
    return this.issue(user, rotated, next);
  }

  async logout(refreshToken: string | undefined, who: Principal | null): Promise<void> {
    let sid = who?.sessionId ?? null;
    if (!sid && refreshToken) {
      const [id, secret] = refreshToken.split('.');
      const s = id ? this.opts.store.session(id) : undefined;
      if (s && secret && safeEqual(sha256(secret), s.refreshHash)) sid = s.id;
    }
    if (!sid) return;
    const { gone, seq } = this.opts.store.deleteSessions((s) => s.id === sid);
    const user = gone[0] ? this.opts.store.userById(gone[0].userId) : undefined;
    if (user) this.audit({ type: 'logout', id: user.username, by: user.username, role: user.role, note: `session ${sid.slice(0, 8)}` });
    this.revoked();
    // Refused here already; stored when the database answers (the logout itself always succeeds).
    await this.persisted([seq]).catch((err: Error) => this.opts.log.warn({ err: err.message }, 'logout not yet stored'));
  }

  /** Check a bearer token (access or display) against the live store. */
  authenticate(token: unknown): { ok: true; principal: Principal } | { ok: false; reason: AuthFailure } {
    if (typeof token !== 'string' || token === '') return { ok: false, reason: 'missing' };
    if (token.startsWith('dsp_')) return this.authenticateDisplay(token);
    const v = verifyAccessToken(token, this.opts.key, this.now());
    if (!v.ok) return { ok: false, reason: v.reason };
    const s = this.opts.store.session(v.claims.sid);
    const user = this.opts.store.userById(v.claims.sub);
    if (!s || s.userId !== v.claims.sub || s.expiresAt <= this.now() || !user || user.disabled) return { ok: false, reason: 'revoked' };
    // The current role and unit, not the token's: a demotion applies at once.
    return { ok: true, principal: { kind: 'user', ...info(user), sessionId: s.id, expiresAt: v.claims.exp * 1000 } };
  }

  /** Whether a principal authenticated earlier still may act now (live sockets). */
  stillValid(p: Principal): boolean {
    if (p.expiresAt !== null && p.expiresAt <= this.now()) return false;
    if (p.kind === 'display') {
      const t = this.opts.store.displayToken(p.id.slice('display:'.length));
      return !!t && t.revokedAt === null && !displayExpired(t, this.now());
    }
    const s = p.sessionId ? this.opts.store.session(p.sessionId) : undefined;
    const user = this.opts.store.userById(p.id);
    return !!s && s.expiresAt > this.now() && !!user && !user.disabled && user.role === p.role && user.unitId === p.unitId;
  }

  private authenticateDisplay(token: string): { ok: true; principal: Principal } | { ok: false; reason: AuthFailure } {
    const m = /^dsp_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return { ok: false, reason: 'malformed' };
    const t = this.opts.store.displayToken(m[1]!);
    if (!t || !safeEqual(sha256(m[2]!), t.tokenHash)) return { ok: false, reason: 'signature' };
    if (t.revokedAt !== null) return { ok: false, reason: 'revoked' };
    if (displayExpired(t, this.now())) return { ok: false, reason: 'expired' };
    return {
      ok: true,
      principal: { kind: 'display', id: `display:${t.id}`, username: `display:${t.name}`, displayName: t.name, role: 'wall', unitId: null, sessionId: null, expiresAt: t.expiresAt ?? null },
    };
  }

  private issue(user: UserRecord, s: SessionRecord, refresh: string): Issued {
    const iat = Math.floor(this.now() / 1000);
    const exp = Math.min(iat + this.opts.accessTtlS, Math.floor(s.expiresAt / 1000));
    const accessToken = signAccessToken({ sub: user.id, sid: s.id, role: user.role, iat, exp, typ: 'access' }, this.opts.key);
    return { session: { accessToken, expiresAt: exp * 1000, user: info(user) }, refresh: { token: `${s.id}.${refresh}`, expiresAt: s.expiresAt } };
  }

  // ------------------------------------------------------------------ administration

  listUsers(): (UserInfo & { disabled: boolean; sessions: number; createdAt: number })[] {
    const t = this.now();
    const sessions = this.opts.store.sessions().filter((s) => s.expiresAt > t);
    return this.opts.store
      .users()
      .map((u) => ({ ...info(u), disabled: u.disabled, sessions: sessions.filter((s) => s.userId === u.id).length, createdAt: u.createdAt }))
      .sort((a, b) => a.username.localeCompare(b.username));
  }

  async addUser(input: NewUser, by: Actor = SYSTEM): Promise<{ user: UserInfo; password: string | null }> {
    this.writable();
    const username = input.username.trim().toLowerCase();
    if (!USERNAME_RE.test(username)) throw new AuthError('bad_request', 'username: 2–32 of a-z 0-9 . _ -, starting with a letter or digit');
    if (this.opts.store.userByName(username)) throw new AuthError('conflict', `user ${username} exists`);
    const role = this.checkRole(input.role, by);
    const unitId = this.checkUnit(role, input.unitId ?? null);
    const generated = input.password === undefined ? generatePassword() : null;
    const password = input.password ?? generated!;
    checkPassword(password);
    const t = this.now();
    const u: UserRecord = {
      id: crypto.randomUUID(),
      username,
      displayName: cleanName(input.displayName ?? username),
      role,
      unitId,
      passwordHash: await hashPassword(password),
      disabled: false,
      createdAt: t,
      updatedAt: t,
    };
    // Another server may have taken the name meanwhile: the database's unique key decides.
    await this.persisted([this.opts.store.putUser(u)], `user ${username} exists`);
    this.audit({ type: 'user_added', id: username, by: by.username, role: by.role, note: `role ${role}${unitId ? ` unit ${unitId}` : ''}` });
    return { user: info(u), password: generated };
  }

  async updateUser(id: string, patch: { role?: Role | undefined; unitId?: string | null | undefined; displayName?: string | undefined; disabled?: boolean | undefined }, by: Actor): Promise<UserInfo> {
    this.writable();
    const u = this.userFor(id, by);
    const role = patch.role === undefined ? u.role : this.checkRole(patch.role, by);
    const unitId = this.checkUnit(role, patch.unitId === undefined ? (role === 'responder' ? u.unitId : null) : patch.unitId);
    const next: UserRecord = {
      ...u,
      role,
      unitId,
      displayName: patch.displayName === undefined ? u.displayName : cleanName(patch.displayName),
      disabled: patch.disabled ?? u.disabled,
      updatedAt: this.now(),
    };
    if (u.role === 'admin' && (next.role !== 'admin' || next.disabled) && this.activeAdmins().length <= 1) {
      throw new AuthError('conflict', 'the last admin cannot be demoted or disabled');
    }
    const writes = [this.opts.store.putUser(next)];
    const changed = Object.entries(patch).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${String(v)}`).join(' ');
    this.audit({ type: next.disabled && !u.disabled ? 'user_disabled' : 'user_updated', id: u.username, by: by.username, role: by.role, note: changed });
    // Privileges changed: sockets opened with the old ones re-check (and go).
    if (next.disabled) writes.push(this.opts.store.deleteSessions((s) => s.userId === u.id).seq);
    this.revoked();
    await this.persisted(writes);
    return info(next);
  }

  async resetPassword(id: string, password: string | undefined, by: Actor): Promise<string | null> {
    this.writable();
    const u = this.userFor(id, by);
    const generated = password === undefined ? generatePassword() : null;
    checkPassword(password ?? generated!);
    const hash = await hashPassword(password ?? generated!);
    // The record as it is now (it may have changed during the hash), with the new password.
    const writes = [this.opts.store.putUser({ ...(this.opts.store.userById(u.id) ?? u), passwordHash: hash, updatedAt: this.now() })];
    // A new password ends every session: whoever knew the old one is out.
    writes.push(this.opts.store.deleteSessions((s) => s.userId === u.id).seq);
    this.audit({ type: 'password_reset', id: u.username, by: by.username, role: by.role });
    this.revoked();
    await this.persisted(writes);
    return generated;
  }

  async revokeSessions(id: string, by: Actor): Promise<number> {
    this.writable();
    const u = this.userFor(id, by);
    const { gone, seq } = this.opts.store.deleteSessions((s) => s.userId === u.id);
    this.audit({ type: 'sessions_revoked', id: u.username, by: by.username, role: by.role, note: `${gone.length} sessions` });
    this.revoked();
    await this.persisted([seq]);
    return gone.length;
  }

  /** `ttlDays`: 0 = until revoked; absent = DISPLAY_TOKEN_TTL_DAYS. */
  async issueDisplayToken(name: string, by: Actor = SYSTEM, ttlDays?: number): Promise<{ token: string; info: DisplayTokenInfo }> {
    this.writable();
    const clean = cleanName(name);
    if (!clean) throw new AuthError('bad_request', 'name: 1–64 printable characters');
    const days = ttlDays ?? this.opts.displayTokenTtlDays ?? 365;
    if (!Number.isInteger(days) || days < 0 || days > 3650) throw new AuthError('bad_request', 'ttlDays: 0–3650 (0 = until revoked)');
    const created = this.now();
    const t: DisplayTokenRecord = {
      id: crypto.randomBytes(8).toString('hex'),
      name: clean,
      tokenHash: '',
      createdAt: created,
      createdBy: by.username,
      revokedAt: null,
      expiresAt: days === 0 ? null : created + days * 86_400_000,
    };
    const secret = randomToken();
    t.tokenHash = sha256(secret);
    await this.persisted([this.opts.store.putDisplayToken(t)]);
    this.audit({ type: 'display_token_issued', id: t.id, by: by.username, role: by.role, note: `${clean}; ${days === 0 ? 'no expiry' : `${days} d`}` });
    return { token: `dsp_${t.id}_${secret}`, info: displayInfo(t) };
  }

  listDisplayTokens(): DisplayTokenInfo[] {
    return this.opts.store.displayTokens().map(displayInfo).sort((a, b) => b.createdAt - a.createdAt);
  }

  async revokeDisplayToken(id: string, by: Actor = SYSTEM): Promise<DisplayTokenInfo> {
    this.writable();
    const t = this.opts.store.displayToken(id);
    if (!t) throw new AuthError('not_found', 'no such display token');
    const next = { ...t, revokedAt: t.revokedAt ?? this.now() };
    const seq = this.opts.store.putDisplayToken(next);
    this.audit({ type: 'display_token_revoked', id: t.id, by: by.username, role: by.role, note: t.name });
    this.revoked();
    await this.persisted([seq]);
    return displayInfo(next);
  }

  hasAdmin(): boolean {
    return this.activeAdmins().length > 0;
  }

  private activeAdmins(): UserRecord[] {
    return this.opts.store.users().filter((u) => u.role === 'admin' && !u.disabled);
  }

  private userFor(id: string, by: Actor): UserRecord {
    const u = this.opts.store.userById(id) ?? this.opts.store.userByName(id);
    if (!u) throw new AuthError('not_found', 'no such user');
    if (!canManageRole(by.role, u.role)) throw new AuthError('forbidden', `${by.role} may not manage ${u.role} accounts`);
    return u;
  }

  private checkRole(role: unknown, by: Actor): Role {
    if (!(ROLES as readonly unknown[]).includes(role)) throw new AuthError('bad_request', `role: one of ${ROLES.join(', ')}`);
    if (!canManageRole(by.role, role as Role)) throw new AuthError('forbidden', `${by.role} may not grant ${String(role)}`);
    return role as Role;
  }

  private checkUnit(role: Role, unitId: string | null): string | null {
    if (role !== 'responder') return null;
    if (!unitId) throw new AuthError('bad_request', 'a responder needs a unit (--unit ID)');
    if (this.opts.knownUnits && !this.opts.knownUnits.has(unitId)) throw new AuthError('bad_request', `no unit ${unitId.slice(0, 64)} in the city pack`);
    return unitId;
  }

  /** While the database is away, changes are refused up front (retryable) rather than left half-answered. */
  private writable(): void {
    if (!this.opts.store.available) throw new AuthError('unavailable', 'the database is not answering: try again in a moment', 503);
  }

  /** Waits until the writes are stored, so that an answer means stored (and seen by every server). */
  private async persisted(seqs: readonly number[], conflict?: string): Promise<void> {
    try {
      await this.opts.store.stored(seqs);
    } catch (err) {
      if (err instanceof DbUnavailableError) throw new AuthError('unavailable', 'the database is not answering: try again in a moment', 503);
      if (err instanceof DbRejectedError && conflict) throw new AuthError('conflict', conflict);
      throw err;
    }
  }

  private revoked(): void {
    for (const fn of this.revokeListeners) {
      try {
        fn();
      } catch (err) {
        this.opts.log.error({ err }, 'revocation listener failed');
      }
    }
  }

  private audit(e: { type: string; id: string; by: string; role?: string | undefined; result?: 'ok' | 'refused'; note?: string }): void {
    this.opts.log.info({ event: e.type, target: e.id, by: e.by, role: e.role, result: e.result ?? 'ok' }, 'auth');
    this.events?.append({ entity: 'auth', ...e, id: e.id.slice(0, 64), by: e.by.slice(0, 64) || '?' });
  }
}


function displayInfo(t: DisplayTokenRecord): DisplayTokenInfo {
  return { id: t.id, name: t.name, createdAt: t.createdAt, createdBy: t.createdBy, revokedAt: t.revokedAt, expiresAt: t.expiresAt ?? null };
}

function displayExpired(t: DisplayTokenRecord, now: number): boolean {
  return t.expiresAt !== undefined && t.expiresAt !== null && t.expiresAt <= now;
}

function info(u: UserRecord): UserInfo {
  return { id: u.id, username: u.username, displayName: u.displayName, role: u.role, unitId: u.unitId };
}

function checkPassword(p: string): void {
  if (p.length < MIN_PASSWORD_LENGTH || p.length > 256) throw new AuthError('bad_request', `password: ${MIN_PASSWORD_LENGTH}–256 characters`);
}

/** Display names are shown on screens: printable, no control or bidi-override characters, 64 max. */
function cleanName(s: string): string {
  return s
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .trim()
    .slice(0, 64);
}
