/**
 * Derived views of the live picture. Pure, so the queue order the duty officer
 * works through is unit-tested, and memoised by the hooks on collection identity.
 */
import { SEVERITIES, SEVERITY_RANK, type Camera, type Link, type Severity, type Station } from '../../../contract/domain.js';
import { type Alert } from '../../../contract/alerts.js';
import { changedSince } from './lineage.js';
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

/**
 * upTotal, kept up to date from the last answer and the ids changed since
 * (../live/lineage.ts), so a delta over 50,000 devices costs what it changed.
 */
function incrementalUpTotal<T extends { state: string }>(upState: string, downState: string): (items: ById<T>) => UpTotal {
  let last: { items: ById<T>; result: UpTotal } | null = null;
  return (items) => {
    if (last?.items === items) return last.result;
    const ids = last ? changedSince(items, last.items) : null;
    let result: UpTotal;
    if (last && ids && ids.length < 10_000) {
      let { up, total, down } = last.result;
      const count = (item: T | undefined, sign: number): void => {
        if (!item) return;
        total += sign;
        if (item.state === upState) up += sign;
        else if (item.state === downState) down += sign;
      };
      for (const id of new Set(ids)) {
        count(last.items[id], -1);
        count(items[id], 1);
      }
      result = { up, total, down };
    } else {
      result = upTotal(items, upState, downState);
    }
    last = { items, result };
    return result;
  };
}

export const cameraSummary: (cameras: ById<Camera>) => UpTotal = incrementalUpTotal('online', 'offline');
export const stationSummary: (stations: ById<Station>) => UpTotal = incrementalUpTotal('up', 'down');
export const linkSummary: (links: ById<Link>) => UpTotal = incrementalUpTotal('up', 'down');
