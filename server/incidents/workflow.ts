/**
 * The incident lifecycle as a table: which action is allowed from which
 * status, and where it leads. Anything else is refused with a clear error.
 *
 *   new → acknowledged → dispatched → on_scene → resolved → closed
 *   (an officer may dispatch or resolve straight from new; reopen from resolved/closed)
 */
import type { IncidentAction, IncidentStatus } from '../../contract/index.js';

const TABLE: Record<IncidentAction, { from: readonly IncidentStatus[]; to: IncidentStatus }> = {
  acknowledge: { from: ['new'], to: 'acknowledged' },
  dispatch: { from: ['new', 'acknowledged', 'dispatched'], to: 'dispatched' },
  on_scene: { from: ['dispatched'], to: 'on_scene' },
  resolve: { from: ['new', 'acknowledged', 'dispatched', 'on_scene'], to: 'resolved' },
  close: { from: ['resolved'], to: 'closed' },
  reopen: { from: ['resolved', 'closed'], to: 'acknowledged' },
};

/** The status an action leads to, or null when it is not allowed from `status`. */
export function nextStatus(status: IncidentStatus, action: IncidentAction): IncidentStatus | null {
  const t = TABLE[action];
  return t.from.includes(status) ? t.to : null;
}

export function allowedActions(status: IncidentStatus): IncidentAction[] {
  return (Object.keys(TABLE) as IncidentAction[]).filter((a) => TABLE[a].from.includes(status));
}
