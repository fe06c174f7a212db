/**
 * Alerts, incidents, units and the commands on them, assembled: the event
 * log they write to, their rebuild from it at start-up, escalation, KPIs.
 */
import type { InfluxDB } from 'influx';
import type { Alert, CityPack, Incident, Kpis, Unit } from '../contract/index.js';
import { AlertStore } from './alerts/store.js';
import type { EventBus } from './bus.js';
import { EventLog, lastStates } from './events/log.js';
import type { PointWriter } from './influx/writer.js';
import { IncidentStore } from './incidents/store.js';
import { computeKpis } from './kpis.js';
import type { Logger } from './log.js';
import { Commands } from './push/commands.js';
import type { Registry } from './registry/registry.js';

export class Workflow {
  readonly events: EventLog;
  readonly alerts: AlertStore;
  readonly incidents: IncidentStore;
  readonly commands: Commands;
  /** Coverage % of the city, set by the coverage rule. */
  coveragePct: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastKpis = '';

  constructor(
    private readonly opts: { bus: EventBus; writer: PointWriter; registry: Registry; pack: CityPack; log: Logger; now: () => number },
  ) {
    this.events = new EventLog(opts.writer, opts.now);
    this.alerts = new AlertStore(opts.bus, this.events, opts.now);
    this.incidents = new IncidentStore({ bus: opts.bus, log: this.events, alerts: this.alerts, registry: opts.registry, pack: opts.pack, now: opts.now });
    this.commands = new Commands(this.alerts, this.incidents, this.events, opts.log.child({ module: 'commands' }));
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
    this.incidents.start();
    // KPIs are pushed when they change (checked every 2 s), and repeats persisted.
    this.timer = setInterval(() => {
      this.alerts.persistDirty();
      this.incidents.trim();
      const k = this.kpis();
      const json = JSON.stringify(k);
      if (json !== this.lastKpis) {
        this.lastKpis = json;
        this.opts.bus.emit('state.change', { kind: 'kpis', kpis: k });
      }
    }, 2000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.alerts.persistDirty();
    this.incidents.stop();
  }

  kpis(): Kpis {
    return computeKpis({
      registry: this.opts.registry,
      alerts: this.alerts.open(),
      incidents: this.incidents.recent(),
      coveragePct: this.coveragePct,
      now: this.opts.now(),
    });
  }
}
