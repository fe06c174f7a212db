/**
 * A field device as the tests play it: an MQTT client that numbers its messages per
 * device id (the `seq` the server's feed health counts gaps and duplicates by) and
 * stamps them now, unless told otherwise.
 */
import type { MqttClient } from 'mqtt';

export type DeviceSend = (topic: string, id: string, body: Record<string, unknown>, opts?: { retain?: boolean; ts?: number }) => Promise<unknown>;

export function devicePublisher(client: MqttClient): DeviceSend {
  const seqs = new Map<string, number>();
  return (topic, id, body, opts = {}) => {
    const seq = (seqs.get(id) ?? 0) + 1;
    seqs.set(id, seq);
    return client.publishAsync(topic, JSON.stringify({ seq, ts: opts.ts ?? Date.now(), ...body }), { qos: 1, retain: opts.retain ?? false });
  };
}
