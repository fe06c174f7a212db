/**
 * Thousands of random and malformed payloads at every topic, through a real
 * broker: the server never crashes, every message is accounted for (accepted,
 * rejected by reason, or ignored as a duplicate), memory stays bounded, and
 * good messages still flow afterwards.
 */
import { beforeAll, expect, it } from 'vitest';
import mqtt from 'mqtt';
import seedrandom from 'seedrandom';
import { topics } from '../../contract/index.js';
import type { TestAedes } from '../harness/aedes.js';
import { startAppStack, type AppStack } from '../harness/stack.js';
import type { TestApp } from '../harness/app.js';
import { waitFor } from '../harness/wait.js';

let stack: AppStack<TestAedes>;
let app: TestApp;
beforeAll(async () => {
  stack = await startAppStack({ broker: 'aedes', env: { DEAD_LETTER_SIZE: '100', LOG_LEVEL: 'silent' } });
  ({ app } = stack);
  return stack.stop;
});

const rng = seedrandom('ioc-fuzz');
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
const randomBytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rng() * 256)));
const ids = ['tt-cam-1', 'tt-bs-a1', 'x', 'a'.repeat(64), 'ü-ñ', 'id.with.dots', '0'];
const topicMakers = [topics.cameraStatus, topics.cameraDetection, topics.incidentReport, topics.stationStatus, topics.linkStatus];
// Malformed, yet inside our subscriptions (the broker would not deliver the rest at all).
// (An empty level, ioc/v1/camera//status, is not routed to '+' by aedes at all.)
const junkTopics = [`ioc/v1/camera/${'z'.repeat(65)}/status`, 'ioc/v1/incident/ /report', 'ioc/v1/telecom/link/-x/status', 'ioc/v1/camera/a b/detection'];

function malformed(): Buffer | string {
  const ts = Date.now();
  switch (Math.floor(rng() * 12)) {
    case 0:
      return randomBytes(Math.floor(rng() * 200));
    case 1:
      return '{'.repeat(Math.floor(rng() * 50)) + 'x';
    case 2:
      return '['.repeat(20_000) + ']'.repeat(20_000); // deep JSON under the size limit
    case 3:
      return JSON.stringify({ seq: 1, ts, state: 'online', blob: 'x'.repeat(70_000) }); // oversize
    case 4:
      return JSON.stringify({ seq: 'one', ts: 'yesterday', state: 42 });
    case 5:
      return JSON.stringify({ seq: -1, ts: -5, kind: 'speeding', confidence: 2, lat: 91, lon: 200 });
    case 6:
      return JSON.stringify({ seq: 1, ts: ts + 86_400_000, state: 'online' }); // far future
    case 7:
      return JSON.stringify(null);
    case 8:
      return JSON.stringify([1, 2, 3]);
    case 9:
      return JSON.stringify({ __proto__: { polluted: true }, constructor: { prototype: { polluted: true } }, seq: 1, ts, state: 'online' });
    case 10:
      return '';
    default:
      return JSON.stringify({ seq: Math.floor(rng() * 5), ts, state: pick(['online', 'up', 'down', 'ONLINE']), power: 'mains', backhaul: 'up', channel: 'patrol', type: 'fire', severity: 'minor', address: 'x', description: 'y' });
  }
}

it('survives thousands of malformed messages on every topic, counting each one', async () => {
  const N = 4000;
  const dev = await mqtt.connectAsync(stack.broker.url, { protocolVersion: 4 });
  const heapBefore = process.memoryUsage().heapUsed;
  const window: Promise<unknown>[] = [];
  for (let i = 0; i < N; i++) {
    const topic = rng() < 0.1 ? pick(junkTopics) : pick(topicMakers)(pick(ids));
    window.push(dev.publishAsync(topic, malformed(), { qos: 1 }));
    if (window.length >= 200) await Promise.all(window.splice(0));
  }
  await Promise.all(window);
  await dev.endAsync();

  const counted = () => {
    let n = 0;
    for (const feed of ['cameras', 'incidents', 'telecom'] as const) {
      const s = app.health.stats(feed);
      n += s.messages + Object.values(s.rejected).reduce((a, b) => a + b, 0) + s.seq.duplicates;
    }
    return n + Object.values(app.health.unknown()).reduce((a, b) => a + b, 0);
  };
  await waitFor(() => counted() === N, { timeoutMs: 30_000, message: 'not every message was accounted for' });

  const rejected = await app.metrics.rejects.get();
  const reasons = new Set(rejected.values.map((v) => v.labels.reason));
  for (const r of ['bad_json', 'schema', 'oversize', 'future_timestamp', 'unknown_topic']) expect(reasons).toContain(r);
  expect(app.health.deadLetters()).toHaveLength(100); // bounded
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  // No unbounded growth: what stays is the bounded dead-letter list and per-device state.
  global.gc?.();
  expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);

  // Still alive and still ingesting.
  expect((await fetch(`${app.url}/api/health`)).status).toBe(200);
  const ok = await mqtt.connectAsync(stack.broker.url, { protocolVersion: 4 });
  await ok.publishAsync(topics.cameraStatus('tt-cam-5'), JSON.stringify({ seq: 1, ts: Date.now(), state: 'online' }), { qos: 1 });
  await ok.endAsync();
  await waitFor(() => app.registry.cameras.get('tt-cam-5')?.state === 'online');
});
