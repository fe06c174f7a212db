/**
 * Zod schemas for every MQTT payload in our own (ioc/v1) topic tree.
 * Parsed once at the ingest boundary; nothing past ingest sees raw JSON.
 * Documented for device vendors in docs/protocol.md: keep the two in step.
 */
import { z } from 'zod';
import { INCIDENT_CHANNELS, INCIDENT_TYPES, SEVERITIES, CAMERA_STATES, STATION_STATES, LINK_STATES } from './domain.js';

/** Device ids go into topics and InfluxDB tags: keep them short and plain. */
export const deviceId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'device id: letters, digits, "_", "-", "." only');

/** Epoch milliseconds. */
const epochMs = z.number().int().nonnegative();
const lat = z.number().min(-90).max(90);
const lon = z.number().min(-180).max(180);

/** Every device message carries its own clock and a per-device sequence number. */
const envelope = {
  /** Per-device message counter, +1 per message from 1; a gap means messages were lost upstream. 0 = unsequenced (last-will). */
  seq: z.number().int().nonnegative(),
  /** When the device produced the message (epoch ms). */
  ts: epochMs,
};

export const cameraStatusPayload = z.strictObject({
  ...envelope,
  state: z.enum(CAMERA_STATES),
  fps: z.number().nonnegative().max(240).optional(),
  bitrateKbps: z.number().nonnegative().max(1_000_000).optional(),
  uptimeS: z.number().int().nonnegative().optional(),
  lastFrameTs: epochMs.optional(),
});
export type CameraStatusPayload = z.infer<typeof cameraStatusPayload>;

// The evidence fields are plain lengths and bounds, so the detection schema stays one the fast
// acceptor compiles (server/ingest/fast-accept.ts): what they may name is checked where they are
// used (the snapshot topic's id pattern, EVIDENCE_ORIGINS for a URL, an encoded Frigate path).
const unit = z.number().min(0).max(1);

const detectionBase = {
  ...envelope,
  confidence: z.number().min(0).max(1),
  lat,
  lon,
  lane: z.number().int().min(0).max(16).optional(),
  zone: z.string().max(64).optional(),
  plate: z.string().max(16).optional(),
  /** When the event happened, if earlier than `ts` (e.g. after analysis). */
  eventTs: epochMs.optional(),
  /** Evidence (contract/video.ts): an image sent on the camera's snapshot topic, by its id. */
  snapshotId: z.string().min(1).max(64).optional(),
  /** Evidence: an image at an http(s) URL the server may fetch (EVIDENCE_ORIGINS). */
  snapshot: z.string().min(1).max(512).optional(),
  /** Evidence: a Frigate event whose snapshot and clip Frigate keeps. */
  frigateEventId: z.string().min(1).max(64).optional(),
  /** Where in the picture, as fractions of the frame. */
  box: z.strictObject({ x: unit, y: unit, w: unit, h: unit }).optional(),
};


export const DETECTION_KINDS = [
  'red_light',
  'wrong_way',
  'speeding',
  'illegal_parking',
  'no_helmet',
  'accident',
  'congestion',
  'crowd',
  'fire_smoke',
] as const;
export type DetectionKind = (typeof DETECTION_KINDS)[number];

export const detectionPayload = z.discriminatedUnion('kind', [
  z.strictObject({ ...detectionBase, kind: z.literal('red_light') }),
  z.strictObject({ ...detectionBase, kind: z.literal('wrong_way') }),
  z.strictObject({
    ...detectionBase,
    kind: z.literal('speeding'),
    speedKmh: z.number().positive().max(400),
    limitKmh: z.number().positive().max(200),
  }),
  z.strictObject({ ...detectionBase, kind: z.literal('illegal_parking') }),
  z.strictObject({ ...detectionBase, kind: z.literal('no_helmet') }),
  z.strictObject({ ...detectionBase, kind: z.literal('accident') }),
  z.strictObject({ ...detectionBase, kind: z.literal('congestion'), queueLengthM: z.number().nonnegative().max(50_000) }),
  z.strictObject({ ...detectionBase, kind: z.literal('crowd'), peopleCount: z.number().int().nonnegative().optional() }),
  z.strictObject({ ...detectionBase, kind: z.literal('fire_smoke') }),
]);
export type DetectionPayload = z.infer<typeof detectionPayload>;

export const incidentReportPayload = z
  .strictObject({
    ...envelope,
    channel: z.enum(INCIDENT_CHANNELS),
    type: z.enum(INCIDENT_TYPES),
    severity: z.enum(SEVERITIES),
    lat: lat.optional(),
    lon: lon.optional(),
    address: z.string().min(1).max(300).optional(),
    description: z.string().max(2000),
    /** The reporting system's own id (call id, ticket number); makes re-sends idempotent. */
    externalRef: z.string().min(1).max(128).optional(),
    reporter: z.string().max(128).optional(),
    /** People hurt, as the caller or the patrol counted them. */
    injured: z.number().int().min(0).max(10_000).optional(),
    /** A number to call the reporter back on (shown to officers and to the units sent). */
    callback: z
      .string()
      .regex(/^\+?[0-9 .()-]{3,32}$/, 'a phone number: digits, spaces, + . ( ) -')
      .optional(),
  })
  .refine((p) => (p.lat !== undefined && p.lon !== undefined) || p.address !== undefined, {
    message: 'a report needs lat+lon or an address',
  });
export type IncidentReportPayload = z.infer<typeof incidentReportPayload>;

export const stationStatusPayload = z.strictObject({
  ...envelope,
  state: z.enum(STATION_STATES),
  power: z.enum(['mains', 'battery']),
  batteryPct: z.number().min(0).max(100).optional(),
  backhaul: z.enum(['up', 'down']),
  loadPct: z.number().min(0).max(100).optional(),
  rsrpDbm: z.number().min(-160).max(-20).optional(),
  sinrDb: z.number().min(-30).max(60).optional(),
  activeUsers: z.number().int().nonnegative().optional(),
});
export type StationStatusPayload = z.infer<typeof stationStatusPayload>;

export const linkStatusPayload = z.strictObject({
  ...envelope,
  state: z.enum(LINK_STATES),
  latencyMs: z.number().nonnegative().max(60_000).optional(),
  lossPct: z.number().min(0).max(100).optional(),
});
export type LinkStatusPayload = z.infer<typeof linkStatusPayload>;
