/**
 * What every rule family shares: the alert port behind a small guard that knows
 * which keys this engine has raised, the live registry, the pack and the knobs.
 *
 * The guard matters because the registry emits a `state.change` for every heartbeat,
 * not only on transitions: rules call raiseOnce/clear freely and the guard turns
 * that into one raise per episode and one clear when it ends.
 */
import type { Alert, Camera, CityPack, Link, Station } from '../../../contract/index.js';
import type { BusEvents } from '../../bus.js';
import type { Logger } from '../../log.js';
import type { Registry } from '../../registry/registry.js';
import type { RulesConfig } from '../rules-config.js';
import type { AlertInput, AlertPort } from '../types.js';

export class ActiveAlerts {
  /** Keys raised and not yet cleared by us; an operator clearing one in the store does not re-arm it until the condition ends. */
  private readonly active = new Set<string>();
  constructor(private readonly port: AlertPort) {}

  /**
   * Adopt the store's open alerts (after a restart, or when this server takes the lead) so
   * conditions still holding are not raised twice; what this engine held before is dropped.
   */
  seed(): void {
    this.active.clear();
    for (const a of this.port.open()) this.active.add(a.dedupeKey);
  }
  /** The store's open alerts whose key starts so: a rule rebuilding a window it did not see begin. */
  openWithPrefix(prefix: string): Alert[] {
    return this.port.open().filter((a) => a.dedupeKey.startsWith(prefix));
  }
  isActive(key: string): boolean {
    return this.active.has(key);
  }
  /** Raise (or update: the store counts the repeat) regardless of state. */
  raise(input: AlertInput, at: number): void {
    this.active.add(input.dedupeKey);
    this.port.raise(input, at);
  }
  /** Raise only if this condition is not already raised. */
  raiseOnce(input: AlertInput, at: number): boolean {
    if (this.active.has(input.dedupeKey)) return false;
    this.raise(input, at);
    return true;
  }
  /** Clear if raised; a no-op otherwise, so heartbeats of a healthy device cost nothing. */
  clear(key: string, at: number, reason: string): boolean {
    if (!this.active.delete(key)) return false;
    this.port.clearByKey(key, at, reason);
    return true;
  }
  keysWithPrefix(prefix: string): string[] {
    return [...this.active].filter((k) => k.startsWith(prefix));
  }
}

export interface RuleContext {
  alerts: ActiveAlerts;
  registry: Registry;
  pack: CityPack;
  rules: RulesConfig;
  log: Logger;
}

/** One family of rules: handlers for the events it cares about, and tick(now) for time-based conditions. */
export interface RuleFamily {
  readonly name: string;
  onCamera?(camera: Camera, now: number): void;
  onStation?(station: Station, now: number): void;
  onLink?(link: Link, now: number): void;
  onDetection?(event: BusEvents['camera.detection'], now: number): void;
  onIncident?(event: BusEvents['incident.report'], now: number): void;
  tick?(now: number): void;
}

export const round = (v: number, digits = 0) => Math.round(v * 10 ** digits) / 10 ** digits;
