/**
 * GET from the server's REST API. One place, so the session token (security
 * issue #6) is added here once for every panel that reads REST.
 */
import { authHeader } from '../live/socket.js';

export async function apiGet<T>(url: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(url, { signal, headers: { accept: 'application/json', ...authHeader() }, credentials: 'same-origin' });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** The `{ ok, data }` envelope of the workflow routes. */
export async function apiData<T>(url: string, signal?: AbortSignal): Promise<T> {
  const body = await apiGet<{ ok: boolean; data: T; error?: { message: string } }>(url, signal);
  if (!body.ok) throw new Error(body.error?.message ?? url);
  return body.data;
}
