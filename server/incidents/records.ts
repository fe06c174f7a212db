/**
 * Where incidents and units are kept: the state a later step of issue #20 puts
 * in PostgreSQL (current-state tables and their versioned event log). Everything
 * above this (the workflow, correlation, CAP) reads and commits through these two
 * interfaces only. A commit is one version step of one stream: the full state
 * after the change goes to the event log, then to the screens.
 */
import type { Incident, Unit, UnitBase } from '../../contract/index.js';
import type { EventBus } from '../bus.js';
import type { EventLog } from '../events/log.js';

/** Closed incidents stay in memory this long, for today's KPIs. */
export const KEEP_CLOSED_MS = 24 * 3600_000;

export interface IncidentRecords {
  get(id: string): Incident | undefined;
  /** Every incident held, closed ones of the last day included. */
  all(): Incident[];
  /** The incident a reporting system's reference (`source:ref`, CAP `sender,identifier`) or an alert's dedupe key points to. */
  byRef(ref: string): Incident | undefined;
  hasRef(ref: string): boolean;
  setRef(ref: string, incidentId: string): void;
  /** Store the incident's new state and append it as event `type` of its stream. */
  commit(next: Incident, type: string, by: string, note?: string): void;
}

export interface UnitRecords {
  get(id: string): Unit | undefined;
  all(): Unit[];
  commit(next: Unit, type: string, by: string, note?: string): void;
}

interface Deps {
  bus: EventBus;
  log: EventLog;
  now: () => number;
}

export class MemoryIncidentRecords implements IncidentRecords {
  private readonly incidents = new Map<string, Incident>();
  private readonly refs = new Map<string, string>();

  constructor(private readonly deps: Deps) {}

  get(id: string): Incident | undefined {
    return this.incidents.get(id);
  }

  all(): Incident[] {
    return [...this.incidents.values()];
  }

  byRef(ref: string): Incident | undefined {
    const id = this.refs.get(ref);
    return id === undefined ? undefined : this.incidents.get(id);
  }

  hasRef(ref: string): boolean {
    return this.refs.has(ref);
  }

  setRef(ref: string, incidentId: string): void {
    this.refs.set(ref, incidentId);
  }

  commit(next: Incident, type: string, by: string, note?: string): void {
    this.incidents.set(next.id, next);
    this.deps.log.append({ entity: 'incident', id: next.id, type, by, note, state: next });
    this.deps.bus.emit('state.change', { kind: 'incident', incident: next });
  }

  /** A state another server wrote, or the database's after a refused write: taken when newer (or `force`), and pushed. */
  adopt(i: Incident, force = false): boolean {
    const mine = this.incidents.get(i.id);
    if (mine && !force && mine.version >= i.version) return false;
    this.incidents.set(i.id, i);
    if (i.externalRef) this.refs.set(i.externalRef, i.id);
    this.deps.bus.emit('state.change', { kind: 'incident', incident: i });
    return true;
  }

  /** The last states from the event log at start-up; closed ones older than a day are left out. */
  restore(incidents: Incident[]): void {
    const cutoff = this.deps.now() - KEEP_CLOSED_MS;
    for (const i of incidents) {
      if (i.status === 'closed' && i.updatedAt < cutoff) continue;
      this.incidents.set(i.id, i);
      if (i.externalRef) this.refs.set(i.externalRef, i.id);
    }
  }

  /** Drop closed incidents older than a day (called periodically). */
  trim(): void {
    const cutoff = this.deps.now() - KEEP_CLOSED_MS;
    for (const [id, i] of this.incidents) if (i.status === 'closed' && i.updatedAt < cutoff) this.incidents.delete(id);
  }
}

export class MemoryUnitRecords implements UnitRecords {
  private readonly units = new Map<string, Unit>();

  /** The city pack's units, available until the event log says otherwise. */
  constructor(
    sites: readonly UnitBase[],
    private readonly deps: Deps,
  ) {
    for (const u of sites) {
      this.units.set(u.id, { id: u.id, name: u.name, kind: u.kind, position: u.position, ...(u.operator ? { operator: u.operator } : {}), status: 'available', incidentId: null, updatedAt: 0, version: 1 });
    }
  }

  get(id: string): Unit | undefined {
    return this.units.get(id);
  }

  all(): Unit[] {
    return [...this.units.values()];
  }

  commit(next: Unit, type: string, by: string, note?: string): void {
    this.units.set(next.id, next);
    this.deps.log.append({ entity: 'unit', id: next.id, type, by, note, state: next });
    this.deps.bus.emit('state.change', { kind: 'unit', unit: next });
  }

  /** A state another server wrote, or the database's after a refused write: taken when newer (or `force`), and pushed. */
  adopt(u: Unit, force = false): boolean {
    const site = this.units.get(u.id);
    if (!site || (!force && site.version >= u.version)) return false;
    const next = { ...u, name: site.name, kind: site.kind, ...(site.operator ? { operator: site.operator } : {}) };
    this.units.set(u.id, next);
    this.deps.bus.emit('state.change', { kind: 'unit', unit: next });
    return true;
  }

  /** Last states from the event log; a unit no longer in the city pack is not brought back. */
  restore(units: Unit[]): void {
    // The stored state, with the city pack's name, kind and operator (the pack may have changed them).
    for (const u of units) {
      const site = this.units.get(u.id);
      if (site) this.units.set(u.id, { ...u, name: site.name, kind: site.kind, ...(site.operator ? { operator: site.operator } : {}) });
    }
  }
}
