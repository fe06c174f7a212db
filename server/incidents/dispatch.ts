/**
 * The dispatch list of an incident: every unit with its distance and an ETA estimate, the
 * suitable ones first (the kinds the incident needs, contract/dispatch.ts, with the rules
 * file's rows), the most needed kind first, then the soonest there. Available units come before busy ones in each
 * group; the console offers busy ones only behind "show all", to reassign.
 */
import type { DispatchCandidate, Incident, IncidentType, Operator, Unit, UnitKind, UnitNeed } from '../../contract/index.js';
import { DEFAULT_UNIT_NEEDS, DEFAULT_UNIT_SPEEDS_KMH, etaSeconds, neededKinds } from '../../contract/index.js';
import { distanceM } from '../../contract/geo.js';

export interface DispatchTable {
  needs: Readonly<Record<IncidentType, UnitNeed>>;
  speedsKmh: Readonly<Record<UnitKind, number>>;
}

/** The defaults with the rules file's rows over them. */
export function dispatchTable(over: { needs?: Partial<Record<IncidentType, UnitNeed>>; speedsKmh?: Partial<Record<UnitKind, number>> } = {}): DispatchTable {
  return { needs: { ...DEFAULT_UNIT_NEEDS, ...over.needs }, speedsKmh: { ...DEFAULT_UNIT_SPEEDS_KMH, ...over.speedsKmh } };
}

/**
 * `operator`: for a telecom outage, the network operator of the station behind it; a crew
 * of another operator is not suitable (a crew without an operator serves any).
 */
export function rankUnits(inc: Incident, units: readonly Unit[], table: DispatchTable, operator: Operator | null = null): DispatchCandidate[] {
  const kinds = neededKinds(inc, table.needs);
  const fits = (u: Unit) => kinds.includes(u.kind) && (u.kind !== 'telecom_crew' || !operator || !u.operator || u.operator === operator);
  const onIt = new Set(inc.units.filter((u) => u.status !== 'released').map((u) => u.unitId));
  return units
    .filter((u) => !onIt.has(u.id) && u.status !== 'off_duty')
    .map((unit) => {
      const d = inc.position ? Math.round(distanceM(inc.position, unit.position)) : 0;
      return { unit, distanceM: d, etaS: etaSeconds(d, unit.kind, table.speedsKmh), suitable: fits(unit) };
    })
    // Among the suitable, the most needed kind first (an ambulance before the police when someone is hurt: life first).
    .sort((a, b) => rank(a) - rank(b) || (a.suitable ? kinds.indexOf(a.unit.kind) - kinds.indexOf(b.unit.kind) : 0) || a.etaS - b.etaS);
}

/** Suitable and available, suitable and busy, others available, others busy. */
function rank(c: DispatchCandidate): number {
  return (c.suitable ? 0 : 2) + (c.unit.status === 'available' ? 0 : 1);
}
