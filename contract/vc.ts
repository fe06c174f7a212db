/**
 * Video-conference points (issue #23 part 1): the feed each point sends
 * (`ioc/v1/vc/{pointId}/status`), the meeting schedule supervisors keep over REST
 * (`/api/vc/meetings`), and what `GET /api/vc` answers: every point's last state and
 * the readiness of the next meeting, by commune. Points are the city pack's `vcPoints`.
 */
import { z } from 'zod';
import type { LngLat } from './domain.js';
import { deviceId } from './payloads.js';

export const VC_STATES = ['online', 'offline', 'in_session'] as const;
export type VcState = (typeof VC_STATES)[number];

const epochMs = z.number().int().nonnegative();

export const vcStatusPayload = z.strictObject({
  seq: z.number().int().nonnegative(),
  ts: epochMs,
  state: z.enum(VC_STATES),
  /** When the point last made its test call to the provincial bridge, and whether it got through. */
  lastTestCallAt: epochMs.optional(),
  lastTestCallOk: z.boolean().optional(),
  lossPct: z.number().min(0).max(100).optional(),
  jitterMs: z.number().min(0).max(10_000).optional(),
  rttMs: z.number().min(0).max(60_000).optional(),
});
export type VcStatusPayload = z.infer<typeof vcStatusPayload>;

/** One point as the console and the wall see it. */
export interface VcPointState {
  id: string;
  name: string;
  wardId: string;
  position: LngLat;
  state: VcState | 'unknown';
  lossPct: number | null;
  jitterMs: number | null;
  rttMs: number | null;
  lastTestCallAt: number | null;
  lastTestCallOk: boolean | null;
  lastSeen: number | null;
  /** Silent longer than DEVICE_STALE_S: counted as offline. */
  stale: boolean;
}

/** A point can join: it answers (online or already in session) and is not silent. */
export const vcReady = (p: Pick<VcPointState, 'state' | 'stale'>): boolean => !p.stale && (p.state === 'online' || p.state === 'in_session');

/** `POST /api/vc/meetings`. */
export const meetingBody = z.strictObject({
  title: z.string().trim().min(1).max(200),
  /** Epoch ms. */
  startsAt: epochMs,
  durationMin: z.number().int().min(5).max(720).default(120),
  pointIds: z.array(deviceId).min(1).max(1000),
});
export type MeetingInput = z.input<typeof meetingBody>;

export interface Meeting {
  id: string;
  title: string;
  startsAt: number;
  durationMin: number;
  /** The points that must join. */
  pointIds: string[];
  createdBy: string;
  createdAt: number;
  cancelledAt: number | null;
}

/** The next meeting (or the one under way) and, per commune, how many of its points are ready. */
export interface VcReadiness {
  meeting: Meeting | null;
  wards: { wardId: string; ready: number; expected: number }[];
  ready: number;
  expected: number;
}

/** `GET /api/vc`. */
export interface VcBoardView {
  points: VcPointState[];
  /** Meetings not cancelled that have not ended, soonest first. */
  meetings: Meeting[];
  readiness: VcReadiness;
}
