/**
 * The browser's side of sessions (contract/auth.ts): log in, keep the access
 * token fresh, log out. The session is kept in localStorage under
 * `ioc.session` (the responder screen reads it there too) so that a console
 * survives a reload and every tab shares it; the strict CSP is what keeps
 * scripts that could read it out of the page.
 *
 * The access token is refreshed a minute before it expires (the server
 * rotates the refresh token each time). Tabs refresh one at a time
 * (navigator.locks): presenting an already-rotated refresh token would make
 * the server end the session as stolen. After a refresh the live socket
 * reconnects with the new token and catches up from its last seq.
 */
import type { Session, UserInfo } from '../../../contract/auth.js';
import type { Result } from '../../../contract/socket.js';

const KEY = 'ioc.session';
const REFRESH_BEFORE_MS = 60_000;

type Listener = () => void;
const listeners = new Set<Listener>();
let current: Session | null = read();
let timer: ReturnType<typeof setTimeout> | undefined;
let inflight: Promise<boolean> | null = null;
/** Called after the token changed (the live socket reconnects with it). */
let onTokenChange: (() => void) | null = null;

function read(): Session | null {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Session | null;
    return s && typeof s.accessToken === 'string' && typeof s.refreshToken === 'string' && s.user ? s : null;
  } catch {
    return null;
  }
}

function set(s: Session | null): void {
  current = s;
  try {
    if (s) localStorage.setItem(KEY, JSON.stringify(s));
    else localStorage.removeItem(KEY);
  } catch {
    /* storage off by policy: the session lasts as long as this tab */
  }
  schedule();
  for (const l of listeners) l();
}

function schedule(): void {
  clearTimeout(timer);
  if (!current) return;
  const wait = Math.max(5_000, current.expiresAt - Date.now() - REFRESH_BEFORE_MS);
  timer = setTimeout(() => void refresh(), wait);
}

/** The current session, or null (the login page shows). */
export function getSession(): Session | null {
  return current;
}
export function currentUser(): UserInfo | null {
  return current?.user ?? null;
}
/** For the Socket.IO handshake and REST: synchronous, kept fresh by the timer. */
export function accessToken(): string | null {
  return current?.accessToken ?? null;
}
export function subscribe(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}
export function setTokenChangeHandler(fn: () => void): void {
  onTokenChange = fn;
}

async function post<T>(url: string, body: unknown, token?: string): Promise<{ status: number; result: Result<T> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
    cache: 'no-store',
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
    const { status, result } = await post<Session>('/api/auth/login', { username, password });
    if (result.ok) {
      set(result.data);
      onTokenChange?.();
      return { ok: true };
    }
    return { ok: false, reason: status === 429 ? 'locked' : status === 401 || status === 400 ? 'wrong' : 'unreachable' };
  } catch {
    return { ok: false, reason: 'unreachable' };
  }
}

/** Refresh now (one tab at a time); false when the session is over (the login page shows). */
export function refresh(): Promise<boolean> {
  inflight ??= withLock(async () => {
    // Another tab may have refreshed while we waited for the lock: take its session.
    const stored = read();
    if (stored && current && stored.refreshToken !== current.refreshToken && stored.expiresAt - Date.now() > REFRESH_BEFORE_MS) {
      set(stored);
      onTokenChange?.();
      return true;
    }
    const s = stored ?? current;
    if (!s) return false;
    try {
      const { status, result } = await post<Session>('/api/auth/refresh', { refreshToken: s.refreshToken });
      if (result.ok) {
        set(result.data);
        onTokenChange?.();
        return true;
      }
      if (status === 401 || status === 400) set(null);
      else schedule();
      return false;
    } catch {
      // Server away: keep the session, try again later.
      timer = setTimeout(() => void refresh(), 10_000);
      return false;
    }
  }).finally(() => (inflight = null));
  return inflight;
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = (navigator as Navigator & { locks?: { request(name: string, cb: () => Promise<T>): Promise<T> } }).locks;
  return locks ? locks.request('ioc.session.refresh', fn) : fn();
}

export async function logout(): Promise<void> {
  const s = current;
  set(null);
  if (s) await post('/api/auth/logout', { refreshToken: s.refreshToken }, s.accessToken).catch(() => undefined);
}

/** fetch with the session's token; on a 401 refreshes once and retries. */
export async function authFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const go = () => fetch(url, { ...init, cache: 'no-store', headers: { accept: 'application/json', ...(init.headers as Record<string, string>), ...(current ? { authorization: `Bearer ${current.accessToken}` } : {}) } });
  const res = await go();
  if (res.status !== 401 || !current) return res;
  return (await refresh()) ? go() : res;
}

// Another tab logged in, refreshed or logged out.
window.addEventListener('storage', (e) => {
  if (e.key !== KEY && e.key !== null) return;
  const s = read();
  if (s?.accessToken === current?.accessToken) return;
  current = s;
  schedule();
  for (const l of listeners) l();
});
schedule();
