/**
 * The bare-broker ceiling: the same publisher, QoS1, into a subscriber that only
 * counts (mqtt.js, in the bench process). What Mosquitto and one QoS1 consumer can
 * do on this machine, with no parsing or storage at all.
 */
import mqtt from 'mqtt';
import { startPublisher } from '../lib/publisher.js';
import type { Stack } from '../lib/stack.js';

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
