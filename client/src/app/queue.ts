/**
 * The alert queue's pure logic: filters, grouping of related alerts, counts.
 * Sorting is compareAlerts (live/selectors.ts): severity, then most recent.
 *
 * Grouping (visual review item 4): one station outage raises station_down,
 * backhaul_down, station_battery and a coverage_loss for its ward; an accident
 * raises a camera detection and a hotline report that the server links into one
 * incident. Alerts are joined when they share a source device, an incident, or
 * when a coverage loss names the down station (data.stationIds). The most urgent
 * member leads the group.
 */
import { SEVERITIES, type Severity } from '../../../contract/domain.js';
import { type Alert } from '../../../contract/alerts.js';
import { compareAlerts } from '../live/selectors.js';
import { ruleGroup, type RuleGroup } from './alertText.js';

export type AckFilter = 'all' | 'unacked' | 'acked';

export interface AlertFilters {
  /** Empty: every severity. */
  severities: readonly Severity[];
  group: RuleGroup | null;
  wardId: string | null;
  ack: AckFilter;
}

export const NO_FILTERS: AlertFilters = { severities: [], group: null, wardId: null, ack: 'all' };

export const isFiltered = (f: AlertFilters): boolean => f.severities.length > 0 || f.group !== null || f.wardId !== null || f.ack !== 'all';

/** The ward an alert is in: its own, or the ward it is about. */
export const alertWard = (a: Alert): string | null => a.wardId ?? (a.source.kind === 'ward' ? a.source.id : null);

export function matchesFilters(a: Alert, f: AlertFilters): boolean {
  if (f.severities.length > 0 && !f.severities.includes(a.severity)) return false;
  if (f.group !== null && ruleGroup(a.rule) !== f.group) return false;
  if (f.wardId !== null && alertWard(a) !== f.wardId) return false;
  if (f.ack === 'unacked' && a.state !== 'active') return false;
  if (f.ack === 'acked' && a.state !== 'acknowledged') return false;
  return true;
}

export interface AlertGroup {
  /** The lead alert's id (stable while it leads). */
  id: string;
  lead: Alert;
  /** Every member, most urgent first; includes the lead. */
  members: Alert[];
  /** Members nobody has acknowledged yet. */
  active: Alert[];
  escalated: boolean;
}

/** Keys under which alerts are related. */
function relationKeys(a: Alert): string[] {
  const keys = [`src:${a.source.kind}:${a.source.id}`];
  if (a.incidentId) keys.push(`inc:${a.incidentId}`);
  if (a.source.kind === 'incident') keys.push(`report:${a.source.id}`);
  if (a.rule === 'coverage_loss' && typeof a.data?.stationIds === 'string') {
    for (const id of a.data.stationIds.split(',')) if (id) keys.push(`src:station:${id}`);
  }
  return keys;
}

/** Groups of related alerts, each sorted, groups in the order of their leads. `alerts` need not be sorted. */
export function groupAlerts(alerts: readonly Alert[]): AlertGroup[] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root)!;
    let cur = x;
    while (cur !== root) {
      const next = parent.get(cur)!;
      parent.set(cur, root);
      cur = next;
    }
    return root;
  };
  const union = (a: string, b: string) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  const owner = new Map<string, string>();
  for (const a of alerts) {
    parent.set(a.id, a.id);
    for (const k of relationKeys(a)) {
      const other = owner.get(k);
      if (other === undefined) owner.set(k, a.id);
      else union(a.id, other);
    }
  }
  const byRoot = new Map<string, Alert[]>();
  for (const a of alerts) {
    const r = find(a.id);
    const list = byRoot.get(r);
    if (list) list.push(a);
    else byRoot.set(r, [a]);
  }
  const groups: AlertGroup[] = [];
  for (const members of byRoot.values()) {
    members.sort(compareAlerts);
    const lead = members[0]!;
    groups.push({ id: lead.id, lead, members, active: members.filter((m) => m.state === 'active'), escalated: members.some((m) => m.escalated) });
  }
  return groups.sort((x, y) => compareAlerts(x.lead, y.lead));
}

export type SeverityCounts = Record<Severity, number>;

/** Open (not cleared) alerts per severity: the queue header. */
export function countBySeverity(alerts: readonly Alert[]): SeverityCounts {
  const c = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as SeverityCounts;
  for (const a of alerts) c[a.severity] += 1;
  return c;
}

/** One navigable line in the queue: a group, or a member shown under an expanded group. */
export interface QueueLine {
  key: string;
  group: AlertGroup;
  /** Set for a member line under an expanded group. */
  member: Alert | null;
}

export function queueLines(groups: readonly AlertGroup[], expanded: ReadonlySet<string>): QueueLine[] {
  const lines: QueueLine[] = [];
  for (const g of groups) {
    lines.push({ key: `g:${g.id}`, group: g, member: null });
    if (g.members.length > 1 && expanded.has(g.id)) for (const m of g.members) lines.push({ key: `m:${m.id}`, group: g, member: m });
  }
  return lines;
}

/** The alert a line stands for (a group stands for its lead). */
export const lineAlert = (l: QueueLine): Alert => l.member ?? l.group.lead;

/** Next index for j/k, clamped; -1 (nothing selected) moves to the first line. */
export function moveIndex(current: number, delta: number, length: number): number {
  if (length === 0) return -1;
  if (current < 0) return 0;
  return Math.max(0, Math.min(length - 1, current + delta));
}
