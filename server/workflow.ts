/**
 * Alerts, incidents, units and the commands on them, assembled: the event
 * log they write to, their rebuild from it at start-up, escalation, KPIs.
 */
import type { InfluxDB } from 'influx';
import type { Alert, CityPack, Incident, Kpis, Unit } from '../contract/index.js';
import { AlertStore } from './alerts/store.js';
import { RuleEngine } from './alerts/engine.js';
import { dueEscalations } from './alerts/escalation.js';
import type { RulesConfig } from './alerts/rules-config.js';
import type { EventBus } from './bus.js';
import { EventLog, lastStates } from './events/log.js';
import type { PointWriter } from './influx/writer.js';
import { IncidentStore } from './incidents/store.js';
import { computeKpis } from './kpis.js';
import { nsTimestamp } from './influx/points.js';
import type { Logger } from './log.js';
import { Commands } from './push/commands.js';
import type { Registry } from './registry/registry.js';

export class Workflow {
  readonly events: EventLog;
  readonly alerts: AlertStore;
  readonly incidents: IncidentStore;
  readonly commands: Commands;
  readonly rules: RuleEngine;
  private timer: NodeJS.Timeout | null = null;
  private lastKpis = '';
  private lastKpiWrite = 0;
  private kpisDirty = false;

  constructor(
    private readonly opts: { bus: EventBus; writer: PointWriter; registry: Registry; pack: CityPack; rules: RulesConfig; log: Logger; now: () => number; maxNotes?: number; commandsPerSecond?: number },
  ) {
    this.events = new EventLog(opts.writer, opts.now);
    this.alerts = new AlertStore(opts.bus, this.events, opts.now);
    this.incidents = new IncidentStore({ bus: opts.bus, log: this.events, alerts: this.alerts, registry: opts.registry, pack: opts.pack, now: opts.now, ...(opts.maxNotes ? { maxNotes: opts.maxNotes } : {}) });
    this.commands = new Commands(this.alerts, this.incidents, this.events, opts.log.child({ module: 'commands' }), opts.commandsPerSecond, opts.now);
    this.rules = new RuleEngine({ bus: opts.bus, registry: opts.registry, pack: opts.pack, rules: opts.rules, alerts: this.alerts, now: opts.now, log: opts.log });
  }

  /** Open alerts, incidents and unit states as they were, from the event log. */
  async restore(influx: InfluxDB, days = 30): Promise<void> {
    const [alerts, incidents, units] = await Promise.all([
      EventLog.load(influx, 'alert', days),
      EventLog.load(influx, 'incident', days),
      EventLog.load(influx, 'unit', days),
    ]);
    this.alerts.restore(lastStates<Alert>(alerts));
    this.incidents.restore(lastStates<Incident>(incidents), lastStates<Unit>(units));
    this.opts.log.info(
      { alerts: this.alerts.open().length, incidents: this.incidents.open().length, events: alerts.length + incidents.length + units.length },
      'alerts and incidents rebuilt from the event log',
    );
  }

  start(): void {
    // Incidents first: a report's incident exists before the rule raises its alert.
    this.incidents.start();
    this.rules.start();
    // Every 2 s: escalate what waited too long, persist repeats, push KPIs when they change.
    this.timer = setInterval(() => {
      this.escalate();
      this.alerts.persistDirty();
      this.incidents.trim();
      const k = this.kpis();
      const json = JSON.stringify(k);
      if (json !== this.lastKpis) this.kpisDirty = true;
      this.storeKpis(k);
      if (json !== this.lastKpis) {
        this.lastKpis = json;
        this.opts.bus.emit('state.change', { kind: 'kpis', kpis: k });
      }
    }, 2000);
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
    this.rules.stop();
    this.alerts.persistDirty();
    this.incidents.stop();
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
