/**
 * What each audience may see. A responder's phone gets its own unit and the
 * incidents assigned to it, never another unit's; a district screen gets the
 * devices, alerts and incidents of its wards; the city view gets everything;
 * the wall gets the whole city with what identifies people taken out (plates,
 * notes, callers' words and references: `forWall`).
 */
import type { Alert, Audience, FullChange as Change, Incident, Snapshot } from '../../contract/index.js';

export function audienceKey(a: Audience): string {
  switch (a.kind) {
    case 'city':
      return 'city';
    case 'wards':
      return `wards:${[...a.wardIds].sort().join(',')}`;
    case 'unit':
      return `unit:${a.unitId}`;
    case 'wall':
      return 'wall';
  }
}

/** A field some rule stores in an alert's `data` (contract/alerts.ts RuleData), by name. */
type NamedKeys<D> = { [K in keyof D]-?: string extends K ? never : K }[keyof D];
type DataField = Alert['data'] extends infer D ? (D extends unknown ? NamedKeys<D> : never) : never;
/** Alert data fields that identify a person, a vehicle or a call: never on the wall. */
const PERSONAL_DATA: ReadonlySet<string> = new Set<DataField>(['plate', 'externalRef', 'evidence']);

/**
 * An alert as the wall may show it: no personal data fields, no officers' names,
 * and its own id for a dedupe key and a report's source (both carry the call's reference).
 */
export function wallAlert(a: Alert): Alert {
  // The fields left out are optional in every rule's data, so what remains keeps the rule's shape.
  const data = Object.fromEntries(Object.entries(a.data).filter(([k]) => !PERSONAL_DATA.has(k))) as Alert['data'];
  // A report's source is the call itself (`hotline-115:CALL-…`): the wall knows it by the alert.
  const source = a.source.kind === 'incident' ? { kind: 'incident' as const, id: a.id } : a.source;
  return { ...a, dedupeKey: a.id, source, data, acknowledgedBy: null, clearedBy: null } as Alert;
}

/**
 * An incident as the wall may show it: type, severity, status, place and times.
 * The caller's description, the notes, who did what and the external reference
 * (a hotline call id, a CAP identifier) stay with the officers.
 */
export function wallIncident(i: Incident): Incident {
  return {
    ...i,
    description: '',
    externalRef: null,
    callback: null,
    timeline: i.timeline.map(({ at, action, from, to, unitId }) => ({ at, action, by: '', ...(from ? { from } : {}), ...(to ? { to } : {}), ...(unitId ? { unitId } : {}) })),
  };
}

function forWall(c: Change): Change {
  if (c.kind === 'alert') return { kind: 'alert', alert: wallAlert(c.alert) };
  if (c.kind === 'incident') return { kind: 'incident', incident: wallIncident(c.incident) };
  return c;
}

/**
 * A unit's phone holds the incidents it works, and a resolved one it finished with (until
 * it is closed); one it was released from early, or taken from, leaves the phone.
 */
export function unitSees(i: Incident, unitId: string): boolean {
  if (i.status === 'closed') return false;
  const mine = i.units.filter((u) => u.unitId === unitId);
  return mine.some((u) => u.status !== 'released' || (i.status === 'resolved' && u.releasedAt === i.resolvedAt));
}

/** Whether an item belongs in this audience's picture. */
function sees(a: Audience, c: Change): boolean {
  if (a.kind === 'city' || a.kind === 'wall') return true;
  if (a.kind === 'unit') {
    if (c.kind === 'incident') return unitSees(c.incident, a.unitId);
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

/** The city and the wall see everything: nothing leaves their picture, so they keep no `visible` set. */
const seesAll = (a: Audience): boolean => a.kind === 'city' || a.kind === 'wall';

/** An item in its last state (an alert cleared, an incident closed): no later change can take it out of a picture. */
function ended(c: Change): boolean {
  return (c.kind === 'alert' && c.alert.state === 'cleared') || (c.kind === 'incident' && c.incident.status === 'closed');
}

/**
 * Filters one change for an audience, given what it has been shown so far
 * (`visible`, updated here): the change itself, a `gone` when an item leaves
 * the view, or null when it concerns nothing of theirs.
 *
 * `visible` holds only what may still leave: an item shown in its last state is
 * dropped from it (a reopened incident is shown, and held, again), and the city
 * and the wall hold nothing. So a stream that lives as long as the server holds
 * the open items of its picture, not every item it ever showed.
 */
export function filterChange(a: Audience, c: Change, visible: Set<string>): Change | null {
  const e = entityOf(c);
  const ok = sees(a, c);
  if (!e) return ok ? c : null;
  if (seesAll(a)) return a.kind === 'wall' ? forWall(c) : c;
  const key = `${e.entity}:${e.id}`;
  if (ok) {
    if (ended(c)) visible.delete(key);
    else visible.add(key);
    return c;
  }
  if (visible.delete(key)) return { kind: 'gone', entity: e.entity, id: e.id };
  return null;
}

/** The snapshot an audience gets, and the set of items it now shows. */
export function filterSnapshot(a: Audience, s: Snapshot): { snapshot: Snapshot; visible: Set<string> } {
  const visible = new Set<string>();
  if (a.kind === 'city') return { snapshot: s, visible };
  if (a.kind === 'wall') return { snapshot: { ...s, alerts: s.alerts.map(wallAlert), incidents: s.incidents.map(wallIncident) }, visible };
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
