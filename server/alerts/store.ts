/**
 * The alert store: one alert per condition (dedupe key), its lifecycle
 * (active → acknowledged → cleared, by hand or when the condition ends),
 * escalation, and every change pushed and written to the event log.
 * Implements the AlertPort the rules raise through.
 */
import { v7 as uuidv7 } from 'uuid';
import type { Alert, Severity } from '../../contract/index.js';
import { SEVERITY_RANK } from '../../contract/index.js';
import type { EventBus } from '../bus.js';
import type { EventLog } from '../events/log.js';
import { CommandError } from '../events/errors.js';
import type { AlertInput, AlertPort } from './types.js';

/** Cleared alerts kept in memory for the console's recent history. */
export const KEEP_CLEARED = 300;
const REPEAT_PERSIST_MS = 10_000;

/**
 * The alert with a repeat's figures over its own. A repeat has the alert's dedupe key, so its
 * rule, and both `data` have that rule's shape: the compiler cannot follow the key, hence the cast.
 */
function withRepeatData(a: Alert, input: AlertInput): Alert {
  return { ...a, data: { ...a.data, ...input.data } } as Alert;
}

export class AlertStore implements AlertPort {
  private readonly alerts = new Map<string, Alert>();
  private readonly openByKey = new Map<string, string>();
  /** Repeats are pushed at once but written at most every REPEAT_PERSIST_MS per alert. */
  private readonly persistedAt = new Map<string, number>();
  private readonly dirty = new Set<string>();
  /** Which incident a new alert belongs to (server/incidents/correlation.ts), asked before the alert is written. */
  private incidentOf: ((alert: Alert) => string | null) | null = null;

  constructor(
    private readonly bus: EventBus,
    private readonly log: EventLog,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Set by the incident layer: a new alert is written once, already carrying
   * its incident, and the incident takes it in the same version step that
   * records it: one write each, so no reader sees the alert without its incident (issue #20).
   */
  setIncidentOf(fn: ((alert: Alert) => string | null) | null): void {
    this.incidentOf = fn;
  }

  get(id: string): Alert | undefined {
    return this.alerts.get(id);
  }

  open(): Alert[] {
    return [...this.alerts.values()].filter((a) => a.state !== 'cleared');
  }

  all(): Alert[] {
    return [...this.alerts.values()];
  }

  raise(input: AlertInput, at: number): Alert {
    const existingId = this.openByKey.get(input.dedupeKey);
    const existing = existingId ? this.alerts.get(existingId) : undefined;
    if (existing) {
      const worse = SEVERITY_RANK[input.severity] < SEVERITY_RANK[existing.severity];
      // A repeat held back by the throttle keeps its version: the version is the stream's in
      // PostgreSQL, and a command another server runs on this alert names that version.
      const held = this.now() - (this.persistedAt.get(existing.id) ?? 0) < REPEAT_PERSIST_MS;
      const next: Alert = {
        ...withRepeatData(existing, input),
        count: existing.count + 1,
        lastSeen: Math.max(existing.lastSeen, at),
        severity: worse ? input.severity : existing.severity,
        title: input.title,
        position: input.position ?? existing.position,
        version: existing.version + (held ? 0 : 1),
      };
      this.commit(next, held ? 'repeat-held' : 'repeat', 'system');
      return next;
    }
    const fresh: Alert = {
      // A UUIDv7: unique across servers without asking anyone, and in time order.
      id: `al-${uuidv7()}`,
      // The rule, its figures, the key, the severity, the title and the place, as the rule raised them.
      ...input,
      state: 'active',
      incidentId: null,
      count: 1,
      firstSeen: at,
      lastSeen: at,
      escalated: false,
      acknowledgedBy: null,
      acknowledgedAt: null,
      clearedBy: null,
      clearedAt: null,
      version: 1,
    };
    const incidentId = this.incidentOf?.(fresh) ?? null;
    const alert = incidentId ? { ...fresh, incidentId } : fresh;
    this.openByKey.set(alert.dedupeKey, alert.id);
    this.commit(alert, 'raised', 'system');
    this.bus.emit('alert.raised', { alert });
    return alert;
  }

  clearByKey(dedupeKey: string, at: number, reason: string): Alert | null {
    const id = this.openByKey.get(dedupeKey);
    const a = id ? this.alerts.get(id) : undefined;
    if (!a) return null;
    return this.doClear(a, 'system', at, reason);
  }

  acknowledge(id: string, version: number, by: string): Alert {
    const a = this.require(id, version);
    if (a.state !== 'active') throw new CommandError('invalid_transition', `alert is ${a.state}, not active`);
    const at = this.now();
    const next: Alert = { ...a, state: 'acknowledged', acknowledgedBy: by, acknowledgedAt: at, version: a.version + 1 };
    this.commit(next, 'acknowledged', by);
    return next;
  }

  clear(id: string, version: number, by: string, note?: string): Alert {
    const a = this.require(id, version);
    if (a.state === 'cleared') throw new CommandError('invalid_transition', 'alert is already cleared');
    return this.doClear(a, by, this.now(), note ?? 'cleared by hand');
  }

  escalate(id: string, to: Severity): Alert | null {
    const a = this.alerts.get(id);
    if (!a || a.state !== 'active') return null;
    const next: Alert = { ...a, severity: to, escalated: true, version: a.version + 1 };
    this.commit(next, 'escalated', 'system', `${a.severity} → ${to}`);
    return next;
  }

  linkIncident(alertId: string, incidentId: string): void {
    const a = this.alerts.get(alertId);
    if (!a || a.incidentId === incidentId) return;
    this.commit({ ...a, incidentId, version: a.version + 1 }, 'linked', 'system', incidentId);
  }

  /**
   * A state another server wrote (server/cluster/follower.ts), or the database's after a refused
   * write: taken when newer than ours (or always, `force`), and pushed. Nothing is written.
   */
  adopt(a: Alert, force = false): boolean {
    const mine = this.alerts.get(a.id);
    if (mine && !force && mine.version >= a.version) return false;
    if (mine && this.openByKey.get(mine.dedupeKey) === mine.id) this.openByKey.delete(mine.dedupeKey);
    this.alerts.set(a.id, a);
    if (a.state !== 'cleared') this.openByKey.set(a.dedupeKey, a.id);
    // Repeats held back here were counted on the version the other server replaced.
    this.dirty.delete(a.id);
    this.persistedAt.set(a.id, this.now());
    this.bus.emit('state.change', { kind: 'alert', alert: a });
    if (a.state === 'cleared') this.trim();
    return true;
  }

  /** An alert this server holds that the database does not (its write was refused): shown cleared, then forgotten. */
  forget(id: string): void {
    const a = this.alerts.get(id);
    if (!a) return;
    this.alerts.delete(id);
    this.dirty.delete(id);
    this.persistedAt.delete(id);
    if (this.openByKey.get(a.dedupeKey) === id) this.openByKey.delete(a.dedupeKey);
    if (a.state !== 'cleared') this.bus.emit('state.change', { kind: 'alert', alert: { ...a, state: 'cleared', clearedBy: 'system', clearedAt: this.now() } });
  }

  /** Rebuild from the event log at start-up: the last state of each alert wins. */
  restore(alerts: Alert[]): void {
    for (const a of alerts) {
      this.alerts.set(a.id, a);
      if (a.state !== 'cleared') this.openByKey.set(a.dedupeKey, a.id);
    }
    this.trim();
  }

  private doClear(a: Alert, by: string, at: number, note: string): Alert {
    const next: Alert = { ...a, state: 'cleared', clearedBy: by, clearedAt: at, version: a.version + 1 };
    this.openByKey.delete(a.dedupeKey);
    this.commit(next, 'cleared', by, note);
    this.trim();
    return next;
  }

  private require(id: string, version: number): Alert {
    const a = this.alerts.get(id);
    if (!a) throw new CommandError('not_found', `no alert ${id}`);
    if (a.version !== version) throw new CommandError('conflict', `alert ${id} changed (version ${a.version}, you saw ${version}): reload and try again`);
    return a;
  }

  /** Write repeats held back by the throttle (called every few seconds and at stop). */
  persistDirty(): void {
    for (const id of this.dirty) {
      const a = this.alerts.get(id);
      if (!a) continue;
      // The held repeats become the stream's next version, pushed so that screens act on it.
      const next: Alert = { ...a, version: a.version + 1 };
      this.alerts.set(id, next);
      this.persist(next, 'repeat', 'system');
      this.bus.emit('state.change', { kind: 'alert', alert: next });
    }
    this.dirty.clear();
  }

  private commit(next: Alert, type: string, by: string, note?: string): void {
    this.alerts.set(next.id, next);
    if (type === 'repeat-held') this.dirty.add(next.id);
    else this.persist(next, type, by, note);
    this.bus.emit('state.change', { kind: 'alert', alert: next });
  }

  private persist(a: Alert, type: string, by: string, note?: string): void {
    this.dirty.delete(a.id);
    this.persistedAt.set(a.id, this.now());
    this.log.append({ entity: 'alert', id: a.id, type, by, note, state: a });
  }

  private trim(): void {
    const cleared = [...this.alerts.values()].filter((a) => a.state === 'cleared');
    if (cleared.length <= KEEP_CLEARED) return;
    cleared.sort((a, b) => (a.clearedAt ?? 0) - (b.clearedAt ?? 0));
    for (const a of cleared.slice(0, cleared.length - KEEP_CLEARED)) {
      this.alerts.delete(a.id);
      this.persistedAt.delete(a.id);
    }
  }
}
