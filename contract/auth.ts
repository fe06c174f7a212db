/**
 * People, roles and sessions: the contract between the server's auth module,
 * the login page and every screen. Permissions are always checked on the
 * server; the client only uses them to hide what would be refused.
 *
 *   POST /api/auth/login    { username, password }  → Result<Session>
 *   POST /api/auth/refresh  { refreshToken }        → Result<Session>
 *   POST /api/auth/logout   { refreshToken }        → Result<null>
 *   GET  /api/auth/me                               → Result<UserInfo>
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

export interface Session {
  accessToken: string;
  /** Epoch ms when the access token expires; refresh before. */
  expiresAt: number;
  refreshToken: string;
  user: UserInfo;
}

export const loginBody = z.strictObject({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(256),
});
export const refreshBody = z.strictObject({ refreshToken: z.string().min(16).max(512) });
