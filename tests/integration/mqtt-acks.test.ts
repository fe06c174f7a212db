/**
 * The server's MQTT connection acknowledges in batches (MQTT_ACK_BATCH, MQTT_ACK_WAIT_MS):
 * every message is handled, none twice, and no PUBACK leaves before the store has synced
 * the message it acknowledges, with Mosquitto's default in-flight window (20) and with the
 * shipped one (100, for which docker-compose sets 64 and 10 ms).
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import pino from 'pino';
import { MqttConnection } from '../../server/broker/connection.js';
import { startMosquitto, type TestMosquitto } from '../harness/mosquitto.js';
import { waitFor } from '../harness/wait.js';

const N = 3000;
let broker: TestMosquitto | null = null;
let conn: MqttConnection | null = null;
let restore: (() => void) | null = null;

afterEach(async () => {
  restore?.();
  restore = null;
  await conn?.stop();
  await broker?.stop();
  conn = null;
  broker = null;
});

async function run(extraConfig: string | undefined, ackBatch: number, ackWaitMs: number) {
  broker = await startMosquitto(extraConfig ? { extraConfig } : {});
  const seen = new Set<number>();
  let duplicates = 0;
  // What the durable store sees: messages held since the last sync.
  let sinceSync = 0;
  let syncs = 0;
  // Every PUBACK that leaves, with the number of handled messages not yet synced at that moment.
  let pubackWrites = 0;
  let pubacks = 0;
  let ackedUnsynced = 0;
  const write = net.Socket.prototype.write;
  restore = () => (net.Socket.prototype.write = write);
  net.Socket.prototype.write = function (this: net.Socket, chunk: unknown, ...rest: unknown[]) {
    // A PUBACK is 4 bytes, first byte 0x40; a batch leaves as one buffer of them.
    if (Buffer.isBuffer(chunk) && chunk[0] === 0x40 && chunk.length % 4 === 0) {
      pubackWrites++;
      pubacks += chunk.length / 4;
      ackedUnsynced += sinceSync;
    }
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof write;
  conn = new MqttConnection({
    url: broker.url,
    clientId: `acks-${process.pid}-${ackBatch}`,
    subscriptions: ['acks/#'],
    log: pino({ level: 'silent' }),
    ackBatch,
    ackWaitMs,
    onMessage: (_topic, payload) => {
      const i = Number(payload.toString());
      if (seen.has(i)) duplicates++;
      seen.add(i);
    },
    durable: {
      hold: () => void sinceSync++,
      release: () => undefined,
      sync: () => {
        if (sinceSync > 0) syncs++;
        sinceSync = 0;
      },
    },
  });
  expect(await conn.start()).toBe(true);
  const pub = await mqtt.connectAsync(broker.url, { clientId: `acks-pub-${process.pid}` });
  try {
    await Promise.all(Array.from({ length: N }, (_, i) => pub.publishAsync(`acks/${i % 10}`, String(i), { qos: 1 })));
  } finally {
    await pub.endAsync();
  }
  await waitFor(() => seen.size === N, { timeoutMs: 30_000, message: `only ${seen.size} of ${N} messages handled` });
  await waitFor(() => pubacks >= N, { timeoutMs: 5_000, message: 'not every message acknowledged' });
  return { duplicates, syncs, pubackWrites, ackedUnsynced };
}

describe('PUBACK batches', () => {
  for (const [name, config, batch, waitMs] of [
    ["Mosquitto's default window of 20, the defaults 16 and 1 ms", undefined, 16, 1],
    ['the shipped window of 100, with 64 and 10 ms', 'max_inflight_messages 100', 64, 10],
  ] as const) {
    it(`leave only after the store has synced, batched (${name})`, async () => {
      const r = await run(config, batch, waitMs);
      expect(r.duplicates).toBe(0);
      expect(r.ackedUnsynced).toBe(0);
      // Batched: one socket write and one store sync for many messages.
      expect(r.pubackWrites).toBeLessThan(N / 4);
      expect(r.syncs).toBeLessThan(N / 4);
    });
  }
});
