/**
 * The ports between the rule engine (what is wrong) and the alert store
 * (what the officers see and act on). Rules never build Alert objects
 * themselves: they raise and clear by dedupe key, and the store keeps one
 * alert per condition, counting repeats.
 */
import type { Alert, AlertRule, LngLat, RuleData, Severity } from '../../contract/index.js';

interface AlertInputBase {
  /** One alert per condition: repeats of the same key update it (count, lastSeen). */
  dedupeKey: string;
  severity: Severity;
  /** Short, in Vietnamese first; the console translates known rule ids itself. */
  title: string;
  source: Alert['source'];
  position: LngLat | null;
  wardId: string | null;
}

/** A raise of one rule: its id, and the figures it declares in contract/alerts.ts `RuleData`. */
export type AlertInputOf<R extends AlertRule> = AlertInputBase & { rule: R; data: RuleData[R] };
export type AlertInput = { [R in AlertRule]: AlertInputOf<R> }[AlertRule];

export interface AlertPort {
  /** Raise a new alert or update the active one with the same dedupe key. */
  raise(input: AlertInput, at: number): Alert;
  /** The condition ended: clear the active alert with this key, if any. */
  clearByKey(dedupeKey: string, at: number, reason: string): Alert | null;
  /** Active or acknowledged (not cleared) alerts. */
  open(): Alert[];
}
