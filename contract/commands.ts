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
/** What an officer says when closing an incident is required: a closed incident is read later, by people who were not there. */
export const CLOSING_NOTE_REQUIRED = 'a closing note is required: say how the incident ended (note)';
/**
 * Closing needs a note (issue #27). The workflow (server/incidents/incidents.ts) refuses a missing or blank
 * one with CLOSING_NOTE_REQUIRED, after the version and the transition: a close that could not happen anyway
 * is told so first, not asked for a note. Here a blank note is let through to say that plainly.
 */
export const closeCommand = versionedTarget.extend({ note: z.string().max(2000).optional() });
export const unitStatusCommand = z.strictObject({ id, status: z.enum(UNIT_STATUSES), version: z.number().int().nonnegative() });
