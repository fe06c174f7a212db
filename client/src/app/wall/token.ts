/**
 * The one place the wall's display token is handled. A wall is opened as
 * /wall#token=<display token> (issued by an admin, read-only role `wall`): a
 * fragment is never sent to a server, so the token is in no request line, no
 * proxy log and no Referer. It is taken out of the address bar at once (so it
 * does not linger on screen or in screenshots) and kept in sessionStorage for
 * reloads. REST calls and the Socket.IO handshake send it as the bearer token.
 *
 * A token the server refuses (unknown, revoked, expired) is forgotten and the
 * wall says so (WallGate) instead of retrying forever; so does a wall opened
 * without one. A `?token=` in the query is not used (it has already travelled
 * in a request line): it is only removed from the address bar.
 */
import type { Socket } from 'socket.io-client';

const KEY = 'ioc.wall.token';

/** `none`: no token; `unchecked`: one, not yet answered by the server; `valid`; `refused`. */
export type WallTokenState = 'none' | 'unchecked' | 'valid' | 'refused';
let state: WallTokenState = 'none';
let memory: string | null = null;
const listeners = new Set<() => void>();

function setState(next: WallTokenState): void {
  if (next === state) return;
  state = next;
  for (const l of listeners) l();
}

export function captureWallToken(): void {
  const url = new URL(window.location.href);
  const fragment = new URLSearchParams(url.hash.slice(1));
  const fromHash = fragment.get('token');
  const inQuery = url.searchParams.has('token');
  if (fromHash) {
    memory = fromHash;
    try {
      sessionStorage.setItem(KEY, fromHash);
    } catch {
      /* storage off: the token lasts as long as this page */
    }
    fragment.delete('token');
    url.hash = fragment.toString();
  }
  url.searchParams.delete('token');
  if (fromHash || inQuery) window.history.replaceState(null, '', url.pathname + url.search + (url.hash.length > 1 ? url.hash : ''));
  state = wallToken() ? 'unchecked' : 'none';
}

export function wallToken(): string | null {
  try {
    return sessionStorage.getItem(KEY) ?? memory;
  } catch {
    return memory;
  }
}

export function wallTokenState(): WallTokenState {
  return state;
}
export function subscribeWallToken(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** The server refused the token: forget it (no handshake retries with it) and say so. */
export function refuseWallToken(): void {
  memory = null;
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    /* nothing stored */
  }
  setState('refused');
}

/** Ask the server once whether the token is good (GET /api/auth/me). Only a 401 is a refusal: an unreachable server is retried by the screens. */
export async function checkWallToken(): Promise<void> {
  const token = wallToken();
  if (!token) return setState('none');
  try {
    const res = await fetch('/api/auth/me', { headers: { accept: 'application/json', authorization: `Bearer ${token}` }, cache: 'no-store' });
    if (res.status === 401) refuseWallToken();
    else setState('valid');
  } catch {
    setState('valid');
  }
}

/** A handshake refused as unauthorized (revoked or expired meanwhile) ends the wall's attempts. */
export function bindSocketToWallToken(socket: Pick<Socket, 'on' | 'disconnect'>): void {
  socket.on('connect_error', (err: Error) => {
    if (err.message !== 'unauthorized') return;
    refuseWallToken();
    socket.disconnect();
  });
}

/** fetch JSON with the display token when there is one; throws on HTTP errors. */
export async function wallFetch<T>(url: string, signal?: AbortSignal): Promise<T> {
  const token = wallToken();
  const res = await fetch(url, { signal: signal ?? null, headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, cache: 'no-store' });
  if (res.status === 401 && token) refuseWallToken();
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const body = (await res.json()) as { ok?: boolean; data?: T } & T;
  return (body.ok === true && 'data' in body ? body.data : body) as T;
}
