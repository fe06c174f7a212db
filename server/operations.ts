/**
 * The operations desk assembled: the event log, the alert store, the incident
 * workflow (records, units, correlation, CAP) and the rule engine; their rebuild from the event log at start-up, escalation, KPIs.
 * (The incident state machine itself is server/incidents/transitions.ts. The commands on the desk,
 * server/push/commands.ts, are built beside it by the app: the desk does not import the push layer, issue #25.)
 */
import { normalizeIncident, type Alert, type CityPack, type DispatchCandidate, type Incident, type Kpis, type Operator, type Unit } from '../contract/index.js';
import type { StreamType } from './db/sor.js';
import { dispatchTable, rankUnits, type DispatchTable } from './incidents/dispatch.js';
import type { Journal } from './db/journal.js';
import type { OpenPicture } from './db/sor.js';
import { AlertStore } from './alerts/store.js';
import { RuleEngine } from './alerts/engine.js';
import { dueEscalations } from './alerts/escalation.js';
import type { RulesConfig } from './alerts/rules-config.js';
import type { EventBus } from './bus.js';
import { EventLog } from './events/log.js';
import type { PointWriter } from './influx/writer.js';
import { CapIncidents } from './incidents/cap.js';
import { nearestCameras } from './incidents/cameras.js';
import { Correlation } from './incidents/correlation.js';
import { Incidents } from './incidents/incidents.js';
import { MemoryIncidentRecords, MemoryUnitRecords } from './incidents/records.js';
import { Units } from './incidents/units.js';
import { computeKpis } from './kpis.js';
import { nsTimestamp } from './influx/lineprotocol.js';
import type { Logger } from './log.js';
import type { Registry } from './registry/registry.js';

export class Operations {
  readonly events: EventLog;
  readonly alerts: AlertStore;
  readonly incidents: Incidents;
  readonly units: Units;
  readonly cap: CapIncidents;
  readonly rules: RuleEngine;
  private readonly incidentRecords: MemoryIncidentRecords;
  private readonly unitRecords: MemoryUnitRecords;
  private readonly correlation: Correlation;
  private readonly dispatchTable: DispatchTable;
  private timer: NodeJS.Timeout | null = null;
  private lastKpis = '';
  private lastKpiWrite = 0;
  private kpisDirty = false;
  private leading = false;

  constructor(
    private readonly opts: {
      bus: EventBus;
      writer: PointWriter;
      /** PostgreSQL's ordered writer; null only in tests of the desk's logic alone. */
      journal: Journal | null;
      registry: Registry;
      pack: CityPack;
      rules: RulesConfig;
      log: Logger;
      now: () => number;
      maxNotes?: number;
    },
  ) {
    this.events = new EventLog(opts.writer, opts.now, opts.journal);
    this.alerts = new AlertStore(opts.bus, this.events, opts.now);
    const keep = { bus: opts.bus, log: this.events, now: opts.now };
    this.incidentRecords = new MemoryIncidentRecords(keep);
    this.unitRecords = new MemoryUnitRecords(opts.pack.sites.units, keep);
    this.units = new Units(this.unitRecords, opts.now);
    this.incidents = new Incidents({ records: this.incidentRecords, units: this.units, alerts: this.alerts, cameras: nearestCameras(opts.registry), pack: opts.pack, now: opts.now, ...(opts.maxNotes ? { maxNotes: opts.maxNotes } : {}) });
    this.correlation = new Correlation({ bus: opts.bus, desk: this.incidents, alerts: this.alerts, log: opts.log.child({ module: 'incidents' }), now: opts.now });
    this.cap = new CapIncidents({ bus: opts.bus, desk: this.incidents, alerts: this.alerts, now: opts.now });
    this.dispatchTable = dispatchTable({ needs: opts.rules.workflow.unitNeeds, speedsKmh: opts.rules.workflow.speedsKmh });
    this.rules = new RuleEngine({ bus: opts.bus, registry: opts.registry, pack: opts.pack, rules: opts.rules, alerts: this.alerts, now: opts.now, log: opts.log });
  }

  /** The incident's dispatch list, best first (server/incidents/dispatch.ts). */
  candidates(inc: Incident): DispatchCandidate[] {
    return rankUnits(inc, this.units.list(), this.dispatchTable, this.stationOperator(inc));
  }

  /** A telecom incident's station operator, from the station alert in it. */
  private stationOperator(inc: Incident): Operator | null {
    for (const id of inc.alertIds) {
      const a = this.alerts.get(id);
      if (a?.source.kind === 'station') return this.opts.registry.stations.get(a.source.id)?.operator ?? null;
    }
    return null;
  }

  /** Open alerts, incidents and unit states as they were: the current-state tables of PostgreSQL. */
  restore(p: OpenPicture): void {
    this.alerts.restore(p.alerts);
    this.incidentRecords.restore(p.incidents);
    this.unitRecords.restore(p.units);
    this.opts.log.info({ alerts: this.alerts.open().length, incidents: this.incidents.open().length, units: p.units.length }, 'alerts, incidents and units read from PostgreSQL');
  }

  /**
   * The desk's clock, on every server: every 2 s, KPIs pushed when they change. The leader
   * (lead()) also escalates, writes held repeats and stores the KPIs.
   */
  start(): void {
    this.timer = setInterval(() => {
      if (this.leading) {
        this.escalate();
        this.alerts.persistDirty();
      }
      this.incidentRecords.trim();
      const k = this.kpis();
      const json = JSON.stringify(k);
      if (json !== this.lastKpis) this.kpisDirty = true;
      if (this.leading) this.storeKpis(k);
      if (json !== this.lastKpis) {
        this.lastKpis = json;
        this.opts.bus.emit('state.change', { kind: 'kpis', kpis: k });
      }
    }, 2000);
  }

  /** This server leads (server/cluster): it correlates reports, takes CAP and runs the rules. */
  lead(): void {
    if (this.leading) return;
    this.leading = true;
    // Incidents first: a report's incident exists before the rule raises its alert.
    this.correlation.start();
    this.cap.start();
    this.rules.start();
  }

  /** Another server leads: this one only follows the event log (adopt). */
  follow(): void {
    if (!this.leading) return;
    this.leading = false;
    this.rules.stop();
    this.alerts.persistDirty();
    this.cap.stop();
    this.correlation.stop();
  }

  /** States read from the event log or re-read after a refused write (see the stores' adopt). */
  adopt(stream: StreamType, state: Alert | Incident | Unit, force = false): boolean {
    if (stream === 'alert') return this.alerts.adopt(state as Alert, force);
    if (stream === 'incident') return this.incidentRecords.adopt(normalizeIncident(state as Incident), force);
    return this.unitRecords.adopt(state as Unit, force);
  }

  /** An alert the database never stored (its write was refused): it leaves the screens. */
  forget(stream: StreamType, id: string): void {
    if (stream === 'alert') this.alerts.forget(id);
  }

  /** Every alert, incident and unit held: what a deposed leader re-reads from the database. */
  held(): { stream: StreamType; id: string }[] {
    return [
      ...this.alerts.all().map((a) => ({ stream: 'alert' as const, id: a.id })),
      ...this.incidentRecords.all().map((i) => ({ stream: 'incident' as const, id: i.id })),
      ...this.unitRecords.all().map((u) => ({ stream: 'unit' as const, id: u.id })),
    ];
  }

  /** A `kpis` point a minute (and soon after a change): the wall's trends and tomorrow's report read them. */
  private storeKpis(k: Kpis): void {
    const now = this.opts.now();
    // Every minute, and within 10 s of a change: a stored figure is never a minute stale.
    const due = now - this.lastKpiWrite >= (this.kpisDirty ? 10_000 : 60_000);
    if (!due) return;
    this.kpisDirty = false;
    this.lastKpiWrite = now;
    const fields: Record<string, number> = { active_alerts: k.activeAlerts };
    for (const [sev, n] of Object.entries(k.openIncidents)) fields[`open_${sev}`] = n;
    const optional = { mtta_s: k.mttaS, mttr_s: k.mttrS, camera_availability_pct: k.cameraAvailabilityPct, station_availability_pct: k.stationAvailabilityPct, coverage_pct: k.coveragePct };
    for (const [key, v] of Object.entries(optional)) if (v !== null) fields[key] = v;
    this.opts.writer.write([{ measurement: 'kpis', tags: {}, fields, timestamp: nsTimestamp(now, 0) }]);
  }

  /** Alerts not acknowledged within their severity's deadline go up a step and are pushed again. */
  escalate(): void {
    for (const e of dueEscalations(this.alerts.open(), this.opts.now(), this.opts.rules)) this.alerts.escalate(e.id, e.to);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.follow();
  }

  kpis(): Kpis {
    return computeKpis({
      registry: this.opts.registry,
      alerts: this.alerts.open(),
      incidents: this.incidents.recent(),
      coveragePct: this.rules.coverage().city.populationPct,
      now: this.opts.now(),
    });
  }
}
