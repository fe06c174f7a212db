/**
 * kill -9 of the server mid-stream, restart on the same spool and MQTT session:
 * every message published during the whole run must be in InfluxDB at the end.
 */
import { startPublisher } from '../lib/publisher.js';
import { startServer, workDir } from '../lib/server.js';
import { clearSession, type Stack } from '../lib/stack.js';
import { expectedCounts, waitForDelivery } from '../lib/verify.js';

export interface DurabilityResult {
  rate: number;
  durationS: number;
  killedAtS: number;
  downS: number;
  restartMs: number;
  published: number;
  stored: number;
  missing: number;
  extra: number;
  brokerDropped: number;
}

export async function runDurability(o: { stack: Stack; cityPack: string; devices: number; rate: number; durationS: number; log: (s: string) => void }): Promise<DurabilityResult> {
  const db = 'durability';
  const spoolDir = workDir('spool-durability');
  const base = { mqttUrl: o.stack.mosquitto.url, influxUrl: o.stack.influxd.url, cityPack: o.cityPack, spoolDir, database: db, clientId: 'ioc-durability' };
  let server = await startServer(base);
  try {
    const dropsBefore = await o.stack.brokerDropped();
    const pub = startPublisher({ mqttUrl: o.stack.mosquitto.url, rate: o.rate, devices: o.devices, durationS: o.durationS, cityPack: o.cityPack });
    const killedAtS = Math.round(o.durationS / 3);
    await new Promise((r) => setTimeout(r, killedAtS * 1000));
    await server.kill9();
    const downS = 2;
    await new Promise((r) => setTimeout(r, downS * 1000));
    // The same installation restarted: its spool, MQTT session and database.
    server = await startServer({ ...base, databaseUrl: server.databaseUrl });
    const summary = await pub.done;
    const d = await waitForDelivery(o.stack.influxd.url, db, expectedCounts(summary.sent, o.devices));
    const r: DurabilityResult = {
      rate: o.rate, durationS: o.durationS, killedAtS, downS, restartMs: server.startMs,
      published: summary.acked, stored: d.stored, missing: d.missing, extra: d.extra,
      brokerDropped: (await o.stack.brokerDropped()) - dropsBefore,
    };
    o.log(`  kill -9 at ${killedAtS} s, restarted in ${r.restartMs} ms: published ${r.published}, stored ${r.stored}, missing ${r.missing}, extra ${r.extra}, drops ${r.brokerDropped}`);
    return r;
  } finally {
    await server.stop();
    await clearSession(o.stack.mosquitto.url, 'ioc-durability');
  }
}
