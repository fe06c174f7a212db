/**
 * The real transport against a real (in-process aedes) broker: initial statuses arrive
 * at once and retained, payloads validate, a clean stop leaves retained offline/down
 * statuses, and load mode gets every message acknowledged.
 */
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CityPack } from '../../contract/citypack.js';
import { PAYLOAD_SCHEMAS, SUBSCRIPTIONS, parseTopic } from '../../contract/topics.js';
import { TEST_CITY_PACK, loadCityPack } from '../../contract/citypack-load.js';
import { runLoad, startSimulation } from '../../simulators/index.js';
import { startAedes, type TestAedes } from '../harness/aedes.js';

const logger = pino({ level: 'silent' });
let broker: TestAedes;
let pack: CityPack;

beforeAll(async () => {
  [broker, pack] = await Promise.all([startAedes(), loadCityPack(TEST_CITY_PACK)]);
});
afterAll(async () => {
  await broker?.stop();
});

interface Msg {
  topic: string;
  payload: Record<string, unknown>;
  retain: boolean;
}
async function subscriber(topicsToSub: string[]): Promise<{ client: MqttClient; msgs: Msg[] }> {
  const client = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0 });
  const msgs: Msg[] = [];
  client.on('message', (topic, buf, packet) => msgs.push({ topic, payload: JSON.parse(buf.toString()), retain: packet.retain }));
  await client.subscribeAsync(topicsToSub, { qos: 1 });
  return { client, msgs };
}
const until = async (cond: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
};
const all = [...SUBSCRIPTIONS.cameras, ...SUBSCRIPTIONS.telecom, ...SUBSCRIPTIONS.incidents];

describe('simulator transport (aedes)', () => {
  for (const connections of ['per-device', 'shared'] as const) {
    it(`${connections}: publishes every device status at once, valid, and leaves offline/down retained on stop`, async () => {
      const live = await subscriber(all);
      // Drop what the previous run left retained: only this run's live messages count.
      await new Promise((r) => setTimeout(r, 200));
      live.msgs.length = 0;
      const t0 = Date.now();
      const sim = await startSimulation({ mqttUrl: broker.url, pack, scenario: 'typhoon', seed: 3, speed: 60, logger, connections });
      const devices = pack.sites.cameras.length + pack.sites.stations.length + pack.sites.links.length;
      expect(sim.stats.connections).toBe(connections === 'per-device' ? devices + 1 : 4);
      const statusIds = () => new Set(live.msgs.filter((m) => m.topic.endsWith('/status')).map((m) => m.topic));
      await until(() => statusIds().size >= devices, 5000);
      expect(statusIds().size).toBe(devices);
      expect(Date.now() - t0).toBeLessThan(5000);
      // At 60× a second of wall time is a minute of sim time: the typhoon's first battery switch happens.
      await until(() => live.msgs.some((m) => m.payload.power === 'battery'), 5000);
      await sim.stop();
      expect(sim.stats.errors).toBe(0);
      for (const m of live.msgs) {
        const t = parseTopic(m.topic)!;
        expect(t).not.toBeNull();
        const kind = t.kind as keyof typeof PAYLOAD_SCHEMAS;
        expect(PAYLOAD_SCHEMAS[kind].safeParse(m.payload).success, JSON.stringify(m)).toBe(true);
      }
      // Per-device seq is +1 per message as received (QoS 1, one connection per device: in order).
      const last = new Map<string, number>();
      for (const m of live.msgs) {
        // Device ids are unique across a pack, so the id alone keys a camera's statuses and detections together.
        const dev = (parseTopic(m.topic) as { id: string }).id;
        const prev = last.get(dev);
        if (prev !== undefined) expect(m.payload.seq, dev).toBe(prev + 1);
        last.set(dev, m.payload.seq as number);
      }
      await live.client.endAsync();

      // A late subscriber sees the retained shutdown state, not a will (seq 0).
      const late = await subscriber([...SUBSCRIPTIONS.cameras, ...SUBSCRIPTIONS.telecom]);
      await until(() => late.msgs.length >= devices, 3000);
      const retained = late.msgs.filter((m) => m.retain);
      expect(retained).toHaveLength(devices);
      for (const m of retained) {
        expect(['offline', 'down']).toContain(m.payload.state);
        expect(m.payload.seq).toBeGreaterThan(1);
      }
      await late.client.endAsync();
    });
  }

  it('load mode: N msg/s across M synthetic devices, all acknowledged', async () => {
    const live = await subscriber(['ioc/v1/camera/+/detection', 'ioc/v1/camera/+/status', 'ioc/v1/telecom/station/+/status']);
    const summary = await runLoad({ mqttUrl: broker.url, rate: 800, devices: 40, durationS: 1.5, window: 64, logger });
    expect(summary.sent).toBe(1200);
    expect(summary.acked).toBe(1200);
    expect(summary.errors).toBe(0);
    expect(summary.achievedRate).toBeGreaterThan(500);
    await until(() => live.msgs.filter((m) => m.topic.includes('load-')).length >= 1200, 3000);
    const ids = new Set(live.msgs.filter((m) => m.topic.includes('load-')).map((m) => (parseTopic(m.topic) as { id: string }).id));
    expect(ids.size).toBe(40);
    await live.client.endAsync();
  });
});
