/**
 * Escalation of alerts nobody acknowledged in time (pure: the lead's store applies
 * the result and calls this from its own timer).
 *
 * An active alert (not acknowledged, not cleared) older than its severity's ack
 * deadline goes up one step: info → minor → major → critical. A critical alert has
 * nowhere to go: it stays critical and is flagged escalated, once.
 *
 * "Older than" counts from when the alert reached its current level. The Alert record
 * has `escalated` but no escalation time, so for an escalated alert that time is taken
 * from an `escalatedAt` field if the store keeps one, else reconstructed as firstSeen +
 * the deadlines of the levels below (stopping at a level with no deadline, which could
 * not have escalated). The reconstruction is exact for a single step and errs late,
 * never early, for longer chains: an alert is never escalated twice in a row at once.
 */
import { SEVERITIES, SEVERITY_RANK, type Alert, type Severity } from '../../contract/index.js';
import type { RulesConfig } from './rules-config.js';

export interface Escalation {
  id: string;
  from: Severity;
  to: Severity;
}

/** An Alert, optionally with the time of its last escalation (epoch ms). */
export type EscalatableAlert = Alert & { escalatedAt?: number | null };

const byRank = (rank: number): Severity | undefined => SEVERITIES.find((s) => SEVERITY_RANK[s] === rank);
/** One step more urgent; critical stays critical. */
export const stepUp = (s: Severity): Severity => byRank(SEVERITY_RANK[s] - 1) ?? s;
const stepDown = (s: Severity): Severity | undefined => byRank(SEVERITY_RANK[s] + 1);

function levelSince(a: EscalatableAlert, deadlines: RulesConfig['escalation']['ackDeadlineS']): number {
  if (!a.escalated) return a.firstSeen;
  if (typeof a.escalatedAt === 'number') return a.escalatedAt;
  let since = a.firstSeen;
  for (let lvl = stepDown(a.severity); lvl !== undefined; lvl = stepDown(lvl)) {
    const d = deadlines[lvl];
    if (d === null) break;
    since += d * 1000;
  }
  return since;
}

export function dueEscalations(alerts: readonly EscalatableAlert[], now: number, cfg: Pick<RulesConfig, 'escalation'>): Escalation[] {
  const deadlines = cfg.escalation.ackDeadlineS;
  const due: Escalation[] = [];
  for (const a of alerts) {
    if (a.state !== 'active') continue;
    // Already escalated at the top: the supervisor has been told.
    if (a.severity === 'critical' && a.escalated) continue;
    const d = deadlines[a.severity];
    if (d === null) continue;
    if (now - levelSince(a, deadlines) >= d * 1000) due.push({ id: a.id, from: a.severity, to: stepUp(a.severity) });
  }
  return due;
}
