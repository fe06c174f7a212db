/**
 * The incident workflow core: incidents as officers see and drive them, each
 * change one version step with its timeline entry, written through the
 * records (server/incidents/records.ts). Officers' steps come through act()
 * and addNote(); correlation and CAP open, join and amend incidents through
 * the IncidentDesk they are given, never through the records themselves.
 */
import { v7 as uuidv7 } from 'uuid';
import type { Alert, CityPack, Incident, IncidentAction, IncidentEntry, Severity } from '../../contract/index.js';
import { SEVERITY_RANK } from '../../contract/index.js';
import type { AlertStore } from '../alerts/store.js';
import { CommandError } from '../events/errors.js';
import type { NearestCameras } from './cameras.js';
import { wardAt } from '../citypack/wards.js';
import type { IncidentRecords } from './records.js';
import { applyStep, checkStep } from './transitions.js';
import type { Units } from './units.js';

/** What an incident is opened with; the rest (ward, cameras, timeline, times) is derived. */
export type NewIncident = Pick<Incident, 'type' | 'severity' | 'channel' | 'position' | 'address' | 'description' | 'externalRef'>;

/** What correlation and CAP may do to incidents. */
export interface IncidentDesk {
  get(id: string): Incident | undefined;
  all(): Incident[];
  byRef(ref: string): Incident | undefined;
  hasRef(ref: string): boolean;
  setRef(ref: string, incidentId: string): void;
  /** A new incident, at version 1; with `alert`, that alert is in it from the start (one write, not two). */
  create(f: NewIncident, at: number, by: string, note: string, alert?: Alert): Incident;
  /** One version step: `entry` joins the timeline, `patch` the fields; committed as event `entry.action`. */
  change(inc: Incident, entry: IncidentEntry, patch: Partial<Incident>, note?: string): Incident;
  /** An alert joins an incident, in one version step; the alert is not touched (it is being raised with this incident). */
  join(inc: Incident, alert: Alert): Incident;
  /** An alert already written joins an incident, and the alert learns its incident. */
  link(incidentId: string, alert: Alert): void;
}

/** The worse of two severities: a related report or alert can raise an incident's, never lower it. */
export const worse = (a: Severity, b: Severity): Severity => (SEVERITY_RANK[b] < SEVERITY_RANK[a] ? b : a);

export interface IncidentsDeps {
  records: IncidentRecords;
  units: Units;
  alerts: Pick<AlertStore, 'linkIncident'>;
  cameras: NearestCameras;
  pack: CityPack;
  now: () => number;
  /** Notes one incident may hold (INCIDENT_MAX_NOTES): a bound on what one account can pile onto every screen. */
  maxNotes?: number | undefined;
}

interface ActInput {
  version: number;
  by: string;
  note?: string | undefined;
  unitId?: string | undefined;
}

export class Incidents implements IncidentDesk {

  constructor(private readonly deps: IncidentsDeps) {}

  get(id: string): Incident | undefined {
    return this.deps.records.get(id);
  }

  all(): Incident[] {
    return this.deps.records.all();
  }

  /** Every incident not closed. */
  open(): Incident[] {
    return this.all().filter((i) => i.status !== 'closed');
  }

  /** Incidents held in memory, closed ones of the last day included (KPIs). */
  recent(): Incident[] {
    return this.all();
  }

  byRef(ref: string): Incident | undefined {
    return this.deps.records.byRef(ref);
  }

  hasRef(ref: string): boolean {
    return this.deps.records.hasRef(ref);
  }

  setRef(ref: string, incidentId: string): void {
    this.deps.records.setRef(ref, incidentId);
  }

  /** One officer's step, checked against the version the officer saw and the transition table. */
  act(id: string, action: IncidentAction, input: ActInput): Incident {
    const inc = this.deps.records.get(id);
    if (!inc) throw new CommandError('not_found', `no incident ${id}`);
    if (inc.version !== input.version) {
      throw new CommandError('conflict', `incident ${id} was changed by someone else (version ${inc.version}, you saw ${input.version}): reload and try again`);
    }
    const to = checkStep(inc, action);
    const at = this.deps.now();
    const unitId = action === 'dispatch' ? this.deps.units.assign(inc, input.unitId, input.by).id : undefined;
    if (to === 'resolved' || to === 'closed') this.deps.units.release(inc, to, input.by);
    const next = applyStep(inc, { action, to, by: input.by, at, note: input.note, unitId });
    this.deps.records.commit(next, action, input.by, input.note);
    return next;
  }

  addNote(id: string, by: string, note: string): Incident {
    const inc = this.deps.records.get(id);
    if (!inc) throw new CommandError('not_found', `no incident ${id}`);
    const max = this.deps.maxNotes ?? 500;
    if (inc.timeline.reduce((n, e) => n + (e.action === 'note' ? 1 : 0), 0) >= max) throw new CommandError('conflict', `incident ${id} holds ${max} notes already: no more can be added`);
    return this.change(inc, { at: this.deps.now(), by, action: 'note', note }, {}, note);
  }

  create(f: NewIncident, at: number, by: string, note: string, alert?: Alert): Incident {
    const cams = f.position ? this.deps.cameras(f.position) : [];
    const created: IncidentEntry = { at, by, action: 'created', to: 'new', note };
    const inc: Incident = {
      // A UUIDv7: unique across servers without asking anyone, and in time order.
      id: `inc-${uuidv7()}`,
      ...f,
      severity: alert ? worse(f.severity, alert.severity) : f.severity,
      status: 'new',
      wardId: f.position ? wardAt(this.deps.pack, f.position) : null,
      unitId: null,
      alertIds: alert ? [alert.id] : [],
      cameraIds: cams.map((c) => c.id),
      cameraDistancesM: cams.map((c) => c.d),
      // The alert that opened it keeps its own timeline entry, as if linked a step later.
      timeline: alert ? [created, this.linkEntry(alert)] : [created],
      createdAt: at,
      updatedAt: at,
      acknowledgedAt: null,
      resolvedAt: null,
      version: 1,
    };
    this.deps.records.commit(inc, 'created', by, note);
    return inc;
  }

  change(inc: Incident, entry: IncidentEntry, patch: Partial<Incident>, note?: string): Incident {
    const next: Incident = { ...inc, ...patch, timeline: [...inc.timeline, entry], updatedAt: entry.at, version: inc.version + 1 };
    this.deps.records.commit(next, entry.action, entry.by, note);
    return next;
  }

  join(inc: Incident, alert: Alert): Incident {
    if (inc.alertIds.includes(alert.id)) return inc;
    return this.change(inc, this.linkEntry(alert), { severity: worse(inc.severity, alert.severity), alertIds: [...inc.alertIds, alert.id] }, alert.id);
  }

  link(incidentId: string, alert: Alert): void {
    const inc = this.deps.records.get(incidentId);
    if (!inc) return;
    this.deps.alerts.linkIncident(alert.id, incidentId);
    this.join(inc, alert);
  }

  private linkEntry(alert: Alert): IncidentEntry {
    return { at: this.deps.now(), by: 'system', action: 'link_alert', alertId: alert.id, note: alert.title };
  }
}
