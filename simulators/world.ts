/**
 * The simulated devices' state and the single place events are emitted, so that the
 * per-device `seq` (+1 per message, from 1) and `ts` are assigned in one spot.
 * seq 0 is deliberately never used: the transport's last-will messages carry seq 0
 * (a will is fixed at connect time and cannot know the running counter), so a
 * consumer can tell a will from a regular status.
 */
import type { CityPack } from '../contract/citypack.js';
import type { CameraState, LinkState, StationState } from '../contract/domain.js';
import type { VcState } from '../contract/vc.js';
import { topics, type JsonMessageKind } from '../contract/topics.js';
import type { Rng } from './rng.js';
import type { SimEvent } from './types.js';

export interface CameraSim {
  state: CameraState;
  upSinceAt: number;
  baseFps: number;
  baseKbps: number;
}
export interface StationSim {
  state: StationState;
  power: 'mains' | 'battery';
  backhaul: 'up' | 'down';
  /** Battery model: pct at `batteryAt`, draining `drainPerMs` while on battery. */
  batteryPct: number;
  batteryAt: number;
  drainPerMs: number;
  baseRsrp: number;
  capacityUsers: number;
}
export interface LinkSim {
  state: LinkState;
  baseLatencyMs: number;
}

export interface VcPointSim {
  state: VcState;
  baseRttMs: number;
  /** Sim offset of the point's last test call to the provincial bridge. */
  testCallAt: number;
}

export class World {
  readonly cameras = new Map<string, CameraSim>();
  readonly stations = new Map<string, StationSim>();
  readonly links = new Map<string, LinkSim>();
  readonly vcPoints = new Map<string, VcPointSim>();
  private readonly seqs = new Map<string, number>();
  /** Events emitted since the last drain(), in emission (= time) order. */
  private out: SimEvent[] = [];

  constructor(
    readonly pack: CityPack,
    private readonly startTs: number,
    private readonly speed: number,
    rng: Rng,
    /** Traffic/load intensity at a sim offset (set by the generator: daily rhythm). */
    readonly intensityAt: (at: number) => number,
  ) {
    for (const c of pack.sites.cameras) {
      this.cameras.set(c.id, { state: 'online', upSinceAt: -rng.int(3_600, 30 * 86_400) * 1000, baseFps: rng.pick([15, 20, 25, 30]), baseKbps: rng.int(1500, 6000) });
    }
    for (const s of pack.sites.stations) {
      this.stations.set(s.id, { state: 'up', power: 'mains', backhaul: 'up', batteryPct: 100, batteryAt: 0, drainPerMs: 0, baseRsrp: rng.uniform(-100, -78), capacityUsers: rng.int(300, 1200) });
    }
    for (const l of pack.sites.links) this.links.set(l.id, { state: 'up', baseLatencyMs: l.kind === 'backbone' ? rng.uniform(1, 3) : rng.uniform(2, 8) });
    // Points draw from the seed of their own (not the shared stream), so adding them changes no other device.
    for (const [i, v] of pack.sites.vcPoints.entries()) this.vcPoints.set(v.id, { state: 'online', baseRttMs: 40 + ((i * 37) % 60), testCallAt: -((i * 7919) % 3_600) * 1000 });
  }

  tsAt(at: number): number {
    return this.startTs + Math.round(at / this.speed);
  }

  emit(at: number, kind: JsonMessageKind, deviceId: string, topic: string, body: Record<string, unknown>, retain = false): void {
    const seq = (this.seqs.get(deviceId) ?? 0) + 1;
    this.seqs.set(deviceId, seq);
    const ev: SimEvent = { at, topic, payload: { seq, ts: this.tsAt(at), ...body }, kind, deviceId };
    if (retain) ev.retain = true;
    this.out.push(ev);
  }

  /** Rewind a device's counter (events generated ahead of the clock were discarded, see shutdownEvents). */
  resetSeq(deviceId: string, seq: number): void {
    this.seqs.set(deviceId, seq);
  }

  drain(): SimEvent[] {
    const evs = this.out;
    this.out = [];
    return evs;
  }

  batteryAt(s: StationSim, at: number): number {
    if (s.power !== 'battery') return s.batteryPct;
    return Math.min(100, Math.max(0, s.batteryPct - s.drainPerMs * Math.max(0, at - s.batteryAt)));
  }

  /** Switch a station's power source, freezing the battery level at `at`. */
  setPower(id: string, power: 'mains' | 'battery', at: number, drainPerMs = 0): void {
    const s = this.stations.get(id)!;
    s.batteryPct = this.batteryAt(s, at);
    s.batteryAt = at;
    s.power = power;
    s.drainPerMs = drainPerMs;
  }

  cameraStatus(id: string, at: number, rng: Rng): void {
    const c = this.cameras.get(id)!;
    const body: Record<string, unknown> = { state: c.state };
    if (c.state !== 'offline') {
      const degraded = c.state === 'degraded';
      body.fps = Math.round((degraded ? c.baseFps * 0.4 : c.baseFps) * rng.uniform(0.95, 1.0) * 10) / 10;
      body.bitrateKbps = Math.round(c.baseKbps * (degraded ? 0.3 : 1) * rng.uniform(0.85, 1.1));
      body.uptimeS = Math.max(0, Math.floor((at - c.upSinceAt) / 1000));
      body.lastFrameTs = this.tsAt(at);
    }
    this.emit(at, 'cameraStatus', id, topics.cameraStatus(id), body, true);
  }

  stationStatus(id: string, at: number, rng: Rng): void {
    const s = this.stations.get(id)!;
    const body: Record<string, unknown> = { state: s.state, power: s.power, batteryPct: Math.round(this.batteryAt(s, at) * 10) / 10, backhaul: s.backhaul };
    if (s.state !== 'down') {
      // Load follows the city's daily rhythm; a station without backhaul carries no users.
      const load = s.backhaul === 'up' ? Math.min(98, 15 + 45 * this.intensityAt(at) * rng.uniform(0.8, 1.2)) : 0;
      body.loadPct = Math.round(load * 10) / 10;
      body.activeUsers = Math.round((s.capacityUsers * load) / 100);
      body.rsrpDbm = Math.round((s.baseRsrp + rng.uniform(-3, 3) - (s.state === 'degraded' ? 10 : 0)) * 10) / 10;
      body.sinrDb = Math.round((rng.uniform(8, 22) - load / 10 - (s.state === 'degraded' ? 8 : 0)) * 10) / 10;
    }
    this.emit(at, 'stationStatus', id, topics.stationStatus(id), body, true);
  }

  vcStatus(id: string, at: number, rng: Rng): void {
    const v = this.vcPoints.get(id)!;
    const body: Record<string, unknown> = { state: v.state, lastTestCallAt: this.tsAt(v.testCallAt), lastTestCallOk: true };
    if (v.state !== 'offline') {
      Object.assign(body, {
        lossPct: Math.round(rng.uniform(0, 0.8) * 100) / 100,
        jitterMs: Math.round(rng.uniform(4, 18) * 10) / 10,
        rttMs: Math.round(v.baseRttMs * rng.uniform(0.9, 1.2)),
      });
    }
    this.emit(at, 'vcStatus', id, topics.vcStatus(id), body, true);
  }

  linkStatus(id: string, at: number, rng: Rng): void {
    const l = this.links.get(id)!;
    const body: Record<string, unknown> = { state: l.state };
    if (l.state === 'up') Object.assign(body, { latencyMs: Math.round(l.baseLatencyMs * rng.uniform(0.9, 1.3) * 100) / 100, lossPct: Math.round(rng.uniform(0, 0.05) * 1000) / 1000 });
    else if (l.state === 'degraded') Object.assign(body, { latencyMs: Math.round(rng.uniform(40, 250)), lossPct: Math.round(rng.uniform(2, 15) * 10) / 10 });
    else body.lossPct = 100;
    this.emit(at, 'linkStatus', id, topics.linkStatus(id), body, true);
  }
}
