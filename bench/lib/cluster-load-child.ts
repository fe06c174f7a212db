/**
 * The cluster suite's device load, in its own process so that neither the servers nor the
 * bench process (which polls /api/health every 100 ms) pays for publishing. QoS 1:
 *
 * - camera statuses at `rate` msg/s (less the detections) over the pack's cameras;
 * - beside them, `detectionsPerS` accident and fire_smoke detections over distinct (camera,
 *   kind) pairs, in blocks of 40 pairs each published twice (the repeat about 40 messages
 *   later, well within the rules' 120 s dedupe window): each pair must raise exactly one
 *   alert, whatever a failover in between does.
 *
 * Each message carries its device's next seq (from `seqBase`, so that a second run on the
 * same servers is never taken for repeats) and its own ts: a redelivered message overwrites
 * its point in InfluxDB, so count("seq") is the number of distinct messages stored.
 * Counted: only what the broker acknowledged.
 *
 * argv[2]: JSON LoadArgs. IPC: sends {ready} once connected; on {cmd:'stop'} (or after
 * durationS) stops, drains and sends {done: LoadCounts}.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { topics } from '../../contract/topics.js';
import { loadDeviceId } from '../../simulators/load.js';
import { PublishWindow } from '../../simulators/transport.js';

export interface LoadArgs {
  url: string;
  /** All messages a second, detections included. */
  rate: number;
  /** Cameras of the pack (generateCityPack's load-cam-NNNNNN: 70% of its devices). */
  cameras: number;
  detectionsPerS: number;
  seqBase: number;
  /** Stops by itself after this long; 0: only on {cmd:'stop'}. */
  durationS: number;
}

export interface LoadCounts {
  statuses: number;
  detections: number;
  /** Distinct (camera, kind) pairs with at least one acknowledged detection. */
  pairs: number;
  errors: number;
  seconds: number;
  /** Acknowledged messages a second over the run. */
  achievedRate: number;
}

const KINDS = ['accident', 'fire_smoke'] as const;
const BLOCK = 40;
const CONNECTIONS = 4;

const a = JSON.parse(process.argv[2]!) as LoadArgs;
const clients: MqttClient[] = [];
for (let i = 0; i < CONNECTIONS; i++) clients.push(await mqtt.connectAsync(a.url, { clientId: `bench-cluster-load-${process.pid}-${i}`, clean: true, reconnectPeriod: 1000 }));
const win = new PublishWindow(1000);
const seqs = new Array<number>(a.cameras).fill(a.seqBase);
const counts = { statuses: 0, detections: 0, errors: 0 };
const pairsSeen = new Set<number>();
const detRate = Math.min(a.detectionsPerS, a.rate);
const statusRate = a.rate - detRate;
// Each pair twice: the whole schedule, after which detections stop (a third round would be a new episode).
const maxDetections = a.cameras * KINDS.length * 2;
let stopping = false;
process.on('message', (m: { cmd?: string }) => {
  if (m.cmd === 'stop') stopping = true;
});
process.send?.({ ready: true });

/** Same camera → same connection, so each device's messages stay in order. */
function publish(cam: number, topic: string, payload: Record<string, unknown>, onAck: () => void): Promise<void> {
  return win.acquire().then(() => {
    clients[cam % CONNECTIONS]!.publishAsync(topic, JSON.stringify(payload), { qos: 1 })
      .then(onAck)
      .catch(() => counts.errors++)
      .finally(() => win.release());
  });
}

const start = performance.now();
let s = 0;
let d = 0;
// Paced by the clock, not by the timer (which runs late on a busy machine).
while (!stopping && !(a.durationS > 0 && performance.now() - start >= a.durationS * 1000)) {
  const el = performance.now() - start;
  const dueS = Math.floor((statusRate * el) / 1000);
  const dueD = Math.min(maxDetections, Math.floor((detRate * el) / 1000));
  if (s >= dueS && d >= dueD) {
    await new Promise((r) => setTimeout(r, 2));
    continue;
  }
  for (; d < dueD; d++) {
    // Block b holds pairs b*40 … b*40+39, published in order, then again.
    const pair = Math.floor(d / (2 * BLOCK)) * BLOCK + (d % BLOCK);
    const cam = Math.floor(pair / KINDS.length);
    const id = loadDeviceId(cam, a.cameras);
    const payload = { seq: ++seqs[cam]!, ts: Date.now(), kind: KINDS[pair % KINDS.length], confidence: 0.95, lat: 10.005, lon: 106.015 };
    await publish(cam, topics.cameraDetection(id), payload, () => {
      counts.detections++;
      pairsSeen.add(pair);
    });
  }
  for (; s < dueS; s++) {
    const cam = s % a.cameras;
    const payload = { seq: ++seqs[cam]!, ts: Date.now(), state: 'online', fps: 25, bitrateKbps: 2000, uptimeS: 100 };
    await publish(cam, topics.cameraStatus(loadDeviceId(cam, a.cameras)), payload, () => counts.statuses++);
  }
}
await win.drain();
const seconds = (performance.now() - start) / 1000;
await Promise.allSettled(clients.map((c) => c.endAsync()));
const done: LoadCounts = { ...counts, pairs: pairsSeen.size, seconds: Math.round(seconds * 10) / 10, achievedRate: Math.round((counts.statuses + counts.detections) / seconds) };
process.send?.({ done }, () => process.exit(0));
