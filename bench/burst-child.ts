/**
 * The overload burst, in its own process: camera statuses (pure telemetry) for
 * burst-cam-NNNN devices at RATE msg/s for S seconds, QoS 1, bounded window.
 * Its own device ids, so its seqs never collide with the base load's.
 * Prints {sent, acked, achievedRate} as JSON on stdout.
 * Usage: tsx bench/burst-child.ts MQTT_URL RATE DEVICES SECONDS
 */
import pino from 'pino';
import { topics } from '../contract/topics.js';
import { connect, PublishWindow } from '../simulators/transport.js';

const [url, rateArg, devArg, secArg] = process.argv.slice(2);
const rate = Number(rateArg);
const devices = Number(devArg);
const total = Math.round(rate * Number(secArg));
const logger = pino({ level: 'warn' }, pino.destination(2));
const clients = await Promise.all([0, 1, 2, 3].map((i) => connect(`bench-burst-${process.pid}-${i}`, { mqttUrl: url!, logger })));
const win = new PublishWindow(512);
const seqs = new Uint32Array(devices);
let sent = 0;
let acked = 0;
const t0 = performance.now();
while (sent < total) {
  const due = Math.min(total, Math.floor((rate * (performance.now() - t0)) / 1000));
  if (sent >= due) {
    await new Promise((r) => setTimeout(r, 2));
    continue;
  }
  while (sent < due) {
    await win.acquire();
    const d = sent % devices;
    const payload = { seq: ++seqs[d]!, ts: Date.now(), state: 'online', fps: 25, bitrateKbps: 4000, uptimeS: seqs[d] };
    sent++;
    clients[d % 4]!
      .publishAsync(topics.cameraStatus(`burst-cam-${String(d).padStart(4, '0')}`), JSON.stringify(payload), { qos: 1 })
      .then(() => acked++)
      .catch(() => undefined)
      .finally(() => win.release());
  }
}
await win.drain();
const secs = (performance.now() - t0) / 1000;
await Promise.all(clients.map((c) => c.endAsync()));
process.stdout.write(JSON.stringify({ sent, acked, achievedRate: Math.round(acked / secs) }) + '\n');
