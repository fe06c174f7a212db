/**
 * MQTT transport: connections, a bounded publish window and the clock that releases
 * generated events at wall time startTs + at / speed. Nothing here decides *what* is
 * published; that is the generator's job.
 */
import { randomBytes } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type pino from 'pino';
import { VIOLATION_KINDS } from '../contract/alerts.js';
import { topics, type JsonMessageKind } from '../contract/topics.js';
import type { EventGenerator } from './generator.js';
import type { SimEvent } from './types.js';

export type ConnectionMode = 'per-device' | 'shared';

export interface ConnectOptions {
  mqttUrl: string;
  username?: string;
  password?: string;
  /** aedes speaks MQTT 3.1.1 only, so 4 is the default. */
  protocolVersion?: 3 | 4 | 5;
  logger: pino.Logger;
}

/**
 * Caps publishes awaiting their PUBACK: mqtt.js collapses (≈2k msg/s) under tens of
 * thousands of unawaited publishAsync() calls, each holding its packet and callback.
 */
export class PublishWindow {
  inflight = 0;
  private waiters: (() => void)[] = [];
  constructor(readonly size: number) {}
  async acquire(): Promise<void> {
    while (this.inflight >= this.size) await new Promise<void>((r) => this.waiters.push(r));
    this.inflight++;
  }
  release(): void {
    this.inflight--;
    this.waiters.shift()?.();
  }
  async drain(): Promise<void> {
    while (this.inflight > 0) await new Promise<void>((r) => this.waiters.push(r));
  }
}

/** A will fixed at connect time cannot know the running seq, so wills carry seq 0 (never used otherwise). */
export function willPayload(kind: JsonMessageKind, ts: number): Record<string, unknown> | null {
  if (kind === 'cameraStatus') return { seq: 0, ts, state: 'offline' };
  if (kind === 'stationStatus') return { seq: 0, ts, state: 'down', power: 'mains', backhaul: 'down' };
  if (kind === 'linkStatus') return { seq: 0, ts, state: 'down' };
  return null;
}

export async function connect(clientId: string, o: ConnectOptions, will?: { topic: string; payload: Record<string, unknown> }): Promise<MqttClient> {
  const opts: IClientOptions = {
    clientId,
    protocolVersion: o.protocolVersion ?? 4,
    clean: true,
    connectTimeout: 10_000,
    reconnectPeriod: 2_000,
    username: o.username,
    password: o.password,
  };
  if (will) opts.will = { topic: will.topic, payload: Buffer.from(JSON.stringify(will.payload)), qos: 1, retain: true };
  const client = await mqtt.connectAsync(o.mqttUrl, opts, false);
  client.on('error', (err) => o.logger.warn({ clientId, err: err.message }, 'mqtt client error'));
  return client;
}

export interface DeviceRef {
  id: string;
  statusKind: JsonMessageKind | null;
}

/** Routes each device id to a connection: its own (with a last-will) or one of a few shared ones. */
export class ConnectionPool {
  private readonly byDevice = new Map<string, MqttClient>();
  private readonly all: MqttClient[] = [];
  private shared: MqttClient[] = [];

  static async open(devices: DeviceRef[], mode: ConnectionMode, o: ConnectOptions, sharedCount = 4): Promise<ConnectionPool> {
    const pool = new ConnectionPool();
    const tag = randomBytes(3).toString('hex');
    try {
      const n = mode === 'shared' ? sharedCount : 1;
      for (let i = 0; i < n; i++) pool.shared.push(await connect(`sim-${tag}-shared-${i}`, o));
      pool.all.push(...pool.shared);
      if (mode === 'per-device') {
        const withStatus = devices.filter((d) => d.statusKind);
        const now = Date.now();
        // Connect in batches: a few hundred simultaneous CONNECTs is rude to a small broker.
        for (let i = 0; i < withStatus.length; i += 25) {
          const batch = withStatus.slice(i, i + 25);
          const clients = await Promise.all(
            batch.map((d) => {
              const kind = d.statusKind!;
              const topic = kind === 'cameraStatus' ? topics.cameraStatus(d.id) : kind === 'stationStatus' ? topics.stationStatus(d.id) : topics.linkStatus(d.id);
              return connect(`sim-${tag}-${d.id}`, o, { topic, payload: willPayload(kind, now)! });
            }),
          );
          batch.forEach((d, k) => pool.byDevice.set(d.id, clients[k]!));
          pool.all.push(...clients);
        }
      }
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  get size(): number {
    return this.all.length;
  }

  clientFor(deviceId: string): MqttClient {
    const own = this.byDevice.get(deviceId);
    if (own) return own;
    let h = 0;
    for (let i = 0; i < deviceId.length; i++) h = (h * 31 + deviceId.charCodeAt(i)) >>> 0;
    return this.shared[h % this.shared.length]!;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.all.map((c) => c.endAsync()));
  }
}

export interface ClockStats {
  published: number;
  errors: number;
}

/**
 * Publish the generator's events on a wall clock. Events at offset 0 (every device's
 * first status) go out immediately. stop() publishes explicit offline/down statuses
 * (retained) before the caller disconnects, so a clean exit never relies on wills
 * (and a clean disconnect fires none).
 */
export function runClock(
  gen: EventGenerator,
  pool: ConnectionPool,
  o: {
    startTs: number;
    speed: number;
    window: number;
    logger: pino.Logger;
    tickMs?: number;
    /** The evidence frame of a detection that names one (simulators/snapshot.ts); null when there is none. */
    evidence?: (e: SimEvent) => Promise<Buffer | null>;
  },
) {
  const win = new PublishWindow(o.window);
  const stats: ClockStats = { published: 0, errors: 0 };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  async function publish(e: SimEvent): Promise<void> {
    if (e.kind === 'cameraDetection' && typeof e.payload.snapshotId === 'string') e = withEvidence(e);
    await win.acquire();
    pool
      .clientFor(e.deviceId)
      .publishAsync(e.topic, JSON.stringify(e.payload), { qos: 1, retain: e.retain ?? false })
      .then(() => void stats.published++)
      .catch((err: Error) => {
        // Log the first few only: a broker outage would otherwise flood the log.
        if (stats.errors++ < 5) o.logger.warn({ topic: e.topic, err: err.message }, 'publish failed');
      })
      .finally(() => win.release());
  }

  const withoutEvidence = (e: SimEvent): SimEvent => {
    const { snapshotId: _id, box: _box, ...payload } = e.payload;
    return { ...e, payload };
  };
  const sendImage = (e: SimEvent, jpeg: Buffer) =>
    pool
      .clientFor(e.deviceId)
      .publishAsync(topics.cameraSnapshot(e.deviceId, e.payload.snapshotId as string), jpeg, { qos: 1 })
      .catch((err: Error) => {
        if (stats.errors++ < 5) o.logger.warn({ topic: e.topic, err: err.message }, 'evidence publish failed');
      });
  let grabbing = 0;
  let lastViolationGrab = 0;
  const lastGrabOf = new Map<string, number>();
  /**
   * The detection goes out at once and its image just after (about 0.3 s for ffmpeg): the clock
   * never waits for a frame, whatever the speed. Frames are grabbed within bounds, since an ffmpeg
   * start costs about 0.2 s of CPU and a festival or a busy road sends several detections a second:
   * an alerting detection (accident, fire, crowd) takes one unless two are being grabbed or its
   * camera had one in the last 10 s (its alert keeps the first); a violation takes one only when
   * none is being grabbed and none was in the last second. The rest go without.
   */
  function withEvidence(e: SimEvent): SimEvent {
    if (!o.evidence) return withoutEvidence(e);
    const now = Date.now();
    const violation = (VIOLATION_KINDS as readonly string[]).includes(String(e.payload.kind));
    const busy = violation ? grabbing > 0 || now - lastViolationGrab < 1000 : grabbing >= 2 || now - (lastGrabOf.get(e.deviceId) ?? 0) < 10_000;
    if (busy) return withoutEvidence(e);
    if (violation) lastViolationGrab = now;
    else lastGrabOf.set(e.deviceId, now);
    grabbing++;
    void o
      .evidence(e)
      .catch(() => null)
      .then((jpeg) => jpeg && sendImage(e, jpeg))
      .finally(() => grabbing--);
    return e;
  }

  const simNow = () => Math.max(0, (Date.now() - o.startTs) * o.speed);

  async function tick(): Promise<void> {
    // Publish everything taken even when stopping: its seqs are spent, skipping would look like loss.
    for (const e of gen.take(simNow() + 1)) await publish(e);
  }
  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().then(schedule, (err: unknown) => {
        o.logger.error({ err }, 'simulation clock failed');
      });
    }, o.tickMs ?? 100);
  }
  running = tick().then(schedule);

  return {
    stats,
    /** Resolves once the first batch (every device's initial status) has been handed to the broker. */
    started: running,
    /** signOff false: stop without the offline statuses (the console stops too, see StartSimulationOptions). */
    async stop(signOff = true): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await running.catch(() => undefined);
      if (signOff) for (const e of gen.shutdownEvents(simNow())) await publish(e);
      await win.drain();
    },
  };
}
