/**
 * People, roles and sessions: the contract between the server's auth module,
 * the login page and every screen. Permissions are always checked on the
 * server; the client only uses them to hide what would be refused.
 *
 *   POST /api/auth/login    { username, password }  → Result<Session>, sets the refresh cookie
 *   POST /api/auth/refresh  (cookie, X-IOC-Refresh) → Result<Session>, rotates the refresh cookie
 *   POST /api/auth/logout   (cookie)                → Result<null>, clears the refresh cookie
 *   GET  /api/auth/me                               → Result<UserInfo>
 * The refresh token never appears in a JSON answer or in script's reach: it is
 * an HttpOnly, SameSite=Strict cookie scoped to /api/auth (docs/security.md,
 * "Sessions and tokens"). A refresh without the REFRESH_HEADER is refused (403):
 * a cross-site form cannot set a custom header.
 * REST calls carry `Authorization: Bearer <accessToken>`; Socket.IO connections
 * send it in the handshake: `auth: { token }`. A wall display uses a long-lived
 * display token (issued and revoked by an admin) the same way.
 */
import { z } from 'zod';

export const ROLES = ['admin', 'supervisor', 'duty_officer', 'responder', 'wall'] as const;
export type Role = (typeof ROLES)[number];

export interface UserInfo {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  /** Responders are bound to one unit. */
  unitId: string | null;
}

/** What login and refresh answer in JSON. */
export interface Session {
  accessToken: string;
  /** Epoch ms when the access token expires; refresh before. */
  expiresAt: number;
  user: UserInfo;
}

/** The header a refresh must carry (any value): proof that our own script sent it, not a cross-site form. */
export const REFRESH_HEADER = 'x-ioc-refresh';

export const loginBody = z.strictObject({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(256),
});
/** Refresh and logout take no body (the token is the cookie); an empty JSON object is accepted. */
export const refreshBody = z.strictObject({});

/** A wall's display token as an admin sees it (GET /api/admin/display-tokens): never its secret. */
export interface DisplayTokenInfo {
  id: string;
  name: string;
  createdAt: number;
  createdBy: string;
  revokedAt: number | null;
  expiresAt: number | null;
}

/** What an ingest token may do: send CAP alerts, station lists, citizen requests (a citizen app's Open311 api_key), indicator values. */
export const INGEST_SCOPES = ['cap', 'stations', 'open311', 'kpi'] as const;
export type IngestScope = (typeof INGEST_SCOPES)[number];

/** An ingest token as an admin sees it (GET /api/admin/ingest-tokens): everything but its hash. */
export interface IngestTokenInfo {
  id: string;
  name: string;
  /** CAP `<sender>` values this token may send alerts as (scope `cap`). */
  senders: string[];
  scopes: IngestScope[];
  createdAt: number;
  createdBy: string;
  expiresAt: number | null;
  revokedAt: number | null;
}
export type IngestTokenStatus = 'active' | 'revoked' | 'expired';
