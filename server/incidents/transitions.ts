/**
 * The incident state machine, applied: an officer's step (acknowledge,
 * dispatch, on_scene, resolve, close, reopen) checked against the contract's
 * table (contract/transitions.ts, the one the console's buttons read), and the
 * incident it leads to. Pure: the workflow commits it and moves the units.
 */
import type { Incident, IncidentAction, IncidentEntry, IncidentStatus } from '../../contract/index.js';
import { nextStatus } from '../../contract/index.js';
import { CommandError } from '../events/errors.js';

/** The status the step leads to; refused with `invalid_transition` when the table does not allow it. */
export function checkStep(inc: Incident, action: IncidentAction): IncidentStatus {
  const to = nextStatus(inc.status, action);
  if (!to) throw new CommandError('invalid_transition', `cannot ${action} an incident that is ${inc.status}`);
  return to;
}

export interface Step {
  action: IncidentAction;
  to: IncidentStatus;
  by: string;
  at: number;
  note?: string | undefined;
  /** The unit a dispatch assigned. */
  unitId?: string | undefined;
}

/**
 * The incident after the step, one version on: its timeline entry; the unit a
 * dispatch assigned (kept on a resolved or closed one, for the record); first
 * acknowledgement and resolution times for MTTA and MTTR (a reopen clears the latter).
 */
export function applyStep(inc: Incident, s: Step): Incident {
  const unitId = s.action === 'dispatch' && s.unitId ? s.unitId : inc.unitId;
  const entry: IncidentEntry = { at: s.at, by: s.by, action: s.action, from: inc.status, to: s.to, ...(s.action === 'dispatch' && unitId ? { unitId } : {}), ...(s.note ? { note: s.note } : {}) };
  return {
    ...inc,
    status: s.to,
    unitId: s.to === 'resolved' || s.to === 'closed' ? inc.unitId : unitId,
    acknowledgedAt: inc.acknowledgedAt ?? (s.to !== 'new' ? s.at : null),
    resolvedAt: s.to === 'resolved' ? s.at : s.to === 'acknowledged' ? null : inc.resolvedAt,
    timeline: [...inc.timeline, entry],
    updatedAt: s.at,
    version: inc.version + 1,
  };
}
