/**
 * End-to-end latency and fan-out: device publish time → receipt by Socket.IO
 * consoles in other processes, at several rates and console counts. Telemetry
 * (camera status, coalesced by the server every 15–100 ms by the number of
 * screens open) and alerts (pushed at once) are measured separately in the
 * same runs.
 */
import { startConsoles } from '../lib/consoles.js';
import { startPublisher } from '../lib/publisher.js';
import { startServer, workDir } from '../lib/server.js';
import { clearSession, type Stack } from '../lib/stack.js';
import { startAlertTrickle } from '../lib/alerts.js';
import { sampleProc } from '../lib/proc.js';

export interface LatencyRow {
  rate: number;
  consoles: number;
  connected: number;
  telemetry: { n: number; p50: number; p95: number; p99: number; max: number };
  alerts: { n: number; p50: number; p95: number; p99: number; max: number };
  /** Accident detections published while measured: each console should count as many alert changes. */
  alertsSent?: number;
  serverCpuPct: number;
  serverRssMB: number;
}

export async function runLatency(o: { stack: Stack; cityPack: string; devices: number; rates: number[]; consoles: number[]; durationS: number; log: (s: string) => void }): Promise<LatencyRow[]> {
  const rows: LatencyRow[] = [];
  for (const n of o.consoles) {
    const server = await startServer({ mqttUrl: o.stack.mosquitto.url, influxUrl: o.stack.influxd.url, cityPack: o.cityPack, spoolDir: workDir('spool'), database: `lat${n}`, clientId: `ioc-lat${n}` });
    const consoles = await startConsoles(server.url, n, server.token);
    try {
      for (const rate of o.rates) {
        const trickle = await startAlertTrickle(o.stack.mosquitto.url, 10);
        await new Promise((r) => setTimeout(r, 1000));
        const sentBefore = trickle.sent();
        consoles.reset(sentBefore);
        const proc = sampleProc(server.pid);
        const pub = startPublisher({ mqttUrl: o.stack.mosquitto.url, rate, devices: o.devices, durationS: o.durationS, cityPack: o.cityPack });
        await pub.done;
        const alertsSent = trickle.sent() - sentBefore;
        await trickle.stop();
        const usage = proc.summary();
        // Every alert counts, the late ones too: wait (up to 30 s) until each console has
        // them all, so that a console that fell behind shows as latency, not as missing rows.
        await new Promise((r) => setTimeout(r, 1000));
        let rep = await consoles.report();
        for (const until = Date.now() + 30_000; rep.alerts.n < alertsSent * rep.connected && Date.now() < until; ) {
          await new Promise((r) => setTimeout(r, 500));
          rep = await consoles.report();
        }
        const row: LatencyRow = { rate, consoles: n, connected: rep.connected, telemetry: rep.telemetry.summary(), alerts: rep.alerts.summary(), alertsSent, serverCpuPct: usage.cpuPct, serverRssMB: usage.peakRssMB };
        rows.push(row);
        o.log(`  ${rate}/s × ${n} consoles: telemetry p50 ${row.telemetry.p50} p95 ${row.telemetry.p95} p99 ${row.telemetry.p99} ms; alerts p50 ${row.alerts.p50} p95 ${row.alerts.p95} p99 ${row.alerts.p99} ms (n=${row.alerts.n} of ${alertsSent} × ${n}); server CPU ${row.serverCpuPct}%`);
      }
    } finally {
      await consoles.stop();
      await server.stop();
      await clearSession(o.stack.mosquitto.url, `ioc-lat${n}`);
    }
  }
  return rows;
}
