/**
 * Who may do what: THE permission table (issue #6). Every REST route, every
 * Socket.IO command and every subscription is checked against it on the
 * server; the client only reads it to hide what would be refused.
 *
 * Deny by default: a role has exactly the permissions listed, and a REST path
 * without a rule in REST_RULES is refused for everyone (a new route must be
 * given a rule here before anyone can call it).
 */
import type { Role } from '../../contract/auth.js';
import type { ClientToServerEvents, CommandName } from '../../contract/socket.js';

export const PERMISSIONS = [
  /** The live picture over Socket.IO (the audience narrows it) and the city pack. */
  'live:view',
  /** The wall display's panels: counts, coverage, trends (no people, plates or notes). */
  'wall:view',
  /** City-wide REST reads: alerts, incidents, units, devices, feeds, KPIs. */
  'city:view',
  /** History, CSV export, CAP export. */
  'history:view',
  'audit:view',
  'alert:act',
  /** Acknowledge, dispatch, close, reopen an incident. */
  'incident:manage',
  /** On scene, resolve, note: the field steps (a responder: its own unit's incidents only). */
  'incident:field',
  /** Set a unit's status (a responder: its own unit only). */
  'unit:status',
  'rules:manage',
  'units:manage',
  /** Users other than admins; an admin manages admins too (see canManageRole). */
  'users:manage',
  'displays:manage',
  /** Ingest tokens: who may push CAP alerts and station lists into /api/ingest/* (issue #19). */
  'ingest:manage',
  /** Live camera video: which cameras, server/video/access.ts narrows per role (issue #22). */
  'video:view',
  /** The video-conference meeting schedule (issue #23): which points must join when. */
  'vc:manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const OFFICER: Permission[] = ['live:view', 'wall:view', 'city:view', 'history:view', 'alert:act', 'incident:manage', 'incident:field', 'unit:status', 'video:view'];

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  admin: new Set([...OFFICER, 'audit:view', 'rules:manage', 'units:manage', 'users:manage', 'displays:manage', 'ingest:manage', 'vc:manage']),
  supervisor: new Set([...OFFICER, 'audit:view', 'rules:manage', 'units:manage', 'users:manage', 'vc:manage']),
  duty_officer: new Set(OFFICER),
  // A responder sees its unit's incidents over its socket only: no city-wide REST reads.
  responder: new Set(['live:view', 'incident:field', 'unit:status', 'video:view']),
  // Read-only, for a screen in a room: the wall's redacted live picture (push/audience.ts) and panels, nothing else.
  wall: new Set(['live:view', 'wall:view', 'video:view']),
};

export function can(role: Role, p: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(p);
}

/** Roles whose access is narrowed to one unit (their socket audience and their commands). */
export function unitScoped(role: Role): boolean {
  return role === 'responder';
}

/** A supervisor manages users but can neither create nor change an admin (no privilege escalation). */
export function canManageRole(actor: Role, target: Role): boolean {
  if (!can(actor, 'users:manage')) return false;
  return target !== 'admin' || actor === 'admin';
}

export const COMMAND_PERMISSIONS: Record<CommandName, Permission> = {
  'alert:acknowledge': 'alert:act',
  'alert:clear': 'alert:act',
  'incident:acknowledge': 'incident:manage',
  'incident:dispatch': 'incident:manage',
  'incident:close': 'incident:manage',
  'incident:reopen': 'incident:manage',
  'incident:accept': 'incident:field',
  'incident:on_scene': 'incident:field',
  'incident:release': 'incident:field',
  'incident:resolve': 'incident:field',
  'incident:note': 'incident:field',
  'unit:status': 'unit:status',
};

/**
 * Every event a client may send over Socket.IO, and what it needs. The socket
 * gate (socket.ts) refuses an event missing here, whatever its name, before any
 * handler sees it.
 */
export const SOCKET_EVENT_PERMISSIONS: Record<keyof ClientToServerEvents, Permission> = {
  'state:resync': 'live:view',
  ...COMMAND_PERMISSIONS,
};

/** The permission a client event needs, or null when it is not in the table (refused). */
export function socketEventPermission(event: string): Permission | null {
  return Object.hasOwn(SOCKET_EVENT_PERMISSIONS, event) ? SOCKET_EVENT_PERMISSIONS[event as keyof ClientToServerEvents] : null;
}

/** What a command's target needs to be checked against a unit-scoped actor. */
export interface ScopeLookup {
  /** The units working the incident (not released). */
  incidentUnits(id: string): string[];
}

/** null when the actor's role may run this command at all, else why not (checked before parsing). */
export function roleRefusal(name: CommandName, actor: { role: string }): string | null {
  const role = actor.role as Role;
  if (!(role in ROLE_PERMISSIONS)) return 'no such role';
  return can(role, COMMAND_PERMISSIONS[name]) ? null : `${role} may not ${name}`;
}

/** null when a unit-scoped actor may run this command on this target (`input` is parsed: it has the target's id). */
export function scopeRefusal(name: CommandName, input: { id: string }, actor: { role: string; unitId?: string | null | undefined }, scope: ScopeLookup): string | null {
  if (!unitScoped(actor.role as Role)) return null;
  if (!actor.unitId) return 'no unit bound to this account';
  if (name === 'unit:status') return input.id === actor.unitId ? null : 'only your own unit';
  return scope.incidentUnits(input.id).includes(actor.unitId) ? null : 'only incidents your unit is on';
}

/**
 * REST: method + path (under /api) → permission. First match wins. Paths not
 * listed are refused (403) for every role. Public routes (health, login…) are
 * mounted before the guard and never reach this table.
 */
export const REST_RULES: readonly { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; path: RegExp; permission: Permission | 'authenticated' }[] = [
  { method: 'GET', path: /^\/auth\/me$/, permission: 'authenticated' },
  { method: 'GET', path: /^\/citypack$/, permission: 'live:view' },
  { method: 'GET', path: /^\/client-config$/, permission: 'live:view' },
  // The offline basemap archive (server/http/basemap.ts): what the live map draws under the city.
  { method: 'GET', path: /^\/basemap\.pmtiles$/, permission: 'live:view' },
  { method: 'GET', path: /^\/(feeds\/health|devices|kpis|units)$/, permission: 'city:view' },
  { method: 'GET', path: /^\/alerts\/[^/]+\/cap$/, permission: 'history:view' },
  // An alert's evidence image and clip (server/video/evidence.ts): what reading the alert needs.
  { method: 'GET', path: /^\/alerts\/[^/]+\/(snapshot\.jpg|clip\.mp4)$/, permission: 'city:view' },
  // Live video (server/video/routes.ts): server/video/access.ts then narrows it per camera and role.
  { method: 'GET', path: /^\/cameras\/[^/]+\/stream$/, permission: 'video:view' },
  { method: 'POST', path: /^\/cameras\/[^/]+\/stream\/[^/]+\/end$/, permission: 'video:view' },
  { method: 'GET', path: /^\/alerts(\/[^/]+)?$/, permission: 'city:view' },
  { method: 'GET', path: /^\/incidents\.csv$/, permission: 'history:view' },
  // The closed incidents of a day (server/http/closed-incidents.ts), for review and reopening: what the incident reads need.
  { method: 'GET', path: /^\/incidents\/closed$/, permission: 'city:view' },
  { method: 'GET', path: /^\/incidents(\/[^/]+)?$/, permission: 'city:view' },
  { method: 'GET', path: /^\/history$/, permission: 'history:view' },
  // One camera's detections over a window (server/http/detections.ts).
  { method: 'GET', path: /^\/cameras\/[^/]+\/detections$/, permission: 'history:view' },
  // A detection's evidence image from that history (server/video/evidence.ts): a violation's, for its fine.
  { method: 'GET', path: /^\/cameras\/[^/]+\/snapshots\/[^/]+$/, permission: 'history:view' },
  { method: 'GET', path: /^\/audit$/, permission: 'audit:view' },
  // The wall display's panels (server/http/wall-routes.ts) and replay (server/replay, issue 8).
  { method: 'GET', path: /^\/(wall\/config|wall\/today|coverage|trends)$/, permission: 'wall:view' },
  { method: 'GET', path: /^\/replay\/(state|events)$/, permission: 'history:view' },
  // Digital-government indicators: the wall's "Chuyển đổi số" panel (server/http/indicator-routes.ts).
  { method: 'GET', path: /^\/indicators$/, permission: 'wall:view' },
  // Video-conference points and meetings (server/http/vc-routes.ts).
  { method: 'GET', path: /^\/vc$/, permission: 'wall:view' },
  { method: 'POST', path: /^\/vc\/meetings$/, permission: 'vc:manage' },
  { method: 'DELETE', path: /^\/vc\/meetings\/[^/]+$/, permission: 'vc:manage' },
  // Commands: Commands.run checks the command's own permission (and a responder's unit) again.
  { method: 'POST', path: /^\/alerts\/[^/]+\/(acknowledge|clear)$/, permission: 'alert:act' },
  { method: 'POST', path: /^\/incidents\/[^/]+\/(notes|accept|on[-_]scene|release|resolve)$/, permission: 'incident:field' },
  { method: 'POST', path: /^\/incidents\/[^/]+\/[^/]+$/, permission: 'incident:manage' },
  { method: 'POST', path: /^\/units\/[^/]+\/status$/, permission: 'unit:status' },
  // Administration (server/auth/routes.ts checks the target's role too).
  { method: 'GET', path: /^\/admin\/users$/, permission: 'users:manage' },
  { method: 'POST', path: /^\/admin\/users$/, permission: 'users:manage' },
  { method: 'PATCH', path: /^\/admin\/users\/[^/]+$/, permission: 'users:manage' },
  { method: 'POST', path: /^\/admin\/users\/[^/]+\/password$/, permission: 'users:manage' },
  { method: 'POST', path: /^\/admin\/sessions\/[^/]+\/revoke$/, permission: 'users:manage' },
  { method: 'DELETE', path: /^\/admin\/sessions\/[^/]+$/, permission: 'users:manage' },
  { method: 'GET', path: /^\/admin\/display-tokens$/, permission: 'displays:manage' },
  { method: 'POST', path: /^\/admin\/display-tokens$/, permission: 'displays:manage' },
  { method: 'DELETE', path: /^\/admin\/display-tokens\/[^/]+$/, permission: 'displays:manage' },
  // Ingest tokens (server/ingest/token-routes.ts).
  { method: 'GET', path: /^\/admin\/ingest-tokens$/, permission: 'ingest:manage' },
  { method: 'POST', path: /^\/admin\/ingest-tokens$/, permission: 'ingest:manage' },
  { method: 'DELETE', path: /^\/admin\/ingest-tokens\/[^/]+$/, permission: 'ingest:manage' },
];

/** The permission a REST call needs, or null when no rule covers it (refused). `path` is relative to /api. */
export function restPermission(method: string, path: string): Permission | 'authenticated' | null {
  const m = method === 'HEAD' ? 'GET' : method;
  for (const r of RULES_ANY_CASE) if (r.method === m && r.path.test(path)) return r.permission;
  return null;
}

/**
 * The same rules, matched in any case: the guard decides on the normalized path
 * (server/http/paths.ts), and `/API/Admin/users` must need what `/api/admin/users`
 * needs even though routing, being case-sensitive, then answers 404.
 */
const RULES_ANY_CASE = REST_RULES.map((r) => ({ ...r, path: new RegExp(r.path.source, 'i') }));
