/**
 * Incidents and responder units: the workflow the officers drive, with every
 * transition recorded (who, when, note) in the incident's timeline and in the
 * event log. Incidents come from reports (hotlines, citizens, patrols, CAP)
 * and from critical detections; nearby related ones are correlated into one.
 */
import type { Alert, CityPack, Incident, IncidentAction, IncidentEntry, IncidentType, LngLat, Severity, Unit, UnitStatus } from '../../contract/index.js';
import { SEVERITY_RANK } from '../../contract/index.js';
import type { AlertStore } from '../alerts/store.js';
import type { BusEvents, EventBus } from '../bus.js';
import { CommandError } from '../events/errors.js';
import type { EventLog } from '../events/log.js';
import type { Registry } from '../registry/registry.js';
import { incidentKey } from '../alerts/rules/incident.js';
import type { CapAlert } from '../ingest/cap/types.js';
import { capToIncidentFields } from '../ingest/cap/types.js';
import { capRef, foreignReference } from '../ingest/cap/incident.js';
import { distanceM, wardAt } from './geo.js';
import { nextStatus } from './workflow.js';

const OWNER = 'incidents';
/** Detections that are an incident in themselves, and the incident type they make. */
const INCIDENT_OF_DETECTION: Record<string, IncidentType> = { accident: 'traffic_accident', fire_smoke: 'fire', crowd: 'crowd' };
/**
 * Which incident types can be one event on the ground: an accident brings a
 * 115 medical call and sometimes a fire; a crowd, a fight; a flood cuts power
 * and telecom. Unrelated reports that happen to be near stay separate.
 */
const RELATED: Partial<Record<IncidentType, readonly IncidentType[]>> = {
  traffic_accident: ['medical', 'fire'],
  medical: ['traffic_accident', 'fire', 'crowd'],
  fire: ['traffic_accident', 'medical'],
  crowd: ['crime', 'medical'],
  crime: ['crowd'],
  flood: ['infrastructure', 'telecom_outage'],
  infrastructure: ['flood', 'telecom_outage'],
  telecom_outage: ['flood', 'infrastructure'],
};
export function related(a: IncidentType, b: IncidentType): boolean {
  return a === b || (RELATED[a]?.includes(b) ?? false);
}

/** Closed incidents stay in memory this long, for today's KPIs. */
const KEEP_CLOSED_MS = 24 * 3600_000;

export interface IncidentStoreOptions {
  bus: EventBus;
  log: EventLog;
  alerts: AlertStore;
  registry: Registry;
  pack: CityPack;
  now?: () => number;
  correlateRadiusM?: number;
  correlateWindowMs?: number;
  cameraRadiusM?: number;
  /** Notes one incident may hold (INCIDENT_MAX_NOTES): a bound on what one account can pile onto every screen. */
  maxNotes?: number;
}

interface ActInput {
  version: number;
  by: string;
  note?: string | undefined;
  unitId?: string | undefined;
}

export class IncidentStore {
  private readonly incidents = new Map<string, Incident>();
  private readonly units = new Map<string, Unit>();
  /** Reporting system's reference (`source:ref`) or alert dedupe key → incident id. */
  private readonly refs = new Map<string, string>();
  private counter = 0;
  private readonly now: () => number;

  constructor(private readonly opts: IncidentStoreOptions) {
    this.now = opts.now ?? Date.now;
    for (const u of opts.pack.sites.units) {
      this.units.set(u.id, { id: u.id, name: u.name, kind: u.kind, position: u.position, status: 'available', incidentId: null, updatedAt: 0, version: 1 });
    }
  }

  start(): void {
    this.opts.bus.on('incident.report', OWNER, (e) => this.onReport(e));
    this.opts.bus.on('alert.raised', OWNER, (e) => this.onAlert(e.alert));
    this.opts.bus.on('cap.alert', OWNER, (e) => this.onCap(e.alert));
  }

  stop(): void {
    this.opts.bus.removeOwner(OWNER);
  }

  get(id: string): Incident | undefined {
    return this.incidents.get(id);
  }

  /** Every incident not closed. */
  open(): Incident[] {
    return [...this.incidents.values()].filter((i) => i.status !== 'closed');
  }

  /** Incidents held in memory, closed ones of the last day included (KPIs). */
  recent(): Incident[] {
    return [...this.incidents.values()];
  }

  unitList(): Unit[] {
    return [...this.units.values()];
  }

  getUnit(id: string): Unit | undefined {
    return this.units.get(id);
  }

  /** One workflow step, checked against the table and the version the officer saw. */
  act(id: string, action: IncidentAction, input: ActInput): Incident {
    const inc = this.incidents.get(id);
    if (!inc) throw new CommandError('not_found', `no incident ${id}`);
    if (inc.version !== input.version) {
      throw new CommandError('conflict', `incident ${id} was changed by someone else (version ${inc.version}, you saw ${input.version}): reload and try again`);
    }
    const to = nextStatus(inc.status, action);
    if (!to) throw new CommandError('invalid_transition', `cannot ${action} an incident that is ${inc.status}`);
    const at = this.now();
    let unitId = inc.unitId;
    if (action === 'dispatch') {
      const unit = input.unitId ? this.units.get(input.unitId) : undefined;
      if (!unit) throw new CommandError('bad_request', `no unit ${input.unitId ?? '(none given)'}`);
      if (unit.incidentId !== id && unit.status !== 'available') throw new CommandError('conflict', `unit ${unit.name} is ${unit.status}`);
      if (inc.unitId && inc.unitId !== unit.id) this.setUnit(inc.unitId, 'available', null, input.by, `released from ${id}`);
      this.setUnit(unit.id, 'busy', id, input.by, `dispatched to ${id}`);
      unitId = unit.id;
    }
    if ((to === 'resolved' || to === 'closed') && inc.unitId) {
      const u = this.units.get(inc.unitId);
      if (u?.incidentId === id) this.setUnit(u.id, 'available', null, input.by, `${id} ${to}`);
    }
    const entry: IncidentEntry = { at, by: input.by, action, from: inc.status, to, ...(unitId && action === 'dispatch' ? { unitId } : {}), ...(input.note ? { note: input.note } : {}) };
    const next: Incident = {
      ...inc,
      status: to,
      unitId: to === 'resolved' || to === 'closed' ? inc.unitId : unitId,
      acknowledgedAt: inc.acknowledgedAt ?? (to !== 'new' ? at : null),
      resolvedAt: to === 'resolved' ? at : to === 'acknowledged' ? null : inc.resolvedAt,
      timeline: [...inc.timeline, entry],
      updatedAt: at,
      version: inc.version + 1,
    };
    this.commit(next, action, input.by, input.note);
    return next;
  }

  addNote(id: string, by: string, note: string): Incident {
    const inc = this.incidents.get(id);
    if (!inc) throw new CommandError('not_found', `no incident ${id}`);
    const max = this.opts.maxNotes ?? 500;
    if (inc.timeline.reduce((n, e) => n + (e.action === 'note' ? 1 : 0), 0) >= max) throw new CommandError('conflict', `incident ${id} holds ${max} notes already: no more can be added`);
    const at = this.now();
    const next = { ...inc, timeline: [...inc.timeline, { at, by, action: 'note' as const, note }], updatedAt: at, version: inc.version + 1 };
    this.commit(next, 'note', by, note);
    return next;
  }

  setUnitStatus(id: string, status: UnitStatus, version: number, by: string): Unit {
    const u = this.units.get(id);
    if (!u) throw new CommandError('not_found', `no unit ${id}`);
    if (u.version !== version) throw new CommandError('conflict', `unit ${id} changed (version ${u.version}, you saw ${version})`);
    if (u.incidentId && status !== 'busy') throw new CommandError('invalid_transition', `unit is assigned to ${u.incidentId}: resolve it first`);
    return this.setUnit(id, status, u.incidentId, by, undefined);
  }

  /** Units nearest to a position first, with their distance; available ones only unless `all`. */
  nearestUnits(position: LngLat, all = false): { unit: Unit; distanceM: number }[] {
    return this.unitList()
      .filter((u) => all || u.status === 'available')
      .map((unit) => ({ unit, distanceM: Math.round(distanceM(position, unit.position)) }))
      .sort((a, b) => a.distanceM - b.distanceM);
  }

  restore(incidents: Incident[], units: Unit[]): void {
    const cutoff = this.now() - KEEP_CLOSED_MS;
    for (const i of incidents) {
      if (i.status === 'closed' && i.updatedAt < cutoff) continue;
      this.incidents.set(i.id, i);
      if (i.externalRef) this.refs.set(i.externalRef, i.id);
    }
    for (const u of units) if (this.units.has(u.id)) this.units.set(u.id, u);
  }

  /** Drop closed incidents older than a day (called periodically). */
  trim(): void {
    const cutoff = this.now() - KEEP_CLOSED_MS;
    for (const [id, i] of this.incidents) if (i.status === 'closed' && i.updatedAt < cutoff) this.incidents.delete(id);
  }

  private onReport(e: BusEvents['incident.report']): void {
    const p = e.payload;
    const ref = p.externalRef ? `${e.sourceId}:${p.externalRef}` : null;
    const dedupeKey = incidentKey(e.sourceId, p.externalRef ?? (p.seq > 0 ? p.seq : `t${p.ts}`));
    const position: LngLat | null = p.lat !== undefined && p.lon !== undefined ? [p.lon, p.lat] : null;
    const at = this.now();
    const note = [p.description, p.address, p.reporter ? `(${p.reporter})` : ''].filter(Boolean).join(' — ');
    // The same call sent twice, or an update from the same system: one incident.
    const known = ref ? this.incidents.get(this.refs.get(ref) ?? '') : undefined;
    const target = known && known.status !== 'closed' ? known : position ? this.correlate(position, at, p.type) : undefined;
    let inc: Incident;
    if (target) {
      const entry: IncidentEntry = { at, by: p.channel, action: 'report', note };
      inc = this.bump(target, p.severity, entry, `report ${p.channel}`);
    } else {
      inc = this.create({ type: p.type, severity: p.severity, channel: p.channel, position, address: p.address ?? null, description: p.description, externalRef: ref }, at, p.channel, note);
    }
    if (ref) this.refs.set(ref, inc.id);
    this.refs.set(dedupeKey, inc.id);
  }

  /**
   * Why a CAP message may not be applied, or null (issue #19): an Update or a
   * Cancel touches only incidents that came from an alert of its own sender,
   * whatever sender its <references> name. Both ingest paths (MQTT, HTTP) ask
   * before they put the message on the bus; onCap asks again.
   */
  capRefusal(cap: CapAlert): { reason: 'foreign_reference'; detail: string } | null {
    if (cap.msgType !== 'Update' && cap.msgType !== 'Cancel') return null;
    for (const inc of this.capReferenced(cap)) {
      const why = foreignReference(cap, inc);
      if (why) return { reason: 'foreign_reference', detail: why };
    }
    return null;
  }

  private capReferenced(cap: CapAlert): Incident[] {
    return cap.references.map((r) => this.incidents.get(this.refs.get(capRef(r.sender, r.identifier)) ?? '')).filter((i) => i !== undefined);
  }

  /**
   * OASIS CAP 1.2 from other agencies: an Actual Alert opens an incident and
   * raises its alert; an Update amends the incident it references; a Cancel
   * closes it. Test, Exercise, Draft and System messages are stored, not acted on.
   */
  private onCap(cap: CapAlert): void {
    if (cap.status !== 'Actual' || this.capRefusal(cap)) return;
    const f = capToIncidentFields(cap);
    const at = this.now();
    const by = `cap:${cap.sender}`.slice(0, 64);
    const referenced = this.capReferenced(cap)[0];
    if (cap.msgType === 'Alert' || ((cap.msgType === 'Update' || cap.msgType === 'Cancel') && !referenced)) {
      if (cap.msgType === 'Cancel') return; // cancelling something we never had
      if (this.refs.has(f.externalRef)) return; // the same message again (MQTT and HTTP)
      const inc = this.create({ ...f, channel: 'cap' }, at, by, f.description);
      this.refs.set(f.externalRef, inc.id);
      const alert = this.opts.alerts.raise(
        {
          rule: 'incident_report',
          dedupeKey: `cap:${f.externalRef}`,
          severity: f.severity,
          title: f.description.split('\n')[0]!.slice(0, 160),
          source: { kind: 'incident', id: inc.id },
          position: f.position,
          wardId: inc.wardId,
          data: { channel: 'cap', sender: cap.sender.slice(0, 128), identifier: cap.identifier.slice(0, 128) },
        },
        at,
      );
      this.link(inc.id, alert);
      return;
    }
    if (!referenced || cap.msgType === 'Ack' || cap.msgType === 'Error') return;
    this.refs.set(f.externalRef, referenced.id);
    if (cap.msgType === 'Cancel') {
      if (referenced.status === 'closed') return;
      const entry: IncidentEntry = { at, by, action: 'cancel', from: referenced.status, to: 'closed', note: cap.note ?? f.description };
      this.commit({ ...referenced, status: 'closed', timeline: [...referenced.timeline, entry], updatedAt: at, version: referenced.version + 1 }, 'cancel', by, entry.note);
      return;
    }
    const entry: IncidentEntry = { at, by, action: 'update', note: f.description };
    const next = this.bump(referenced, f.severity, entry, 'CAP update');
    this.commit({ ...next, description: f.description, position: f.position ?? next.position, version: next.version + 1 }, 'update', by);
  }

  private onAlert(alert: Alert): void {
    // An alert raised for a report: link it to the report's incident.
    const byRef = this.refs.get(alert.dedupeKey);
    if (byRef) return this.link(byRef, alert);
    const kind = typeof alert.data.kind === 'string' ? alert.data.kind : undefined;
    const type = kind ? INCIDENT_OF_DETECTION[kind] : undefined;
    if (!type || !alert.position) return;
    const at = alert.firstSeen;
    const near = this.correlate(alert.position, at, type);
    if (near) return this.link(near.id, alert);
    const inc = this.create(
      { type, severity: alert.severity, channel: 'system', position: alert.position, address: null, description: alert.title, externalRef: null },
      at,
      'system',
      alert.title,
    );
    this.link(inc.id, alert);
  }

  /** An open, unresolved, related incident within the radius and time window, nearest first. */
  private correlate(position: LngLat, at: number, type: IncidentType): Incident | undefined {
    const radius = this.opts.correlateRadiusM ?? 300;
    const window = this.opts.correlateWindowMs ?? 5 * 60_000;
    let best: { inc: Incident; d: number } | undefined;
    for (const inc of this.incidents.values()) {
      if (!inc.position || inc.status === 'resolved' || inc.status === 'closed' || !related(type, inc.type)) continue;
      if (Math.abs(at - inc.createdAt) > window) continue;
      const d = distanceM(position, inc.position);
      if (d <= radius && (!best || d < best.d)) best = { inc, d };
    }
    return best?.inc;
  }

  private link(incidentId: string, alert: Alert): void {
    const inc = this.incidents.get(incidentId);
    if (!inc) return;
    this.opts.alerts.linkIncident(alert.id, incidentId);
    if (inc.alertIds.includes(alert.id)) return;
    const entry: IncidentEntry = { at: this.now(), by: 'system', action: 'link_alert', alertId: alert.id, note: alert.title };
    const next = this.bump(inc, alert.severity, entry, `link ${alert.id}`);
    this.commit({ ...next, alertIds: [...next.alertIds, alert.id], version: next.version + 1 }, 'link_alert', 'system', alert.id);
  }

  /** A related report or alert joins an incident: note it, and raise the severity if it is worse. */
  private bump(inc: Incident, severity: Severity, entry: IncidentEntry, note: string): Incident {
    const next: Incident = {
      ...inc,
      severity: SEVERITY_RANK[severity] < SEVERITY_RANK[inc.severity] ? severity : inc.severity,
      timeline: [...inc.timeline, entry],
      updatedAt: entry.at,
      version: inc.version + 1,
    };
    this.commit(next, entry.action, entry.by, note);
    return next;
  }

  private create(
    f: Pick<Incident, 'type' | 'severity' | 'channel' | 'position' | 'address' | 'description' | 'externalRef'>,
    at: number,
    by: string,
    note: string,
  ): Incident {
    const cams = f.position ? this.nearestCameras(f.position) : [];
    const inc: Incident = {
      id: `inc-${at.toString(36)}-${(++this.counter).toString(36)}`,
      ...f,
      status: 'new',
      wardId: f.position ? wardAt(this.opts.pack, f.position) : null,
      unitId: null,
      alertIds: [],
      cameraIds: cams.map((c) => c.id),
      cameraDistancesM: cams.map((c) => c.d),
      timeline: [{ at, by, action: 'created', to: 'new', note }],
      createdAt: at,
      updatedAt: at,
      acknowledgedAt: null,
      resolvedAt: null,
      version: 1,
    };
    this.commit(inc, 'created', by, note);
    return inc;
  }

  private nearestCameras(p: LngLat): { id: string; d: number }[] {
    const radius = this.opts.cameraRadiusM ?? 500;
    const out: { id: string; d: number }[] = [];
    for (const c of this.opts.registry.cameras.values()) {
      if (!c.position) continue;
      const d = distanceM(p, c.position);
      if (d <= radius) out.push({ id: c.id, d: Math.round(d) });
    }
    return out.sort((a, b) => a.d - b.d).slice(0, 8);
  }

  private setUnit(id: string, status: UnitStatus, incidentId: string | null, by: string, note: string | undefined): Unit {
    const u = this.units.get(id)!;
    const next: Unit = { ...u, status, incidentId, updatedAt: this.now(), version: u.version + 1 };
    this.units.set(id, next);
    this.opts.log.append({ entity: 'unit', id, type: `status_${status}`, by, note, state: next });
    this.opts.bus.emit('state.change', { kind: 'unit', unit: next });
    return next;
  }

  private commit(next: Incident, type: string, by: string, note?: string): void {
    this.incidents.set(next.id, next);
    this.opts.log.append({ entity: 'incident', id: next.id, type, by, note, state: next });
    this.opts.bus.emit('state.change', { kind: 'incident', incident: next });
  }
}
