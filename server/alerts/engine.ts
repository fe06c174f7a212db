/**
 * The rule engine: decides what to raise and clear, through the AlertPort (the
 * lead's store does dedupe, counts, lifecycle, persistence and push).
 *
 * It listens to the bus as owner 'rules': registry `state.change` for devices (the
 * registry emits after updating its Maps, so rules may read them), raw detections
 * and incident reports. Time-based conditions (offline for N s, congestion for N s,
 * burst windows sliding, coverage debounce) are timestamps checked by tick(), which
 * start() runs every second and tests call directly with an injected clock; there is
 * no timer per device. Escalation is not here: the store calls dueEscalations().
 */
import type { CityPack } from '../../contract/index.js';
import type { EventBus } from '../bus.js';
import type { Logger } from '../log.js';
import type { Registry } from '../registry/registry.js';
import type { RulesConfig } from './rules-config.js';
import { cameraRules } from './rules/camera.js';
import { ActiveAlerts, type RuleContext, type RuleFamily } from './rules/context.js';
import { coverageRule, type CoverageFamily } from './rules/coverage-rule.js';
import { detectionRules } from './rules/detections.js';
import { incidentRule } from './rules/incident.js';
import { telecomRules } from './rules/telecom.js';
import type { AlertPort } from './types.js';

const OWNER = 'rules';
const TICK_MS = 1000;

export interface RuleEngineOptions {
  bus: EventBus;
  registry: Registry;
  pack: CityPack;
  rules: RulesConfig;
  alerts: AlertPort;
  now?: () => number;
  log: Logger;
}

export class RuleEngine {
  private readonly bus: EventBus;
  private readonly registry: Registry;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly active: ActiveAlerts;
  private readonly camera;
  private readonly telecom;
  private readonly coverageFamily: CoverageFamily;
  private readonly families: RuleFamily[];
  private timer: NodeJS.Timeout | null = null;
  private readonly ctx: RuleContext;

  constructor(opts: RuleEngineOptions) {
    this.bus = opts.bus;
    this.registry = opts.registry;
    this.now = opts.now ?? Date.now;
    this.log = opts.log.child({ module: 'rules' });
    this.active = new ActiveAlerts(opts.alerts);
    const ctx: RuleContext = { alerts: this.active, registry: opts.registry, pack: opts.pack, rules: opts.rules, log: this.log };
    this.ctx = ctx;
    this.camera = cameraRules(ctx);
    this.telecom = telecomRules(ctx);
    this.coverageFamily = coverageRule(ctx); // samples the wards now, not on the first outage
    this.families = [this.camera, detectionRules(ctx), this.telecom, this.coverageFamily, incidentRule(ctx)];
  }

  start(): void {
    // Adopt alerts still open from before a restart, then judge the current state once.
    this.active.seed();
    const now = this.now();
    this.camera.reconcile(now);
    this.telecom.reconcile(now);
    for (const s of this.registry.stations.values()) this.coverageFamily.onStation?.(s, now);
    this.coverageFamily.markDirty();

    this.bus.on('state.change', OWNER, (c) => {
      if (c.kind === 'camera') this.dispatch('onCamera', c.camera);
      else if (c.kind === 'station') this.dispatch('onStation', c.station);
      else if (c.kind === 'link') this.dispatch('onLink', c.link);
    });
    this.bus.on('camera.detection', OWNER, (e) => this.dispatch('onDetection', e));
    this.bus.on('incident.report', OWNER, (e) => this.dispatch('onIncident', e));
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
    this.tick();
  }

  stop(): void {
    this.bus.removeOwner(OWNER);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * A rule family built outside the engine (the video-conference rules need the meeting
   * schedule): added before start(), judged like the others.
   */
  extend(make: (ctx: RuleContext) => RuleFamily): void {
    this.families.push(make(this.ctx));
  }

  /** Evaluate the time-based rules at the engine clock's now. */
  tick(): void {
    this.dispatch('tick', this.now());
  }

  /** Latest per-ward coverage and the city KPI (population- and area-weighted), for the KPI panel. */
  coverage() {
    return { wards: this.coverageFamily.latest(), city: this.coverageFamily.city() };
  }

  /**
   * An event (or the tick) to every family that handles it, with the engine clock's now.
   * One failing family must not stop the others (nor the bus's other listeners). Runs on
   * every device message, so it makes no closure per call.
   */
  private dispatch<K extends 'onCamera' | 'onStation' | 'onLink' | 'onDetection' | 'onIncident' | 'tick'>(what: K, arg: Parameters<NonNullable<RuleFamily[K]>>[0]): void {
    const now = this.now();
    for (const f of this.families) {
      const fn = f[what] as ((a: typeof arg, now: number) => void) | undefined;
      if (!fn) continue;
      try {
        fn.call(f, arg, now);
      } catch (err) {
        this.log.error({ err, family: f.name, handler: what }, 'rule failed');
      }
    }
  }
}
