/**
 * The bare-broker ceiling: the same publisher, QoS1, into a subscriber that only
 * counts (mqtt.js, in the bench process). What Mosquitto and one QoS1 consumer can
 * do on this machine, with no parsing or storage at all.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import mqtt from 'mqtt';
import { withParentDeathSignal } from '../../tests/harness/proc.js';
import { REPO } from '../lib/paths.js';
import { sampleProc } from '../lib/proc.js';
import { startPublisher } from '../lib/publisher.js';
import type { Stack } from '../lib/stack.js';

/** A counting subscriber's own CPU and memory at one rate: the floor under any MQTT consumer. */
export interface FloorResult {
  rate: number;
  durationS: number;
  /** Acknowledged by the broker to the publisher. */
  published: number;
  counted: number;
  cpuPct: number;
  peakRssMB: number;
}

/**
 * The same load into bench/floor-child.mjs, measured from /proc like the server and
 * Node-RED: what receiving and acknowledging QoS1 messages with mqtt.js costs by
 * itself, so the efficiency table shows how much of a consumer's CPU is its own work.
 */
export async function runFloor(o: { stack: Stack; cityPack: string; rate: number; durationS: number; log: (s: string) => void }): Promise<FloorResult> {
  const [cmd, args] = withParentDeathSignal(process.execPath, [path.join(REPO, 'bench', 'floor-child.mjs'), o.stack.mosquitto.url]);
  const child = spawn(cmd, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    const deadline = Date.now() + 30_000;
    while (!out.includes('ready')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`floor subscriber did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const proc = sampleProc(child.pid!);
    const pub = startPublisher({ mqttUrl: o.stack.mosquitto.url, rate: o.rate, devices: 1000, durationS: o.durationS, cityPack: o.cityPack });
    const { acked: published } = await pub.done;
    const { cpuPct, peakRssMB } = proc.summary();
    // What is still on its way is counted too (the child prints its count every 200 ms).
    const countNow = () => Number(out.trim().split('\n').findLast((l) => /^\d+$/.test(l)) ?? 0);
    for (const until = Date.now() + 15_000; countNow() < published && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
    const counted = countNow();
    child.kill('SIGTERM');
    await exited;
    const r: FloorResult = { rate: o.rate, durationS: o.durationS, published, counted, cpuPct, peakRssMB };
    o.log(`  counting subscriber @ ${o.rate}/s: CPU ${cpuPct}%, RSS ${peakRssMB} MB, counted ${counted}`);
    return r;
  } finally {
    child.kill('SIGKILL');
  }
}

export interface BareResult {
  targetRate: number;
  publishedRate: number;
  received: number;
  receivedRate: number;
  brokerDropped: number;
}

export async function runBare(o: { stack: Stack; cityPack: string; rate: number; durationS: number; log: (s: string) => void }): Promise<BareResult> {
  const sub = await mqtt.connectAsync(o.stack.mosquitto.url, { clientId: `bench-bare-${process.pid}`, clean: true });
  let received = 0;
  let first = 0;
  let last = 0;
  sub.on('message', () => {
    if (received++ === 0) first = performance.now();
    last = performance.now();
  });
  await sub.subscribeAsync('ioc/v1/#', { qos: 1 });
  try {
    const dropsBefore = await o.stack.brokerDropped();
    const pub = startPublisher({ mqttUrl: o.stack.mosquitto.url, rate: o.rate, devices: 1000, durationS: o.durationS, cityPack: o.cityPack });
    const s = await pub.done;
    const deadline = Date.now() + 15_000;
    while (received < s.acked && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const r: BareResult = {
      targetRate: o.rate,
      publishedRate: s.achievedRate,
      received,
      receivedRate: Math.round(received / ((last - first) / 1000)),
      brokerDropped: (await o.stack.brokerDropped()) - dropsBefore,
    };
    o.log(`  bare broker: published ${r.publishedRate}/s, counted ${r.receivedRate}/s (${received}/${s.acked}), drops ${r.brokerDropped}`);
    return r;
  } finally {
    await sub.endAsync(true);
  }
}
