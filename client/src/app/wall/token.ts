/**
 * The one place the wall's display token is handled. A wall is opened as
 * /wall?token=<display token> (issued by an admin, read-only role `wall`).
 * The token is taken out of the address bar (so it does not linger on screen
 * or in screenshots) and kept in sessionStorage for reloads. REST calls send it
 * as a Bearer header; the Socket.IO handshake gets it from the auth client
 * (client/src/auth, security issue #6) once that exists: `wallToken()` is what
 * it should read for this screen.
 */
const KEY = 'ioc.wall.token';

export function captureWallToken(): void {
  const url = new URL(window.location.href);
  const t = url.searchParams.get('token');
  if (!t) return;
  try {
    sessionStorage.setItem(KEY, t);
  } catch {
    /* storage off: the token stays in the address bar instead */
    return;
  }
  url.searchParams.delete('token');
  window.history.replaceState(null, '', url.pathname + url.search + url.hash);
}

export function wallToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return new URL(window.location.href).searchParams.get('token');
  }
}

/** fetch JSON with the display token when there is one; throws on HTTP errors. */
export async function wallFetch<T>(url: string, signal?: AbortSignal): Promise<T> {
  const token = wallToken();
  const res = await fetch(url, { signal: signal ?? null, headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, cache: 'no-store' });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const body = (await res.json()) as { ok?: boolean; data?: T } & T;
  return (body.ok === true && 'data' in body ? body.data : body) as T;
}
