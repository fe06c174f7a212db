/**
 * The incident lifecycle as one table, for server and console alike: the server refuses
 * any other step; the console offers only these buttons.
 *
 *   new → acknowledged → dispatched → on_scene → resolved → closed
 *
 * An incident has any number of units, each with its own part (contract/domain.ts
 * IncidentUnit). Where the status goes after a unit's step follows from its units
 * (`unitStatus`): dispatched while some are on their way, on scene once the first one
 * arrives, back to acknowledged when the last one is released before it is resolved.
 * An officer may dispatch or resolve straight from new, and reopen from resolved or closed.
 */
import type { Incident, IncidentStatus, IncidentUnit } from './domain.js';
import type { IncidentAction } from './socket.js';

/** `units`: the status follows from the incident's units after the step (unitStatus). */
type Target = IncidentStatus | 'units';

export const INCIDENT_TRANSITIONS: Readonly<Record<IncidentAction, { readonly from: readonly IncidentStatus[]; readonly to: Target }>> = {
  acknowledge: { from: ['new'], to: 'acknowledged' },
  dispatch: { from: ['new', 'acknowledged', 'dispatched', 'on_scene'], to: 'units' },
  accept: { from: ['dispatched', 'on_scene'], to: 'units' },
  on_scene: { from: ['dispatched', 'on_scene'], to: 'units' },
  release: { from: ['dispatched', 'on_scene'], to: 'units' },
  resolve: { from: ['new', 'acknowledged', 'dispatched', 'on_scene'], to: 'resolved' },
  close: { from: ['resolved'], to: 'closed' },
  reopen: { from: ['resolved', 'closed'], to: 'acknowledged' },
};

/** The status an open incident has with these units: on scene with one there, dispatched with one on its way, else acknowledged. */
export function unitStatus(units: readonly IncidentUnit[]): IncidentStatus {
  const active = units.filter((u) => u.status !== 'released');
  if (active.some((u) => u.status === 'on_scene')) return 'on_scene';
  if (active.length > 0) return 'dispatched';
  return 'acknowledged';
}

/** Whether the table allows the action from `status`. */
export function allows(status: IncidentStatus, action: IncidentAction): boolean {
  return INCIDENT_TRANSITIONS[action].from.includes(status);
}

/**
 * The status after the action, given the incident's units after it; null when the table
 * does not allow the action from the incident's status.
 */
export function nextStatus(inc: Pick<Incident, 'status'>, action: IncidentAction, unitsAfter: readonly IncidentUnit[]): IncidentStatus | null {
  if (!allows(inc.status, action)) return null;
  const t = INCIDENT_TRANSITIONS[action].to;
  return t === 'units' ? unitStatus(unitsAfter) : t;
}

/** The actions allowed from a status, in the table's order. */
export function allowedActions(status: IncidentStatus): IncidentAction[] {
  return (Object.keys(INCIDENT_TRANSITIONS) as IncidentAction[]).filter((a) => INCIDENT_TRANSITIONS[a].from.includes(status));
}
