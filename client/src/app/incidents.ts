/**
 * Incident logic the console needs without asking the server: the order of the
 * incidents panel (the contract's), distances and durations in the locale. Which actions a status
 * allows comes from the contract (contract/transitions.ts), the server's own table.
 */
import { incidentOrder } from '../../../contract/dispatch.js';
import type { Incident } from '../../../contract/domain.js';

/**
 * The contract's order (contract/dispatch.ts incidentOrder): the most severe first; among
 * equals the ones no unit works yet; then the oldest. The id breaks ties so the list never jumps.
 */
export function compareIncidents(a: Incident, b: Incident): number {
  return incidentOrder(a, b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Incidents still being worked (resolved ones stay until closed, so the officer can close them). */
export function openIncidents(incidents: Readonly<Record<string, Incident>>): Incident[] {
  return Object.values(incidents)
    .filter((i) => i.status !== 'closed')
    .sort(compareIncidents);
}

/** "1,2 km" / "350 m" in the locale. */
export function formatDistance(m: number, lng: string): string {
  const locale = lng === 'vi' ? 'vi-VN' : 'en-GB';
  if (m < 1000) return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(Math.round(m / 10) * 10)} m`;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(m / 1000)} km`;
}

/** "4 phút" / "1 h 05 min": a duration for KPIs (MTTA/MTTR) and ages. */
export function formatDuration(s: number, lng: string): string {
  const locale = lng === 'vi' ? 'vi-VN' : 'en-GB';
  const unit = (value: number, u: 'second' | 'minute' | 'hour') =>
    new Intl.NumberFormat(locale, { style: 'unit', unit: u, unitDisplay: 'short', maximumFractionDigits: 0 }).format(value);
  if (s < 60) return unit(Math.round(s), 'second');
  if (s < 3600) return unit(Math.round(s / 60), 'minute');
  const h = Math.floor(s / 3600);
  const m = Math.round((s - h * 3600) / 60);
  return m > 0 ? `${unit(h, 'hour')} ${unit(m, 'minute')}` : unit(h, 'hour');
}
