/**
 * Which units fit an incident: the unit kinds each incident type needs, and those it needs
 * too when people are hurt. The defaults below are the city's usual practice; the rules
 * file (RULES_FILE, key `dispatch`) may replace any row. The server ranks the dispatch list
 * with it (server/incidents/dispatch.ts); the console shows the ranking as it comes.
 */
import { z } from 'zod';
import { activeUnits, INCIDENT_TYPES, SEVERITY_RANK, UNIT_KINDS, type Incident, type IncidentType, type Unit, type UnitKind } from './domain.js';

export interface UnitNeed {
  /** Kinds the incident needs, first the most needed. */
  kinds: UnitKind[];
  /** Kinds it needs as well when someone is hurt (Incident.hurt). */
  whenHurt: UnitKind[];
}

export const DEFAULT_UNIT_NEEDS: Readonly<Record<IncidentType, UnitNeed>> = {
  medical: { kinds: ['ambulance'], whenHurt: [] },
  fire: { kinds: ['fire'], whenHurt: ['ambulance'] },
  traffic_accident: { kinds: ['police_traffic'], whenHurt: ['ambulance'] },
  telecom_outage: { kinds: ['telecom_crew'], whenHurt: ['ambulance'] },
  crime: { kinds: ['security'], whenHurt: ['ambulance'] },
  crowd: { kinds: ['security'], whenHurt: ['ambulance'] },
  flood: { kinds: ['fire', 'security'], whenHurt: ['ambulance'] },
  infrastructure: { kinds: ['telecom_crew'], whenHurt: ['ambulance'] },
  other: { kinds: [], whenHurt: ['ambulance'] },
};

/** Road speeds for the ETA estimate, km/h in town, and the minute a crew takes to set off. */
export const DEFAULT_UNIT_SPEEDS_KMH: Readonly<Record<UnitKind, number>> = {
  ambulance: 40,
  fire: 35,
  police_traffic: 40,
  security: 35,
  telecom_crew: 30,
};
export const SET_OFF_S = 60;

const kind = z.enum(UNIT_KINDS);
export const unitNeedsSchema = z
  .partialRecord(z.enum(INCIDENT_TYPES), z.strictObject({ kinds: z.array(kind).max(5), whenHurt: z.array(kind).max(5).default([]) }))
  .default({});

/** The kinds an incident needs now, most needed first: what a hurt person needs comes first (life before property). */
export function neededKinds(inc: Pick<Incident, 'type' | 'hurt'>, needs: Readonly<Record<IncidentType, UnitNeed>> = DEFAULT_UNIT_NEEDS): UnitKind[] {
  const n = needs[inc.type];
  const all = inc.hurt ? [...n.whenHurt, ...n.kinds] : n.kinds;
  return [...new Set(all)];
}

/** Minutes to a place `distanceM` away, for a unit of this kind (straight-line distance, so an estimate). */
export function etaSeconds(distanceM: number, k: UnitKind, speeds: Readonly<Record<UnitKind, number>> = DEFAULT_UNIT_SPEEDS_KMH): number {
  // Roads are about 1.3 times the straight line in a town's grid.
  return Math.round(SET_OFF_S + (distanceM * 1.3) / ((speeds[k] * 1000) / 3600));
}

/** One unit in an incident's dispatch list (GET /api/incidents/{id}), best first. */
export interface DispatchCandidate {
  unit: Unit;
  distanceM: number;
  /** Estimated seconds to the scene (etaSeconds). */
  etaS: number;
  /** Its kind is one the incident needs (and, for a telecom crew, its operator's station). */
  suitable: boolean;
}

export const speedsSchema = z.partialRecord(kind, z.number().positive().max(200)).default({});

/**
 * The order of open incidents in the console: the most severe first; among equals, the ones
 * no unit works yet (they need an officer now); then the oldest first.
 */
export function incidentOrder(a: Incident, b: Incident): number {
  const sev = SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity];
  if (sev !== 0) return sev;
  const needA = needsUnit(a) ? 0 : 1;
  const needB = needsUnit(b) ? 0 : 1;
  if (needA !== needB) return needA - needB;
  return a.createdAt - b.createdAt;
}

/** An open incident that no unit works yet. */
export function needsUnit(i: Incident): boolean {
  return i.status !== 'resolved' && i.status !== 'closed' && activeUnits(i).length === 0;
}
