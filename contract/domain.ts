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

/**
 * One step in an incident's life: a transition, a unit's step, or a note, with who and when.
 * A unit's steps (dispatch, accept, on_scene, release, reassign) name the unit.
 */
export interface IncidentEntry {
  at: number;
  by: string;
  action:
    | 'created'
    | 'report'
    | 'acknowledge'
    | 'dispatch'
    | 'accept'
    | 'on_scene'
    | 'release'
    | 'reassign'
    | 'resolve'
    | 'close'
    | 'reopen'
    | 'note'
    | 'link_alert'
    | 'update'
    | 'cancel';
  from?: IncidentStatus;
  to?: IncidentStatus;
  unitId?: string;
  /** A reassignment: the incident the unit came from (on `reassign`), or went to (on `release`). */
  otherIncidentId?: string;
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
  /** People hurt, as a report counted them; null when none did. */
  injured: number | null;
  /** Someone is hurt: a report counted injured, a medical report joined, or a caller said so. It calls for an ambulance. */
  hurt: boolean;
  /** The reporter's callback number: shown to officers and to the units on this incident only. */
  callback: string | null;
  /** Every unit sent to it, released ones included (for the record), in dispatch order. */
  units: IncidentUnit[];
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

/** A unit's part in one incident: sent, accepted by the crew, on scene, released. */
export const INCIDENT_UNIT_STATUSES = ['dispatched', 'accepted', 'on_scene', 'released'] as const;
export type IncidentUnitStatus = (typeof INCIDENT_UNIT_STATUSES)[number];

export interface IncidentUnit {
  unitId: string;
  status: IncidentUnitStatus;
  dispatchedAt: number;
  dispatchedBy: string;
  acceptedAt: number | null;
  arrivedAt: number | null;
  releasedAt: number | null;
}

/**
 * An incident as stored by any version: one written before incidents had several units
 * (`unitId`) gets its `units`, and the fields added since get their empty values.
 * Readers of old events (the replay, the import) pass incidents through it.
 */
export function normalizeIncident(raw: Incident & { unitId?: string | null }): Incident {
  if (Array.isArray(raw.units)) return raw;
  const { unitId, ...rest } = raw;
  const active = raw.status === 'dispatched' || raw.status === 'on_scene';
  const units: IncidentUnit[] = unitId
    ? [
        {
          unitId,
          status: active ? (raw.status === 'on_scene' ? 'on_scene' : 'dispatched') : 'released',
          dispatchedAt: raw.updatedAt,
          dispatchedBy: 'system',
          acceptedAt: null,
          arrivedAt: null,
          releasedAt: active ? null : (raw.resolvedAt ?? raw.updatedAt),
        },
      ]
    : [];
  return { ...rest, units, hurt: raw.hurt ?? false, injured: raw.injured ?? null, callback: raw.callback ?? null };
}

/** The units still working an incident (not released). */
export const activeUnits = (i: Pick<Incident, 'units'>): IncidentUnit[] => i.units.filter((u) => u.status !== 'released');

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
  /** A telecom crew's network operator (VNPT, Viettel, MobiFone): it is sent to that operator's stations. */
  operator?: string | undefined;
  incidentId: string | null;
  updatedAt: number;
  version: number;
}

export type FeedFamily = 'cameras' | 'incidents' | 'telecom' | 'frigate' | 'cap' | 'open311' | 'kpi' | 'vc';

/** Health of one feed family as shown in the console header and /api/feeds/health. */
export interface FeedHealth {
  feed: FeedFamily;
  /**
   * Server time of these figures. A feed's silence is `at − lastMessageAt`: the server's
   * reading, pushed every few seconds, so no screen's clock can make a feed look silent.
   */
  at: number;
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
