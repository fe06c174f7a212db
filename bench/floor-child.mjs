/**
 * The floor of the efficiency comparison: an mqtt.js QoS1 subscriber in its own
 * process that only counts (no parsing, no storage), its PUBACKs sent by mqtt.js
 * one per message as any subscriber's. Plain JS so that no loader runs in it.
 * Prints "ready" when subscribed, then its count every 200 ms.
 * Usage: node bench/floor-child.mjs MQTT_URL
 */
import mqtt from 'mqtt';

const client = await mqtt.connectAsync(process.argv[2], { clientId: `bench-floor-${process.pid}`, clean: true });
let count = 0;
client.on('message', () => {
  count++;
});
await client.subscribeAsync('ioc/v1/#', { qos: 1 });
process.stdout.write('ready\n');
setInterval(() => process.stdout.write(`${count}\n`), 200);
