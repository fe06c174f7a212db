/**
 * zod schemas for every command a console or an integration sends (Socket.IO
 * and REST take the same bodies), parsed once at the boundary.
 */
import { z } from 'zod';
import { UNIT_STATUSES } from './domain.js';

const id = z.string().min(1).max(64);
const note = z.string().trim().min(1).max(2000);

export const versionedTarget = z.strictObject({ id, version: z.number().int().nonnegative(), note: note.optional() });
/** Send a unit. `reassign`: the unit may be taken from the incident it is on (released there, a step of its own). */
export const dispatchCommand = versionedTarget.extend({ unitId: id, reassign: z.boolean().optional() });
/** A unit's own step on an incident (accept, on scene, release; a unit's resolve). An officer names the unit; a responder's is its own. */
export const unitStepCommand = versionedTarget.extend({ unitId: id.optional() });
export const noteCommand = z.strictObject({ id, note });
export const unitStatusCommand = z.strictObject({ id, status: z.enum(UNIT_STATUSES), version: z.number().int().nonnegative() });
