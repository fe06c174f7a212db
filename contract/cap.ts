/**
 * OASIS CAP 1.2 (Common Alerting Protocol) as a clean typed object: what
 * server/ingest/cap/parse.ts produces from XML and build.ts turns back into XML. It is the
 * format agencies exchange warnings in, read by the ingest, the bus, the alerts' export and the
 * incident desk, so it lives in the contract (issue #25: core modules do not import the ingest). Times are epoch
 * ms; coordinates are [lon, lat] like the rest of the console (CAP writes "lat,lon").
 * Spec: https://docs.oasis-open.org/emergency/cap/v1.2/CAP-v1.2.html
 */
export const CAP_NS = 'urn:oasis:names:tc:emergency:cap:1.2';

/** CAP dateTime in UTC, written "-00:00" as the spec asks (never "Z"). */
export function capDateTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-11-23T01:00:00.000Z
  const frac = ms % 1000 === 0 ? '' : iso.slice(19, 23);
  return `${iso.slice(0, 19)}${frac}-00:00`;
}

export const CAP_STATUSES = ['Actual', 'Exercise', 'System', 'Test', 'Draft'] as const;
export const CAP_MSG_TYPES = ['Alert', 'Update', 'Cancel', 'Ack', 'Error'] as const;
export const CAP_SCOPES = ['Public', 'Restricted', 'Private'] as const;
export const CAP_CATEGORIES = ['Geo', 'Met', 'Safety', 'Security', 'Rescue', 'Fire', 'Health', 'Env', 'Transport', 'Infra', 'CBRNE', 'Other'] as const;
export const CAP_URGENCIES = ['Immediate', 'Expected', 'Future', 'Past', 'Unknown'] as const;
export const CAP_SEVERITIES = ['Extreme', 'Severe', 'Moderate', 'Minor', 'Unknown'] as const;
export const CAP_CERTAINTIES = ['Observed', 'Likely', 'Possible', 'Unlikely', 'Unknown'] as const;

export type CapStatus = (typeof CAP_STATUSES)[number];
export type CapMsgType = (typeof CAP_MSG_TYPES)[number];
export type CapScope = (typeof CAP_SCOPES)[number];
export type CapCategory = (typeof CAP_CATEGORIES)[number];
export type CapUrgency = (typeof CAP_URGENCIES)[number];
export type CapSeverity = (typeof CAP_SEVERITIES)[number];
export type CapCertainty = (typeof CAP_CERTAINTIES)[number];

export interface CapReference {
  sender: string;
  identifier: string;
  /** Epoch ms. */
  sent: number;
}

export interface CapArea {
  areaDesc: string;
  /** Closed rings of [lon, lat]; first point == last point. */
  polygons: [number, number][][];
  circles: { center: [number, number]; radiusKm: number }[];
  geocodes: { valueName: string; value: string }[];
}

/** A file that goes with an info: an evidence image or clip (CAP 1.2 §3.2.3). */
export interface CapResource {
  resourceDesc: string;
  mimeType: string;
  /** A full absolute URI (our alert's evidence route). */
  uri?: string;
}

export interface CapInfo {
  categories: CapCategory[];
  event: string;
  urgency: CapUrgency;
  severity: CapSeverity;
  certainty: CapCertainty;
  /** RFC 3066 code; CAP's default when absent is en-US. */
  language: string;
  headline?: string;
  description?: string;
  instruction?: string;
  senderName?: string;
  web?: string;
  contact?: string;
  effective?: number;
  onset?: number;
  expires?: number;
  /** Present only when there are some, so a parsed message without any deep-equals its source. */
  resources?: CapResource[];
  areas: CapArea[];
}

export interface CapAlert {
  identifier: string;
  sender: string;
  /** Epoch ms. */
  sent: number;
  status: CapStatus;
  msgType: CapMsgType;
  scope: CapScope;
  source?: string;
  /** Required when scope is Restricted. */
  restriction?: string;
  /** Required when scope is Private (space-separated, quoted when they contain spaces). */
  addresses?: string;
  note?: string;
  /** Earlier messages this one updates or cancels (required for Update / Cancel). */
  references: CapReference[];
  infos: CapInfo[];
}
