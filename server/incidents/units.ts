/**
 * Responder units: their status, set by themselves or an officer, and their
 * assignment to an incident, which the incident's dispatch, resolve and close
 * steps drive. One unit serves one incident at a time.
 */
import type { Incident, IncidentStatus, LngLat, Unit, UnitStatus } from '../../contract/index.js';
import { CommandError } from '../events/errors.js';
import { distanceM } from './geo.js';
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

  /** Units nearest to a position first, with their distance; available ones only unless `all`. */
  nearest(position: LngLat, all = false): { unit: Unit; distanceM: number }[] {
    return this.list()
      .filter((u) => all || u.status === 'available')
      .map((unit) => ({ unit, distanceM: Math.round(distanceM(position, unit.position)) }))
      .sort((a, b) => a.distanceM - b.distanceM);
  }

  /** The `unit:status` command: checked against the version the sender saw; an assigned unit stays busy. */
  setStatus(id: string, status: UnitStatus, version: number, by: string): Unit {
    const u = this.records.get(id);
    if (!u) throw new CommandError('not_found', `no unit ${id}`);
    if (u.version !== version) throw new CommandError('conflict', `unit ${id} changed (version ${u.version}, you saw ${version})`);
    if (u.incidentId && status !== 'busy') throw new CommandError('invalid_transition', `unit is assigned to ${u.incidentId}: resolve it first`);
    return this.set(u, status, u.incidentId, by, undefined);
  }

  /**
   * Dispatch: the unit must exist and be free (or already on this incident); the
   * unit the incident had before is released. Returns the unit now assigned.
   */
  assign(inc: Incident, unitId: string | undefined, by: string): Unit {
    const unit = unitId ? this.records.get(unitId) : undefined;
    if (!unit) throw new CommandError('bad_request', `no unit ${unitId ?? '(none given)'}`);
    if (unit.incidentId !== inc.id && unit.status !== 'available') throw new CommandError('conflict', `unit ${unit.name} is ${unit.status}`);
    const before = inc.unitId ? this.records.get(inc.unitId) : undefined;
    if (before && before.id !== unit.id) this.set(before, 'available', null, by, `released from ${inc.id}`);
    return this.set(unit, 'busy', inc.id, by, `dispatched to ${inc.id}`);
  }

  /** The incident is resolved or closed: its unit, if still on it, is available again. */
  release(inc: Incident, to: IncidentStatus, by: string): void {
    const u = inc.unitId ? this.records.get(inc.unitId) : undefined;
    if (u?.incidentId === inc.id) this.set(u, 'available', null, by, `${inc.id} ${to}`);
  }

  private set(u: Unit, status: UnitStatus, incidentId: string | null, by: string, note: string | undefined): Unit {
    const next: Unit = { ...u, status, incidentId, updatedAt: this.now(), version: u.version + 1 };
    this.records.commit(next, `status_${status}`, by, note);
    return next;
  }
}
