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
import type { Alert, Camera, FeedHealth, Incident, Link, Station } from './domain.js';

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
  seq: number;
  serverTime: number;
  cameras: Camera[];
  stations: Station[];
  links: Link[];
  alerts: Alert[];
  incidents: Incident[];
  kpis: Kpis;
  feeds: FeedHealth[];
}

/** One change to the live picture. Devices carry their full new state (last write wins). */
export type Change =
  | { kind: 'camera'; camera: Camera }
  | { kind: 'station'; station: Station }
  | { kind: 'link'; link: Link }
  | { kind: 'alert'; alert: Alert }
  | { kind: 'incident'; incident: Incident }
  | { kind: 'kpis'; kpis: Kpis }
  | { kind: 'feeds'; feeds: FeedHealth[] };

export interface Delta {
  seq: number;
  changes: Change[];
}

export interface ServerToClientEvents {
  'state:snapshot': (snapshot: Snapshot) => void;
  'state:delta': (delta: Delta) => void;
}

export interface ClientToServerEvents {
  /** Ask for a fresh snapshot (after a detected sequence gap). */
  'state:resync': (ack: Ack<Snapshot>) => void;
}

export interface InterServerEvents {
  ping: () => void;
}

export interface SocketData {
  userId: string | null;
}
