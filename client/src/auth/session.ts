/**
 * The browser's side of sessions (contract/auth.ts): log in, keep the access
 * token fresh, log out. Nothing of the session is written to storage: the
 * access token lives in this module's memory only, and the refresh token is an
 * HttpOnly cookie that no script can read (docs/security.md, "Sessions and
 * tokens"). On page load `resume()` asks for an access token with that cookie;
 * without a valid one the login page shows.
 *
 * The access token is refreshed shortly before it expires; the server rotates
 * the cookie each time. Tabs share the one cookie, so they refresh one at a
 * time (navigator.locks): two refreshes presenting the same cookie at once
 * would look like a stolen copy, and the server would end the session. Tabs
 * tell each other of a login or logout over a BroadcastChannel, with no token
 * in the message: on "login" the other tab refreshes by cookie, on "logout" it
 * drops its token. After a refresh the live socket reconnects with the new
 * token and catches up from its last seq (auth/live.ts).
 */
import { REFRESH_HEADER, type Session, type UserInfo } from '../../../contract/auth.js';
import type { Result } from '../../../contract/socket.js';

/** Refresh this long before expiry at most (a quarter of the token's life when it is short). */
const REFRESH_LEAD_MS = 60_000;
const RETRY_MS = 10_000;

/** `starting`: the first refresh by cookie has not answered yet (the login page must not flash). */
export type SessionStatus = 'starting' | 'signed-in' | 'signed-out';
export interface SessionState {
  status: SessionStatus;
  session: Session | null;
}

type Listener = () => void;
const listeners = new Set<Listener>();
let state: SessionState = { status: 'starting', session: null };
let timer: ReturnType<typeof setTimeout> | undefined;
let inflight: Promise<boolean> | null = null;
/** Called after the token changed (the live socket reconnects with it). */
let onTokenChange: (() => void) | null = null;

type TabMessage = 'login' | 'logout';
const tabs: BroadcastChannel | null = typeof BroadcastChannel === 'function' ? new BroadcastChannel('ioc.session') : null;

function set(session: Session | null, status: SessionStatus = session ? 'signed-in' : 'signed-out'): void {
  const changed = session?.accessToken !== state.session?.accessToken;
  state = { status, session };
  clearTimeout(timer);
  if (session) {
    const left = lifetimeMs(session);
    timer = setTimeout(() => void refresh(), Math.max(1_000, left - Math.min(REFRESH_LEAD_MS, left / 4)));
  }
  for (const l of listeners) l();
  if (changed) onTokenChange?.();
}

/**
 * How long a just-issued access token lives, from its own iat and exp (both the
 * server's clock): a workstation whose clock is off still refreshes in time,
 * instead of at once and again forever.
 */
function lifetimeMs(s: Session): number {
  try {
    const claims = JSON.parse(atob(s.accessToken.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { iat?: unknown; exp?: unknown };
    if (typeof claims.iat === 'number' && typeof claims.exp === 'number') return (claims.exp - claims.iat) * 1000;
  } catch {
    /* not readable: fall back to this machine's clock */
  }
  return s.expiresAt - Date.now();
}

export function getSessionState(): SessionState {
  return state;
}
/** The current session, or null (the login page shows once the status is signed-out). */
export function getSession(): Session | null {
  return state.session;
}
export function currentUser(): UserInfo | null {
  return state.session?.user ?? null;
}
/** For the Socket.IO handshake and REST: synchronous, kept fresh by the timer. */
export function accessToken(): string | null {
  return state.session?.accessToken ?? null;
}
export function subscribe(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}
export function setTokenChangeHandler(fn: () => void): void {
  onTokenChange = fn;
}

async function post<T>(url: string, headers: Record<string, string>, body: unknown = {}): Promise<{ status: number; result: Result<T> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify(body),
    cache: 'no-store',
    // The refresh cookie goes with same-origin requests only (and SameSite=Strict keeps it so).
    credentials: 'same-origin',
  });
  let result: Result<T>;
  try {
    result = (await res.json()) as Result<T>;
  } catch {
    result = { ok: false, error: { code: 'unavailable', message: `HTTP ${res.status}` } };
  }
  return { status: res.status, result };
}

export type LoginOutcome = { ok: true } | { ok: false; reason: 'wrong' | 'locked' | 'unreachable' };

export async function login(username: string, password: string): Promise<LoginOutcome> {
  try {
    // Under the refresh lock: a login replaces the cookie, which must not cross another tab's refresh.
    const { status, result } = await withLock(() => post<Session>('/api/auth/login', {}, { username, password }));
    if (result.ok) {
      set(result.data);
      tabs?.postMessage('login' satisfies TabMessage);
      return { ok: true };
    }
    return { ok: false, reason: status === 429 ? 'locked' : status === 401 || status === 400 ? 'wrong' : 'unreachable' };
  } catch {
    return { ok: false, reason: 'unreachable' };
  }
}

/** Refresh now by cookie (one tab at a time); false when there is no session (the login page shows) or the server is away. */
export function refresh(): Promise<boolean> {
  inflight ??= withLock(async () => {
    try {
      const { status, result } = await post<Session>('/api/auth/refresh', { [REFRESH_HEADER]: '1' });
      if (result.ok) {
        set(result.data);
        return true;
      }
      // 401: no cookie, or a dead one (expired, revoked, reused): the session is over.
      if (status === 401 || status === 403 || status === 400) set(null);
      else retryLater();
      return false;
    } catch {
      // Server away: keep what we have (or keep waiting at start-up), try again later.
      retryLater();
      return false;
    }
  }).finally(() => (inflight = null));
  return inflight;
}

function retryLater(): void {
  clearTimeout(timer);
  timer = setTimeout(() => void refresh(), RETRY_MS);
}

/** On page load: take up the session the refresh cookie holds, if any. Call once, before rendering needs it. */
export function resume(): Promise<boolean> {
  return state.status === 'starting' && !inflight ? refresh() : (inflight ?? Promise.resolve(state.session !== null));
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = (navigator as Navigator & { locks?: { request(name: string, cb: () => Promise<T>): Promise<T> } }).locks;
  return locks ? locks.request('ioc.session.refresh', fn) : fn();
}

export async function logout(): Promise<void> {
  const token = accessToken();
  set(null);
  // The server ends the session (by the access token, or by the cookie) and clears the cookie.
  await post('/api/auth/logout', token ? { authorization: `Bearer ${token}` } : {}).catch(() => undefined);
  tabs?.postMessage('logout' satisfies TabMessage);
}

/** Signs out, then loads the start page afresh, so that nothing the page held survives the session. */
export function signOutAndLeave(): void {
  void logout().finally(() => window.location.assign('/'));
}

/** fetch with the session's token; on a 401 refreshes once and retries. */
export async function authFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const go = () => {
    const token = accessToken();
    return fetch(url, { ...init, cache: 'no-store', headers: { accept: 'application/json', ...(init.headers as Record<string, string>), ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  };
  const res = await go();
  if (res.status !== 401 || !state.session) return res;
  return (await refresh()) ? go() : res;
}

// Another tab logged in (take up the session by cookie) or out (drop ours: the server has ended it).
tabs?.addEventListener('message', (e: MessageEvent<TabMessage>) => {
  if (e.data === 'login') void refresh();
  else if (e.data === 'logout') set(null);
});
