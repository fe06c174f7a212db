/**
 * Zod schema of Frigate's MQTT payloads. Only the fields we use are required;
 * every object is loose because Frigate adds fields between versions (snapshot,
 * attributes, recognized_license_plate, …) and we must not break on them.
 */
import { z } from 'zod';

const seconds = z.number().nonnegative();

export const frigateObject = z.looseObject({
  id: z.string().min(1).max(128),
  camera: z.string().min(1).max(128),
  label: z.string().min(1).max(64),
  /** string, or [name, score] since Frigate 0.14 (face / plate recognition). */
  sub_label: z.union([z.string(), z.tuple([z.string(), z.number()]).rest(z.unknown())]).nullable().default(null),
  score: z.number().min(0).max(1),
  top_score: z.number().min(0).max(1),
  false_positive: z.boolean(),
  start_time: seconds,
  end_time: seconds.nullable().default(null),
  current_zones: z.array(z.string()).default([]),
  entered_zones: z.array(z.string()).default([]),
  has_snapshot: z.boolean().default(false),
  has_clip: z.boolean().default(false),
});
export type FrigateObject = z.infer<typeof frigateObject>;

export const frigateEventMessage = z.looseObject({
  type: z.enum(['new', 'update', 'end']),
  /** Only its zones are used (to spot a newly entered zone), so only they are checked. */
  before: z
    .looseObject({ current_zones: z.array(z.string()).default([]), entered_zones: z.array(z.string()).default([]) })
    .optional(),
  after: frigateObject,
});
export type FrigateEventMessage = z.infer<typeof frigateEventMessage>;
