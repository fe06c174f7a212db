/**
 * The ports between the rule engine (what is wrong) and the alert store
 * (what the officers see and act on). Rules never build Alert objects
 * themselves: they raise and clear by dedupe key, and the store keeps one
 * alert per condition, counting repeats.
 */
import type { Alert, LngLat, Severity } from '../../contract/index.js';

export interface AlertInput {
  /** Rule id, e.g. `camera_offline`, `violation_burst`, `coverage_loss`. */
  rule: string;
  /** One alert per condition: repeats of the same key update it (count, lastSeen). */
  dedupeKey: string;
  severity: Severity;
  /** Short, in Vietnamese first; the console translates known rule ids itself. */
  title: string;
  source: Alert['source'];
  position: LngLat | null;
  wardId: string | null;
  /** Rule-specific numbers for the console and the CAP export (e.g. uncoveredPct). */
  data?: Record<string, number | string>;
}

export interface AlertPort {
  /** Raise a new alert or update the active one with the same dedupe key. */
  raise(input: AlertInput, at: number): Alert;
  /** The condition ended: clear the active alert with this key, if any. */
  clearByKey(dedupeKey: string, at: number, reason: string): Alert | null;
  /** Active or acknowledged (not cleared) alerts. */
  open(): Alert[];
}
