/** Shapes shared by the simulator's generator, scenarios, transport and tests. */
import type { CityPack } from '../contract/citypack.js';
import type { IncidentChannel, IncidentType, LngLat } from '../contract/domain.js';
import type { DetectionKind } from '../contract/payloads.js';
import type { JsonMessageKind } from '../contract/topics.js';

/** One message to publish, at a sim-time offset from the start of the run. */
export interface SimEvent {
  /** Sim-time offset in ms (the transport publishes it at wall offset at / speed). */
  at: number;
  topic: string;
  payload: Record<string, unknown>;
  retain?: boolean;
  /** Which payload schema applies (redundant with the topic; saves re-parsing). */
  kind: JsonMessageKind;
  /** The publishing device or incident source: the id whose `seq` this message carries. */
  deviceId: string;
}

export interface GeneratorOptions {
  pack: CityPack;
  scenario?: string;
  seed?: number;
  /** Epoch ms of sim offset 0; payload `ts` = startTs + at / speed (wall clock at publish). */
  startTs: number;
  /** Sim-time multiplier: 10 means ten sim seconds per wall second. */
  speed?: number;
}

/**
 * What a scenario is expected to cause, for integration tests to assert against.
 * Every list is deterministic for a given (pack, scenario, seed).
 */
export interface ScenarioExpectation {
  scenario: string;
  seed: number;
  summary: string;
  /** Sim-time offset (ms) by which every effect below has been published. */
  settledByMs: number;
  /** Stations that publish state "down" (and stay down). */
  stationsDown: string[];
  /** Stations that switch to power "battery". */
  stationsOnBattery: string[];
  /** Stations that publish backhaul "down". */
  stationsLosingBackhaul: string[];
  /** Links that publish state "down". */
  linksDown: string[];
  /** Cameras that publish state "offline". */
  camerasOffline: string[];
  /** Video-conference points that publish state "offline": behind a cut link or a dead station. */
  vcPointsOffline: string[];
  /**
   * Wards for which a coverage_loss alert is expected (default coverageLoss knobs): computed
   * with the console's own coverage geometry once stationsDown are down, so a ward that
   * keeps some of its stations can be listed (geo.ts wardsLosingCoverage).
   */
  wardsLosingCoverage: string[];
  /** At least minCount detections of `kind` from the listed cameras (summed) within [from, to] ms. */
  detections: { cameraIds: string[]; kind: DetectionKind; minCount: number; withinMs: [number, number] }[];
  /** At least minCount incident reports of `type` (optionally channel, optionally near a point) within [from, to] ms. */
  incidents: {
    type: IncidentType;
    channel?: IncidentChannel;
    minCount: number;
    withinMs: [number, number];
    near?: { position: LngLat; withinM: number };
  }[];
}
