/**
 * The incident state machine, applied: a step (acknowledge, dispatch, accept, on_scene,
 * release, resolve, close, reopen) checked against the contract's table
 * (contract/transitions.ts, the one the console's buttons read), and the incident it leads
 * to with its units. Pure: the workflow (incidents.ts) commits it and moves the units.
 */
import type { Incident, IncidentAction, IncidentEntry, IncidentUnit } from '../../contract/index.js';
import { allows, nextStatus } from '../../contract/index.js';
import { CommandError } from '../events/errors.js';

/** Refused with `invalid_transition` when the table does not allow the step from the incident's status. */
export function checkStep(inc: Incident, action: IncidentAction): void {
  if (!allows(inc.status, action)) throw new CommandError('invalid_transition', `cannot ${action.replace('_', ' ')} an incident that is ${inc.status.replace('_', ' ')}`);
}

/** The incident's units with one of them changed. */
export function withUnit(units: readonly IncidentUnit[], unitId: string, patch: Partial<IncidentUnit>): IncidentUnit[] {
  return units.map((u) => (u.unitId === unitId && u.status !== 'released' ? { ...u, ...patch } : u));
}

/** Every unit still working the incident, released at `at`. */
export function releaseAll(units: readonly IncidentUnit[], at: number): IncidentUnit[] {
  return units.map((u) => (u.status === 'released' ? u : { ...u, status: 'released', releasedAt: at }));
}

export interface Step {
  action: IncidentAction | 'reassign';
  by: string;
  at: number;
  note?: string | undefined;
  /** The unit the step is about (dispatch, accept, on scene, release, a unit's resolve). */
  unitId?: string | undefined;
  /** A reassignment's other incident. */
  otherIncidentId?: string | undefined;
  /** The incident's units after the step. */
  units: IncidentUnit[];
}

/**
 * The incident after the step, one version on: its status (from the table, or from its
 * units for a unit's step), its timeline entry, its units, and the first acknowledgement
 * and resolution times for MTTA and MTTR (a reopen clears the latter).
 */
export function applyStep(inc: Incident, s: Step): Incident {
  const to = nextStatus(inc, s.action === 'reassign' ? 'dispatch' : s.action, s.units);
  if (!to) throw new CommandError('invalid_transition', `cannot ${s.action} an incident that is ${inc.status}`);
  const entry: IncidentEntry = {
    at: s.at,
    by: s.by,
    action: s.action,
    ...(to !== inc.status ? { from: inc.status, to } : {}),
    ...(s.unitId ? { unitId: s.unitId } : {}),
    ...(s.otherIncidentId ? { otherIncidentId: s.otherIncidentId } : {}),
    ...(s.note ? { note: s.note } : {}),
  };
  return {
    ...inc,
    status: to,
    units: s.units,
    acknowledgedAt: inc.acknowledgedAt ?? (to !== 'new' ? s.at : null),
    resolvedAt: to === 'resolved' ? s.at : to === 'acknowledged' && inc.status !== 'dispatched' && inc.status !== 'on_scene' ? null : inc.resolvedAt,
    timeline: [...inc.timeline, entry],
    updatedAt: s.at,
    version: inc.version + 1,
  };
}
