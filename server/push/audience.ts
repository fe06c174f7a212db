/**
 * What each audience may see. A responder's phone gets its own unit and the
 * incidents assigned to it, never another unit's; a district screen gets the
 * devices, alerts and incidents of its wards; the city view gets everything.
 */
import type { Audience, FullChange as Change, Snapshot } from '../../contract/index.js';

export function audienceKey(a: Audience): string {
  switch (a.kind) {
    case 'city':
      return 'city';
    case 'wards':
      return `wards:${[...a.wardIds].sort().join(',')}`;
    case 'unit':
      return `unit:${a.unitId}`;
  }
}

/** Whether an item belongs in this audience's picture. */
function sees(a: Audience, c: Change): boolean {
  if (a.kind === 'city') return true;
  if (a.kind === 'unit') {
    if (c.kind === 'incident') return c.incident.unitId === a.unitId && c.incident.status !== 'closed';
    if (c.kind === 'unit') return c.unit.id === a.unitId;
    return false;
  }
  const inWards = (w: string | null) => w !== null && a.wardIds.includes(w);
  switch (c.kind) {
    case 'camera':
      return inWards(c.camera.wardId);
    case 'station':
      return inWards(c.station.wardId);
    case 'link':
      return a.wardIds.includes(c.link.to) || a.wardIds.includes(c.link.from);
    case 'alert':
      return inWards(c.alert.wardId);
    case 'incident':
      return inWards(c.incident.wardId);
    case 'unit':
    case 'kpis':
    case 'feeds':
    case 'gone':
      return true;
  }
}

function entityOf(c: Change): { entity: 'alert' | 'incident' | 'unit'; id: string } | null {
  if (c.kind === 'alert') return { entity: 'alert', id: c.alert.id };
  if (c.kind === 'incident') return { entity: 'incident', id: c.incident.id };
  if (c.kind === 'unit') return { entity: 'unit', id: c.unit.id };
  return null;
}

/**
 * Filters one change for an audience, given what it has been shown so far
 * (`visible`, updated here): the change itself, a `gone` when an item leaves
 * the view, or null when it concerns nothing of theirs.
 */
export function filterChange(a: Audience, c: Change, visible: Set<string>): Change | null {
  const e = entityOf(c);
  const ok = sees(a, c);
  if (!e) return ok ? c : null;
  const key = `${e.entity}:${e.id}`;
  if (ok) {
    visible.add(key);
    return c;
  }
  if (visible.delete(key)) return { kind: 'gone', entity: e.entity, id: e.id };
  return null;
}

/** The snapshot an audience gets, and the set of items it now shows. */
export function filterSnapshot(a: Audience, s: Snapshot): { snapshot: Snapshot; visible: Set<string> } {
  const visible = new Set<string>();
  if (a.kind === 'city') {
    for (const x of s.alerts) visible.add(`alert:${x.id}`);
    for (const x of s.incidents) visible.add(`incident:${x.id}`);
    for (const x of s.units) visible.add(`unit:${x.id}`);
    return { snapshot: s, visible };
  }
  const keep = <T>(xs: T[], wrap: (x: T) => Change) => xs.filter((x) => filterChange(a, wrap(x), visible) !== null);
  const snapshot: Snapshot = {
    ...s,
    cameras: keep(s.cameras, (camera) => ({ kind: 'camera', camera })),
    stations: keep(s.stations, (station) => ({ kind: 'station', station })),
    links: keep(s.links, (link) => ({ kind: 'link', link })),
    alerts: keep(s.alerts, (alert) => ({ kind: 'alert', alert })),
    incidents: keep(s.incidents, (incident) => ({ kind: 'incident', incident })),
    units: keep(s.units, (unit) => ({ kind: 'unit', unit })),
    // A unit sees no city-wide figures; a district still sees the city's KPIs and feeds.
    ...(a.kind === 'unit' ? { feeds: [] } : {}),
  };
  return { snapshot, visible };
}
