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
import { cpuPressure, processTreeCpuS, sampleProc } from '../lib/proc.js';

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
  /** % of the publishing window in which some runnable task waited for a CPU (PSI): the machine's contention. */
  cpuPressurePct?: number | null;
  /** PostgreSQL's processes together (postmaster and backends), % of one core. */
  postgresCpuPct?: number;
  /** What one console received while measured: deltas a second and kB a second on the wire. */
  perConsole?: { deltasPerS: number; kBPerS: number };
  /** CPU of the processes holding the consoles, together (% of one core). */
  consolesCpuPct?: number;
  /**
   * A sampled row: the figures above are of `measuring` consoles at normal priority; the
   * rest of the `consoles` ran at nice 19 (screens on other machines), with these figures.
   */
  sampled?: { measuring: number; rig: { connected: number; telemetry: LatencyRow['telemetry']; alerts: LatencyRow['alerts'] } };
}

export interface LatencyOptions {
  stack: Stack;
  cityPack: string;
  devices: number;
  rates: number[];
  consoles: number[];
  durationS: number;
  /**
   * Also runs these console counts sampled: all but `sample` consoles at nice 19, standing in
   * for screens on other machines (they take only the CPU the server, broker, InfluxDB and
   * publisher leave), and `sample` consoles at normal priority, which measure.
   */
  sampled?: { consoles: number[]; sample: number };
  log: (s: string) => void;
}

export async function runLatency(o: LatencyOptions): Promise<LatencyRow[]> {
  const rows: LatencyRow[] = [];
  const sets = [...o.consoles.map((n) => ({ n, sample: 0 })), ...(o.sampled?.consoles ?? []).map((n) => ({ n, sample: o.sampled!.sample }))];
  for (const { n, sample } of sets) {
    const server = await startServer({ mqttUrl: o.stack.mosquitto.url, influxUrl: o.stack.influxd.url, cityPack: o.cityPack, spoolDir: workDir('spool'), database: `lat${n}`, clientId: `ioc-lat${n}` });
    // Sampled: the measuring consoles, and the rest of the n at the lowest priority.
    const consoles = await startConsoles(server.url, sample || n, server.token);
    const rig = sample ? await startConsoles(server.url, n - sample, server.token, 250, 19) : null;
    let trickle: Awaited<ReturnType<typeof startAlertTrickle>> | null = null;
    try {
      // One trickle for all rates: its indexes go on from phase to phase, so an alert of an
      // earlier phase (arriving late) is never taken for one of this phase.
      trickle = await startAlertTrickle(o.stack.mosquitto.url, 10);
      for (const rate of o.rates) {
        await new Promise((r) => setTimeout(r, 1000));
        const sentBefore = trickle.sent();
        consoles.reset(sentBefore);
        rig?.reset(sentBefore);
        const t0 = Date.now();
        const proc = sampleProc(server.pid);
        const pressure = cpuPressure();
        const pg0 = processTreeCpuS(o.stack.postgres.pid);
        const holders = [...consoles.pids, ...(rig?.pids ?? [])].map((pid) => sampleProc(pid));
        const pub = startPublisher({ mqttUrl: o.stack.mosquitto.url, rate, devices: o.devices, durationS: o.durationS, cityPack: o.cityPack });
        await pub.done;
        const sentAfter = trickle.sent();
        const alertsSent = sentAfter - sentBefore;
        const usage = proc.summary();
        const cpuPressurePct = pressure.pct();
        const postgresCpuPct = round1(((processTreeCpuS(o.stack.postgres.pid) - pg0) / ((Date.now() - t0) / 1000)) * 100);
        const holdersCpu = holders.reduce((a, h) => a + h.summary().cpuPct, 0);
        // Console 0's traffic over the publishing window (the wait below would dilute it).
        const measuredS = (Date.now() - t0) / 1000;
        const atEnd = await consoles.report(sentAfter);
        // Every alert counts, the late ones too: wait (up to 30 s) until each console has
        // them all, so that a console that fell behind shows as latency, not as missing rows.
        await new Promise((r) => setTimeout(r, 1000));
        let rep = await consoles.report(sentAfter);
        for (const until = Date.now() + 30_000; rep.alerts.n < alertsSent * rep.connected && Date.now() < until; ) {
          await new Promise((r) => setTimeout(r, 500));
          rep = await consoles.report(sentAfter);
        }
        const rigRep = rig ? await rig.report(sentAfter) : null;
        const row: LatencyRow = {
          rate,
          consoles: n,
          connected: rep.connected + (rigRep?.connected ?? 0),
          telemetry: rep.telemetry.summary(),
          alerts: rep.alerts.summary(),
          alertsSent,
          serverCpuPct: usage.cpuPct,
          serverRssMB: usage.peakRssMB,
          cpuPressurePct,
          postgresCpuPct,
          perConsole: { deltasPerS: round1(atEnd.deltas / measuredS), kBPerS: round1(atEnd.wireBytes / 1000 / measuredS) },
          consolesCpuPct: round1(holdersCpu),
          ...(rigRep ? { sampled: { measuring: rep.connected, rig: { connected: rigRep.connected, telemetry: rigRep.telemetry.summary(), alerts: rigRep.alerts.summary() } } } : {}),
        };
        rows.push(row);
        const rigNote = row.sampled ? `; measured by ${row.sampled.measuring} consoles, the other ${row.sampled.rig.connected} at nice 19 had telemetry p95 ${row.sampled.rig.telemetry.p95}, alerts p95 ${row.sampled.rig.alerts.p95} ms (n=${row.sampled.rig.alerts.n})` : '';
        o.log(`  ${rate}/s × ${n} consoles${sample ? ' (sampled)' : ''}: telemetry p50 ${row.telemetry.p50} p95 ${row.telemetry.p95} p99 ${row.telemetry.p99} ms; alerts p50 ${row.alerts.p50} p95 ${row.alerts.p95} p99 ${row.alerts.p99} ms (n=${row.alerts.n} of ${alertsSent} × ${rep.connected}); server CPU ${row.serverCpuPct}%, PostgreSQL ${postgresCpuPct}%, consoles' CPU ${row.consolesCpuPct}%; one console ${row.perConsole!.deltasPerS} deltas/s, ${row.perConsole!.kBPerS} kB/s; CPU pressure ${cpuPressurePct ?? '–'}%${rigNote}`);
      }
    } finally {
      await trickle?.stop();
      await rig?.stop();
      await consoles.stop();
      await server.stop();
      await clearSession(o.stack.mosquitto.url, `ioc-lat${n}`);
    }
  }
  return rows;
}

const round1 = (v: number) => Math.round(v * 10) / 10;
