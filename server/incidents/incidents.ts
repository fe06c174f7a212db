/**
 * The incident workflow core: incidents as officers see and drive them, each
 * change one version step with its timeline entry, written through the
 * records (server/incidents/records.ts). Officers' steps come through act()
 * and addNote(); correlation and CAP open, join and amend incidents through
 * the IncidentDesk they are given, never through the records themselves.
 */
import { v7 as uuidv7 } from 'uuid';
import type { Alert, CityPack, Incident, IncidentAction, IncidentEntry, IncidentUnit, Severity } from '../../contract/index.js';
import { activeUnits, CLOSING_NOTE_REQUIRED, SEVERITY_RANK } from '../../contract/index.js';
import type { AlertStore } from '../alerts/store.js';
import { CommandError } from '../events/errors.js';
import type { NearestCameras } from './cameras.js';
import { placeName } from '../citypack/place.js';
import { wardIdAt } from '../../contract/geo.js';
import type { IncidentRecords } from './records.js';
import { applyStep, checkStep, releaseAll, withUnit, type Step } from './transitions.js';
import type { Units } from './units.js';

/** What an incident is opened with; the rest (ward, cameras, timeline, times) is derived. */
export type NewIncident = Pick<Incident, 'type' | 'severity' | 'channel' | 'position' | 'address' | 'description' | 'externalRef' | 'injured' | 'hurt' | 'callback'>;

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
  /** The unit an officer's step is about. */
  unitId?: string | undefined;
  /** A responder's step: about its own unit, whatever unitId says. */
  ownUnit?: string | undefined;
  /** A dispatch may take the unit from another incident. */
  reassign?: boolean | undefined;
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

  /**
   * A step on an incident, checked against the version the sender saw and the transition
   * table. A responder's unit steps are about its own unit (`ownUnit`); an officer names
   * the unit, or leaves it out when only one unit could be meant.
   */
  act(id: string, action: IncidentAction, input: ActInput): Incident {
    const inc = this.deps.records.get(id);
    if (!inc) throw new CommandError('not_found', `no incident ${id}`);
    if (inc.version !== input.version) {
      throw new CommandError('conflict', `incident ${id} was changed by someone else (version ${inc.version}, you saw ${input.version}): reload and try again`);
    }
    checkStep(inc, action);
    // Whoever reads a closed incident later was not there: closing says how it ended, whatever the path in.
    if (action === 'close' && !input.note?.trim()) throw new CommandError('bad_request', CLOSING_NOTE_REQUIRED);
    const at = this.deps.now();
    const base = { by: input.by, at, note: input.note };
    switch (action) {
      case 'dispatch':
        return this.dispatch(inc, input, at);
      case 'accept': {
        const u = this.unitOn(inc, input, ['dispatched']);
        return this.commit(inc, { ...base, action, unitId: u.unitId, units: withUnit(inc.units, u.unitId, { status: 'accepted', acceptedAt: at }) });
      }
      case 'on_scene': {
        const u = this.unitOn(inc, input, ['dispatched', 'accepted']);
        return this.commit(inc, { ...base, action, unitId: u.unitId, units: withUnit(inc.units, u.unitId, { status: 'on_scene', arrivedAt: at }) });
      }
      case 'release': {
        const u = this.unitOn(inc, input, ['dispatched', 'accepted', 'on_scene']);
        this.deps.units.free(u.unitId, inc.id, input.by, `released from ${inc.id}`);
        return this.commit(inc, { ...base, action, unitId: u.unitId, units: withUnit(inc.units, u.unitId, { status: 'released', releasedAt: at }) });
      }
      case 'resolve': {
        // A unit's resolve: its part is done; the incident is resolved with the last one.
        if (input.ownUnit) {
          const u = this.unitOn(inc, input, ['dispatched', 'accepted', 'on_scene']);
          const units = withUnit(inc.units, u.unitId, { status: 'released', releasedAt: at });
          this.deps.units.free(u.unitId, inc.id, input.by, `finished at ${inc.id}`);
          if (activeUnits({ units }).length > 0) return this.commit(inc, { ...base, action: 'release', unitId: u.unitId, units });
          return this.commit(inc, { ...base, action, unitId: u.unitId, units });
        }
        for (const u of activeUnits(inc)) this.deps.units.free(u.unitId, inc.id, input.by, `${inc.id} resolved`);
        return this.commit(inc, { ...base, action, units: releaseAll(inc.units, at) });
      }
      default:
        return this.commit(inc, { ...base, action, units: inc.units });
    }
  }

  /**
   * One more unit (the others stay). With `reassign`, a unit busy elsewhere is taken from
   * there: that incident gets a `release` step naming where it went, this one a `reassign`.
   */
  private dispatch(inc: Incident, input: ActInput, at: number): Incident {
    if (!input.unitId) throw new CommandError('bad_request', 'which unit: unitId is missing');
    const { unit, from } = this.deps.units.check(inc, input.unitId, input.reassign === true);
    if (from) {
      const other = this.deps.records.get(from);
      if (other) {
        const units = withUnit(other.units, unit.id, { status: 'released', releasedAt: at });
        const next = applyStep(other, { action: 'release', by: input.by, at, unitId: unit.id, otherIncidentId: inc.id, units });
        this.deps.records.commit(next, 'release', input.by, `reassigned to ${inc.id}`);
      }
    }
    this.deps.units.take(unit, inc.id, input.by);
    const entry: IncidentUnit = { unitId: unit.id, status: 'dispatched', dispatchedAt: at, dispatchedBy: input.by, acceptedAt: null, arrivedAt: null, releasedAt: null };
    return this.commit(inc, { action: from ? 'reassign' : 'dispatch', by: input.by, at, note: input.note, unitId: unit.id, ...(from ? { otherIncidentId: from } : {}), units: [...inc.units, entry] });
  }

  /** The unit a unit step is about, active on the incident in one of `states`. */
  private unitOn(inc: Incident, input: ActInput, states: IncidentUnit['status'][]): IncidentUnit {
    const wanted = input.ownUnit ?? input.unitId;
    const candidates = activeUnits(inc).filter((u) => (wanted ? u.unitId === wanted : states.includes(u.status)));
    if (wanted && candidates.length === 0) throw new CommandError('invalid_transition', `unit ${wanted} is not on this incident`);
    if (candidates.length !== 1) throw new CommandError('bad_request', candidates.length === 0 ? 'no unit on this incident can take this step' : 'several units are on this incident: say which (unitId)');
    const u = candidates[0]!;
    if (!states.includes(u.status)) throw new CommandError('invalid_transition', `the unit is ${u.status.replace('_', ' ')}`);
    return u;
  }

  private commit(inc: Incident, step: Step): Incident {
    const next = applyStep(inc, step);
    this.deps.records.commit(next, step.action, step.by, step.note);
    return next;
  }

  /**
   * An officer acknowledged one of the incident's alerts: the incident is acknowledged with
   * it when still new (one act, not two; rules file `workflow.ackIncidentWithAlert`).
   */
  acknowledgeWithAlert(alert: Alert, by: string): Incident | null {
    const inc = alert.incidentId ? this.deps.records.get(alert.incidentId) : undefined;
    if (!inc || inc.status !== 'new') return null;
    return this.commit(inc, { action: 'acknowledge', by, at: this.deps.now(), note: alert.title, units: inc.units });
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
      // No address in the report: the nearest road or site, and the ward (what a crew drives to).
      address: f.address ?? (f.position ? placeName(this.deps.pack, f.position) : null),
      severity: alert ? worse(f.severity, alert.severity) : f.severity,
      status: 'new',
      wardId: f.position ? wardIdAt(this.deps.pack, f.position) : null,
      units: [],
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
