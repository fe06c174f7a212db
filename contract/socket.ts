/**
 * Typed Socket.IO contract, both directions.
 *   server: Server<ClientToServerEvents, ServerToClientEvents>
 *   client: Socket<ServerToClientEvents, ClientToServerEvents>
 * Event names read `entity:verb`. Commands answer through an ack with a Result.
 *
 * Delivery model (see docs/protocol.md): on connect the server sends `state:snapshot`
 * with the sequence number it reflects; every later change comes as `state:delta`
 * with consecutive sequence numbers. A client that sees a gap asks `state:resync`.
 */
import type { Alert } from './alerts.js';
import type { Camera, FeedHealth, Incident, Link, Station, Unit, UnitStatus } from './domain.js';
import type { LiveTable } from './live.js';

export const ERROR_CODES = [
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'invalid_transition',
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export type Result<T> = { ok: true; data: T } | { ok: false; error: { code: ErrorCode; message: string } };
export type Ack<T> = (result: Result<T>) => void;

export interface Kpis {
  openIncidents: Record<'critical' | 'major' | 'minor' | 'info', number>;
  activeAlerts: number;
  cameraAvailabilityPct: number | null;
  stationAvailabilityPct: number | null;
  /** Mean time to acknowledge / resolve today, seconds. */
  mttaS: number | null;
  mttrS: number | null;
  coveragePct: number | null;
}

export interface Snapshot {
  /** Identifies this server's run: a seq only means something within one epoch. */
  epoch: string;
  seq: number;
  serverTime: number;
  cameras: Camera[];
  stations: Station[];
  links: Link[];
  alerts: Alert[];
  incidents: Incident[];
  units: Unit[];
  kpis: Kpis;
  feeds: FeedHealth[];
}

/**
 * One change to the live picture, as the server's components see it. Devices carry
 * their full new state (last write wins).
 */
export type FullChange =
  | { kind: 'camera'; camera: Camera }
  | { kind: 'station'; station: Station }
  | { kind: 'link'; link: Link }
  | { kind: 'alert'; alert: Alert }
  | { kind: 'incident'; incident: Incident }
  | { kind: 'unit'; unit: Unit }
  /** Something left this screen's view (e.g. an incident reassigned to another unit): drop it. */
  | { kind: 'gone'; entity: 'alert' | 'incident' | 'unit'; id: string }
  | { kind: 'kpis'; kpis: Kpis }
  | { kind: 'feeds'; feeds: FeedHealth[] };

/**
 * One change as a delta carries it. A device the screen already knows comes in a
 * `live` table, with only the live fields that changed since the previous delta
 * (merge them into the device held: a station's load and `lastSeen`, say, not its
 * power or backhaul; ./live.ts); a device first seen, or whose site data changed (an
 * OpenCelliD import), comes whole.
 */
export type Change = FullChange | LiveTable;

export interface Delta {
  seq: number;
  changes: Change[];
}

export interface ServerToClientEvents {
  'state:snapshot': (snapshot: Snapshot) => void;
  'state:delta': (delta: Delta) => void;
}

/** Every command names its target and, where it changes state, the version the officer saw. */
export interface VersionedTarget {
  id: string;
  version: number;
  note?: string;
}

export const INCIDENT_ACTIONS = ['acknowledge', 'dispatch', 'accept', 'on_scene', 'release', 'resolve', 'close', 'reopen'] as const;
export type IncidentAction = (typeof INCIDENT_ACTIONS)[number];

export interface ClientToServerEvents {
  /** Ask for a fresh snapshot (after a detected sequence gap). */
  'state:resync': (ack: Ack<Snapshot>) => void;
  'alert:acknowledge': (cmd: VersionedTarget, ack: Ack<Alert>) => void;
  'alert:clear': (cmd: VersionedTarget, ack: Ack<Alert>) => void;
  'incident:acknowledge': (cmd: VersionedTarget, ack: Ack<Incident>) => void;
  /** Send one more unit (the others stay); `reassign` takes it from the incident it is on. */
  'incident:dispatch': (cmd: VersionedTarget & { unitId: string; reassign?: boolean }, ack: Ack<Incident>) => void;
  /** The crew takes the task (a step of its own, not a note). */
  'incident:accept': (cmd: VersionedTarget & { unitId?: string }, ack: Ack<Incident>) => void;
  /** A unit arrives; the incident is on scene with its first unit. */
  'incident:on_scene': (cmd: VersionedTarget & { unitId?: string }, ack: Ack<Incident>) => void;
  /** A unit leaves the incident (the others stay); confirmed in the console. */
  'incident:release': (cmd: VersionedTarget & { unitId?: string }, ack: Ack<Incident>) => void;
  /** An officer resolves the incident (every unit released); a unit resolves its part, and the incident with the last one. */
  'incident:resolve': (cmd: VersionedTarget & { unitId?: string }, ack: Ack<Incident>) => void;
  'incident:close': (cmd: VersionedTarget, ack: Ack<Incident>) => void;
  'incident:reopen': (cmd: VersionedTarget, ack: Ack<Incident>) => void;
  'incident:note': (cmd: { id: string; note: string }, ack: Ack<Incident>) => void;
  'unit:status': (cmd: { id: string; status: UnitStatus; version: number }, ack: Ack<Unit>) => void;
}

/** The commands a console or responder sends (every client event but the resync request): the server's
 *  command table and permission table, and the client's sendCommand, are keyed by it. */
export type CommandName = Exclude<keyof ClientToServerEvents, 'state:resync'>;

/** Between the servers of a cluster, over the Socket.IO adapter (Redis): each answers with its own screens. */
export interface InterServerEvents {
  'cluster:consoles': (reply: (r: { instance: string; role: string; consoles: number }) => void) => void;
  /** The leader's changes of alerts, incidents and units, at once (server/cluster/relay.ts). */
  'cluster:changes': (changes: ({ stream: 'alert' | 'incident' | 'unit'; state: Alert | Incident | Unit; force?: boolean } | { stream: 'alert' | 'incident' | 'unit'; id: string; gone: true })[]) => void;
}

/**
 * Which picture a screen gets: the whole city (duty officer, supervisor), a
 * district (some wards only), one responder unit's own incidents, or the wall's
 * (the whole city without plates, notes, callers' words or references).
 */
export type Audience = { kind: 'city' } | { kind: 'wards'; wardIds: string[] } | { kind: 'unit'; unitId: string } | { kind: 'wall' };

/** What a console sends in the Socket.IO handshake `auth`. */
export interface HandshakeAuth {
  token?: string;
  /** Wards of the district to watch; omit for the whole city. (A responder's unit comes from its session.) */
  wards?: string[];
  /** Where it left off, to catch up with deltas instead of a snapshot. */
  epoch?: string;
  lastSeq?: number;
}

export interface SocketData {
  userId: string | null;
  audience: Audience;
}
