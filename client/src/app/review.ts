/**
 * Pure logic behind the irreversible steps and the review of closed incidents (issue #27):
 * when resolving asks first, the accent-blind search of the closed list, a day as the officer reads it
 * (the day arithmetic itself is the city calendar's: contract/shift.ts).
 * Unit-tested in tests/unit/client-review.test.ts.
 */
import { activeUnits, type Incident, type IncidentEntry } from '../../../contract/domain.js';

/** Resolving ends the work and releases every unit: asked first when no unit ever reached the scene (what the question says). */
export function resolveQuestion(i: Pick<Incident, 'units'>): 'resolveNoUnit' | 'resolveNotArrived' | null {
  if (i.units.some((u) => u.arrivedAt !== null)) return null;
  return activeUnits(i).length > 0 ? 'resolveNotArrived' : 'resolveNoUnit';
}

/** The step that closed it: the last one that took it to closed (an officer's close, or a CAP cancel). */
export const closingOf = (i: Pick<Incident, 'timeline'>): IncidentEntry | undefined => [...i.timeline].reverse().find((e) => e.to === 'closed');

/** Lower case without accents (and đ as d): what an officer types at 3 a.m. still matches. */
export function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').replace(/[đĐ]/g, 'd').toLowerCase();
}

/** Whether every word of the query is in one of the texts (id, type, address, ward…). */
export function matchesQuery(texts: readonly (string | null | undefined)[], query: string): boolean {
  const hay = fold(texts.filter(Boolean).join(' \u0001 '));
  return fold(query)
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}

/** "T2, 07/12/2026" / "Mon, 07/12/2026": the weekday and the date in the order the officer reads. */
export const dayLabel = (day: string, lng: string): string =>
  new Intl.DateTimeFormat(lng === 'vi' ? 'vi-VN' : 'en-GB', { weekday: 'short', day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' }).format(Date.parse(`${day}T00:00:00Z`));
