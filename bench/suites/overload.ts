/**
 * Overload: a steady base load, then 10× that rate for burstS (camera statuses:
 * telemetry), then the base again. Memory every second, what the consoles no
 * longer saw (telemetry coalesced away: "shed"), whether storage kept everything,
 * and how long until telemetry latency is back near its pre-burst level.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startConsoles } from '../lib/consoles.js';
import { startPublisher } from '../lib/publisher.js';
import { readProc, sampleProc, type ProcSample } from '../lib/proc.js';
import { startServer, workDir } from '../lib/server.js';
import { clearSession, influxQuery, type Stack } from '../lib/stack.js';
import { expectedCounts, waitForDelivery } from '../lib/verify.js';
import { startAlertTrickle } from '../lib/alerts.js';
import { REPO } from '../lib/paths.js';

export interface OverloadResult {
  baseRate: number;
  burstRate: number;
  burstAchieved: number;
  burstS: number;
  survived: boolean;
  peakRssMB: number;
  rssBeforeMB: number;
  rssAfterMB: number;
  memory: ProcSample[];
  baselineP95Ms: number;
  burstP95Ms: number;
  recoverS: number | null;
  cameraStatusesPublished: number;
  cameraChangesSeenByConsole: number;
  storedAll: boolean;
  missing: number;
  brokerDropped: number;
  alertsP99Ms: number;
}

function runBurst(mqttUrl: string, rate: number, seconds: number): Promise<{ acked: number; achievedRate: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'bench', 'burst-child.ts'), mqttUrl, String(rate), '2000', String(seconds)], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as never) : reject(new Error(`burst publisher exit ${code}`)))));
}

export async function runOverload(o: { stack: Stack; cityPack: string; devices: number; baseRate: number; preS: number; burstS: number; postS: number; log: (s: string) => void }): Promise<OverloadResult> {
  const db = 'overload';
  const server = await startServer({ mqttUrl: o.stack.mosquitto.url, influxUrl: o.stack.influxd.url, cityPack: o.cityPack, spoolDir: workDir('spool'), database: db, clientId: 'ioc-overload' });
  const consoles = await startConsoles(server.url, 10, server.token);
  try {
    const dropsBefore = await o.stack.brokerDropped();
    const trickle = await startAlertTrickle(o.stack.mosquitto.url, 5);
    consoles.reset(trickle.sent());
    const proc = sampleProc(server.pid);
    const t0 = Date.now();
    const total = o.preS + o.burstS + o.postS;
    const base = startPublisher({ mqttUrl: o.stack.mosquitto.url, rate: o.baseRate, devices: o.devices, durationS: total, cityPack: o.cityPack });
    await new Promise((r) => setTimeout(r, o.preS * 1000));
    const burstStart = Date.now();
    const burst = await runBurst(o.stack.mosquitto.url, o.baseRate * 9, o.burstS);
    const burstEnd = Date.now();
    o.log(`  burst done: ${burst.achievedRate}/s extra for ${o.burstS} s`);
    const summary = await base.done;
    await new Promise((r) => setTimeout(r, 2000));
    await trickle.stop();
    const usage = proc.summary();
    const rep = await consoles.report();
    const survived = readProc(server.pid) !== null;
    const exp = expectedCounts(summary.sent, o.devices);
    const d = await waitForDelivery(o.stack.influxd.url, db, exp);
    const burstStored = await influxQuery(o.stack.influxd.url, db, `SELECT count(seq) FROM camera_status WHERE camera =~ /^burst-/ AND time > now() - 1d`);
    const burstCount = Number(burstStored[0]?.values[0]?.[1] ?? 0);
    const brokerDropped = (await o.stack.brokerDropped()) - dropsBefore;
    // Per-second telemetry p95 seen by console 0, on the wall clock.
    const secs = rep.perSecond.map((p) => ({ at: p.t * 1000, p95: p.p95 }));
    const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : NaN);
    // Pre-burst seconds (after the publisher's start-up); a very short quick run may have none: then the last seconds.
    const pre = secs.filter((s) => s.at >= t0 + 2000 && s.at < burstStart - 1000).map((s) => s.p95);
    const baseline = median(pre.length ? pre : secs.slice(-3).map((s) => s.p95));
    const during = Math.max(...secs.filter((s) => s.at >= burstStart && s.at < burstEnd).map((s) => s.p95), 0);
    const ok = (p: number) => p <= baseline * 1.5 + 50;
    const after = secs.filter((s) => s.at >= burstEnd);
    let recoverS: number | null = null;
    for (let i = 0; i < after.length; i++) {
      if (after.slice(i, i + 5).every((s) => ok(s.p95)) && after.length - i >= Math.min(5, after.length)) {
        recoverS = Math.max(0, Math.round((after[i]!.at - burstEnd) / 1000));
        break;
      }
    }
    const mem = usage.samples;
    const beforeIdx = mem.filter((m) => m.t < burstStart - t0);
    const r: OverloadResult = {
      baseRate: o.baseRate,
      burstRate: o.baseRate * 10,
      burstAchieved: burst.achievedRate + o.baseRate,
      burstS: o.burstS,
      survived,
      peakRssMB: usage.peakRssMB,
      rssBeforeMB: beforeIdx.at(-1)?.rssMB ?? NaN,
      rssAfterMB: mem.at(-1)?.rssMB ?? NaN,
      memory: mem,
      baselineP95Ms: baseline,
      burstP95Ms: during,
      recoverS,
      cameraStatusesPublished: [...exp.camera_status.values()].reduce((a, b) => a + b, 0) + burst.acked,
      cameraChangesSeenByConsole: rep.cameraChanges,
      storedAll: d.missing === 0 && burstCount === burst.acked,
      missing: d.missing + (burst.acked - burstCount),
      brokerDropped,
      alertsP99Ms: rep.alerts.summary().p99,
    };
    o.log(`  overload: survived ${r.survived}, peak RSS ${r.peakRssMB} MB, telemetry p95 ${r.baselineP95Ms} → ${r.burstP95Ms} ms, recovered in ${r.recoverS ?? 'never'} s, stored all ${r.storedAll}, drops ${r.brokerDropped}`);
    return r;
  } finally {
    await consoles.stop();
    await server.stop();
    await clearSession(o.stack.mosquitto.url, 'ioc-overload');
  }
}
