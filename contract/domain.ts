/**
 * Domain types shared by server, client and simulators.
 * These are the shapes of the live picture: what the registry holds, what the
 * push layer sends, what the console renders. Wire payloads (MQTT) live in
 * ./payloads.ts and are parsed into these at the ingest boundary.
 */

export const SEVERITIES = ['critical', 'major', 'minor', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];
/** Lower rank = more urgent; used to sort queues. */
export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, major: 1, minor: 2, info: 3 };

export type LngLat = [lon: number, lat: number];

export const CAMERA_STATES = ['online', 'degraded', 'offline'] as const;
export type CameraState = (typeof CAMERA_STATES)[number];

export const STATION_STATES = ['up', 'degraded', 'down'] as const;
export type StationState = (typeof STATION_STATES)[number];

export const LINK_STATES = ['up', 'degraded', 'down'] as const;
export type LinkState = (typeof LINK_STATES)[number];

export const OPERATORS = ['Viettel', 'VNPT', 'MobiFone'] as const;
export type Operator = (typeof OPERATORS)[number];

export const RADIO_TECHS = ['2G', '3G', '4G', '5G'] as const;
export type RadioTech = (typeof RADIO_TECHS)[number];

/** What the console knows about one camera: static site data plus its last reported state. */
export interface Camera {
  id: string;
  name: string;
  position: LngLat | null;
  wardId: string | null;
  roadId: string | null;
  kind: 'traffic' | 'security';
  state: CameraState | 'unknown';
  fps: number | null;
  bitrateKbps: number | null;
  /** Epoch ms of the last message from this camera (any kind). */
  lastSeen: number | null;
  /** True when the camera has been silent longer than its expected interval. */
  stale: boolean;
}

export interface Station {
  id: string;
  name: string;
  position: LngLat | null;
  operator: Operator | null;
  techs: RadioTech[];
  /** Coverage radius in metres. */
  radiusM: number;
  wardId: string | null;
  state: StationState | 'unknown';
  power: 'mains' | 'battery' | null;
  batteryPct: number | null;
  backhaul: 'up' | 'down' | null;
  loadPct: number | null;
  lastSeen: number | null;
  stale: boolean;
}

export interface Link {
  id: string;
  name: string;
  /** Endpoints: site or ward ids. */
  from: string;
  to: string;
  path: LngLat[];
  state: LinkState | 'unknown';
  latencyMs: number | null;
  lossPct: number | null;
  lastSeen: number | null;
  stale: boolean;
}

export const INCIDENT_TYPES = [
  'traffic_accident',
  'fire',
  'medical',
  'crime',
  'flood',
  'crowd',
  'infrastructure',
  'telecom_outage',
  'other',
] as const;
export type IncidentType = (typeof INCIDENT_TYPES)[number];

export const INCIDENT_CHANNELS = [
  'hotline_113',
  'hotline_114',
  'hotline_115',
  'citizen_app',
  'patrol',
  'agency',
  'cap',
  'system',
] as const;
export type IncidentChannel = (typeof INCIDENT_CHANNELS)[number];

export const INCIDENT_STATUSES = ['new', 'acknowledged', 'dispatched', 'on_scene', 'resolved', 'closed'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** One step in an incident's life: a transition or a note, with who and when. */
export interface IncidentEntry {
  at: number;
  by: string;
  action: 'created' | 'report' | 'acknowledge' | 'dispatch' | 'on_scene' | 'resolve' | 'close' | 'reopen' | 'note' | 'link_alert' | 'update' | 'cancel';
  from?: IncidentStatus;
  to?: IncidentStatus;
  unitId?: string;
  alertId?: string;
  note?: string;
}

export interface Incident {
  id: string;
  type: IncidentType;
  severity: Severity;
  status: IncidentStatus;
  channel: IncidentChannel;
  position: LngLat | null;
  address: string | null;
  description: string;
  externalRef: string | null;
  wardId: string | null;
  unitId: string | null;
  alertIds: string[];
  cameraIds: string[];
  /** Nearby cameras with their distance, nearest first. */
  cameraDistancesM: number[];
  timeline: IncidentEntry[];
  createdAt: number;
  updatedAt: number;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
  /** Optimistic-concurrency version: bumped on every change. */
  version: number;
}

export const UNIT_KINDS = ['police_traffic', 'security', 'fire', 'ambulance', 'telecom_crew'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];
export const UNIT_STATUSES = ['available', 'busy', 'off_duty'] as const;
export type UnitStatus = (typeof UNIT_STATUSES)[number];

/** A responder unit: a patrol car, a fire engine, an ambulance, a telecom field crew. */
export interface Unit {
  id: string;
  name: string;
  kind: UnitKind;
  status: UnitStatus;
  position: LngLat;
  incidentId: string | null;
  updatedAt: number;
  version: number;
}

export const ALERT_STATES = ['active', 'acknowledged', 'cleared'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export interface Alert {
  id: string;
  /** Rule that raised it, e.g. `camera_offline`, `coverage_loss`. */
  rule: string;
  /** Repeats of the same condition update this alert instead of raising another. */
  dedupeKey: string;
  severity: Severity;
  state: AlertState;
  title: string;
  source: { kind: 'camera' | 'station' | 'link' | 'incident' | 'ward'; id: string };
  position: LngLat | null;
  wardId: string | null;
  incidentId: string | null;
  count: number;
  firstSeen: number;
  lastSeen: number;
  escalated: boolean;
  /** Rule-specific figures, e.g. uncoveredPct for coverage loss. */
  data: Record<string, number | string>;
  acknowledgedBy: string | null;
  acknowledgedAt: number | null;
  clearedBy: string | null;
  clearedAt: number | null;
  version: number;
}

export type FeedFamily = 'cameras' | 'incidents' | 'telecom' | 'frigate' | 'cap';

/** Health of one feed family as shown in the console header and /api/feeds/health. */
export interface FeedHealth {
  feed: FeedFamily;
  messages: number;
  /** Messages per second over the last minute. */
  rate: number;
  lastMessageAt: number | null;
  rejected: Record<string, number>;
  /** Per-device sequence gaps (messages lost upstream) and duplicates. */
  gaps: number;
  duplicates: number;
  silentDevices: number;
}
