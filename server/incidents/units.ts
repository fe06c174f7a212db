/**
 * Responder units: their status, set by themselves or an officer, and their assignment,
 * which an incident's unit steps drive (server/incidents/incidents.ts). A unit serves one
 * incident at a time: it is busy with `incidentId` set from its dispatch until it is
 * released, by an officer, by itself, or when its incident is resolved.
 */
import type { Incident, Unit, UnitStatus } from '../../contract/index.js';
import { CommandError } from '../events/errors.js';
import type { UnitRecords } from './records.js';

export class Units {
  constructor(
    private readonly records: UnitRecords,
    private readonly now: () => number,
  ) {}

  get(id: string): Unit | undefined {
    return this.records.get(id);
  }

  list(): Unit[] {
    return this.records.all();
  }

  /** The `unit:status` command: checked against the version the sender saw; an assigned unit stays busy. */
  setStatus(id: string, status: UnitStatus, version: number, by: string): Unit {
    const u = this.records.get(id);
    if (!u) throw new CommandError('not_found', `no unit ${id}`);
    if (u.version !== version) throw new CommandError('conflict', `unit ${id} changed (version ${u.version}, you saw ${version})`);
    if (u.incidentId && status !== 'busy') throw new CommandError('invalid_transition', `unit is assigned to ${u.incidentId}: release it first`);
    return this.set(u, status, u.incidentId, by, undefined);
  }

  /**
   * The unit, checked for a dispatch to `inc`: it exists, is not already on it, and is free,
   * or (with `reassign`) busy on another incident, which it leaves (`from`).
   * Nothing changes yet: the caller takes it with `take` once every check passed.
   */
  check(inc: Incident, unitId: string, reassign: boolean): { unit: Unit; from: string | null } {
    const unit = this.records.get(unitId);
    if (!unit) throw new CommandError('bad_request', `no unit ${unitId}`);
    if (unit.incidentId === inc.id) throw new CommandError('invalid_transition', `${unit.name} is already on this incident`);
    if (unit.status === 'available') return { unit, from: null };
    if (reassign && unit.incidentId) return { unit, from: unit.incidentId };
    throw new CommandError('conflict', unit.incidentId ? `${unit.name} is on another incident (${unit.incidentId}): reassign it to take it from there` : `${unit.name} is ${unit.status}`);
  }

  /** The unit is busy on the incident. */
  take(unit: Unit, incidentId: string, by: string): Unit {
    return this.set(unit, 'busy', incidentId, by, `dispatched to ${incidentId}`);
  }

  /** The unit leaves the incident and is available again (unless it already serves another). */
  free(unitId: string, incidentId: string, by: string, why: string): void {
    const u = this.records.get(unitId);
    if (u?.incidentId === incidentId) this.set(u, 'available', null, by, why);
  }

  private set(u: Unit, status: UnitStatus, incidentId: string | null, by: string, note: string | undefined): Unit {
    const next: Unit = { ...u, status, incidentId, updatedAt: this.now(), version: u.version + 1 };
    this.records.commit(next, `status_${status}`, by, note);
    return next;
  }
}
