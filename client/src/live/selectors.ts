/**
 * Derived views of the live picture. Pure, so the queue order the duty officer
 * works through is unit-tested, and memoised by the hooks on collection identity.
 */
import { SEVERITIES, SEVERITY_RANK, type Alert, type Camera, type Link, type Severity, type Station } from '../../../contract/domain.js';
import type { ById } from './store.js';

/** Most urgent first; within a severity, the most recently seen first. Ties broken by id for a stable order. */
export function compareAlerts(a: Alert, b: Alert): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    b.lastSeen - a.lastSeen ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/** Alerts that still need someone: active and acknowledged (cleared ones never reach the store). */
export function alertQueue(alerts: ById<Alert>): Alert[] {
  return Object.values(alerts)
    .filter((a) => a.state !== 'cleared')
    .sort(compareAlerts);
}

export type SeverityCounts = Record<Severity, number>;

/** Counts of alerts nobody has acknowledged yet, per severity (the header chips). */
export function activeAlertCounts(alerts: ById<Alert>): SeverityCounts {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as SeverityCounts;
  for (const a of Object.values(alerts)) if (a.state === 'active') counts[a.severity] += 1;
  return counts;
}

export interface UpTotal {
  up: number;
  total: number;
  /** Known to be down/offline (not merely unknown or degraded). */
  down: number;
}

function upTotal<T extends { state: string }>(items: ById<T>, upState: string, downState: string): UpTotal {
  let up = 0;
  let down = 0;
  let total = 0;
  for (const item of Object.values(items)) {
    total += 1;
    if (item.state === upState) up += 1;
    else if (item.state === downState) down += 1;
  }
  return { up, total, down };
}

export const cameraSummary = (cameras: ById<Camera>): UpTotal => upTotal(cameras, 'online', 'offline');
export const stationSummary = (stations: ById<Station>): UpTotal => upTotal(stations, 'up', 'down');
export const linkSummary = (links: ById<Link>): UpTotal => upTotal(links, 'up', 'down');
