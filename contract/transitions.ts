/**
 * The incident lifecycle as one table, for server and console alike (issue #20):
 * the server refuses any other step; the console offers only these buttons.
 *
 *   new → acknowledged → dispatched → on_scene → resolved → closed
 *   (an officer may dispatch or resolve straight from new, dispatch again to
 *   swap the unit, and reopen from resolved or closed)
 */
import type { IncidentStatus } from './domain.js';
import type { IncidentAction } from './socket.js';

export const INCIDENT_TRANSITIONS: Readonly<Record<IncidentAction, { readonly from: readonly IncidentStatus[]; readonly to: IncidentStatus }>> = {
  acknowledge: { from: ['new'], to: 'acknowledged' },
  dispatch: { from: ['new', 'acknowledged', 'dispatched'], to: 'dispatched' },
  on_scene: { from: ['dispatched'], to: 'on_scene' },
  resolve: { from: ['new', 'acknowledged', 'dispatched', 'on_scene'], to: 'resolved' },
  close: { from: ['resolved'], to: 'closed' },
  reopen: { from: ['resolved', 'closed'], to: 'acknowledged' },
};

/** The status an action leads to, or null when it is not allowed from `status`. */
export function nextStatus(status: IncidentStatus, action: IncidentAction): IncidentStatus | null {
  const t = INCIDENT_TRANSITIONS[action];
  return t.from.includes(status) ? t.to : null;
}

/** The actions allowed from a status, in the table's order. */
export function allowedActions(status: IncidentStatus): IncidentAction[] {
  return (Object.keys(INCIDENT_TRANSITIONS) as IncidentAction[]).filter((a) => INCIDENT_TRANSITIONS[a].from.includes(status));
}
