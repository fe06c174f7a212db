/**
 * Runs the benchmarks (full, or --quick: a short smoke version without the
 * peer and the browser) and returns every figure. Each suite starts its own
 * server process; one Mosquitto and one influxd serve the run (separate
 * databases and MQTT sessions per suite, broker drops read before and after).
 */
import fs from 'node:fs';
import path from 'node:path';
import { generateCityPack } from './lib/citypack.js';
import { machineInfo } from './lib/machine.js';
import { ensureNodeRed } from './lib/nodered.js';
import { topSelfTime } from './lib/profile.js';
import { startStack } from './lib/stack.js';
import { WORK } from './lib/paths.js';
import { runBare, runFloor, type BareResult, type FloorResult } from './suites/bare.js';
import { runBrowser, type BrowserResult } from './suites/browser.js';
import { runResponsiveness, type ResponsivenessResult } from './suites/responsiveness.js';
import { launchChromium } from '../tests/harness/chromium.js';
import { CLIENT_DIR } from '../tests/harness/console.js';
import { runCluster, type ClusterResult } from './suites/cluster.js';
import { runCommands, type CommandsResult } from './suites/commands.js';
import { runDurability, type DurabilityResult } from './suites/durability.js';
import { runIngest, type IngestResult } from './suites/ingest.js';
import { runLatency, type LatencyRow } from './suites/latency.js';
import { runOverload, type OverloadResult } from './suites/overload.js';
import { runRecords, type RecordsResult } from './suites/records.js';
import { runScale, type ScaleRow } from './suites/scale.js';
import { runVideo, type VideoResult } from './suites/video.js';
import { runWards, type WardsResult } from './suites/wards.js';

export interface BenchResults {
  mode: 'full' | 'quick';
  startedAt: string;
  durationS: number;
  machine: ReturnType<typeof machineInfo> & { peer?: { nodeRed: string; influxNode: string } };
  ingest: IngestResult[];
  sustained?: IngestResult;
  rerun?: IngestResult;
  bare?: BareResult;
  /** A counting subscriber's CPU at the efficiency rate (the floor under the server and Node-RED). */
  floor?: FloorResult;
  profile?: { rate: number; top: { fn: string; where: string; selfPct: number }[] };
  latency: LatencyRow[];
  overload?: OverloadResult;
  durability?: DurabilityResult;
  scale: ScaleRow[];
  browser?: BrowserResult;
  /** The demo city's console under SwiftShader: idle long tasks and click to panel (issue #27 point 8). */
  responsiveness?: ResponsivenessResult;
  /** Commands a second from concurrent officers over Socket.IO, each answered once stored in PostgreSQL. */
  commands?: CommandsResult;
  /** PostgreSQL rows and bytes a simulated day, per scenario. */
  records?: RecordsResult[];
  /** Several instances (issue #21): failover under load, consoles on leader and standby, CPU and RSS. */
  cluster?: ClusterResult;
  /** Simulated cameras' live video: time to first frame, CPU per watched camera (issue #22). */
  video?: VideoResult;
  /** Real city boundaries (issue #24): 500 wards, 100k vertices: coverage, ward look-up, console frames. */
  wards?: WardsResult;
  /** Suites that failed, with why: the others' figures are still reported. */
  errors: { suite: string; error: string }[];
}

export interface RunOptions {
  quick: boolean;
  /**
   * Suites to run (default all): ingest, bare, latency, overload, durability, scale, browser (and
   * responsiveness, which `browser` includes and which can be named alone),
   * commands, records, cluster, wards (the last four in quick mode only when named), video; and, only when named, alertpath (the latency suite's 100 consoles
   * alone, whose 5,000 msg/s row is the latency target).
   */
  only?: string[];
  log?: (s: string) => void;
}

export async function runBench(o: RunOptions): Promise<BenchResults> {
  const log = o.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  const want = (s: string) => !o.only || o.only.includes(s);
  const q = o.quick;
  const t0 = Date.now();
  const res: BenchResults = { mode: q ? 'quick' : 'full', startedAt: new Date().toISOString(), durationS: 0, machine: machineInfo(), ingest: [], latency: [], scale: [], errors: [] };
  if (!q && want('ingest')) res.machine.peer = ensureNodeRed(log);
  const pack1k = generateCityPack(1000);
  const stack = await startStack();
  // One failing suite must not lose the others' figures: record it and go on.
  const guard = async (suite: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      log(`  ${suite} FAILED: ${(err as Error).message}`);
      res.errors.push({ suite, error: (err as Error).message.slice(0, 2000) });
    }
  };
  try {
    if (want('ingest')) await guard('ingest', async () => {
      log(`ingest (${q ? 'server only' : 'server and Node-RED, alternately'})`);
      const rates = q ? [2000] : [2000, 5000, 10000, 20000];
      const durationS = q ? 5 : 30;
      for (const rate of rates) {
        res.ingest.push(await runIngest({ stack, consumer: 'server', rate, durationS, devices: 1000, cityPack: pack1k, label: `srv${rate}`, log }));
        if (!q) res.ingest.push(await runIngest({ stack, consumer: 'node-red', rate, durationS, devices: 1000, cityPack: pack1k, label: `nr${rate}`, log }));
      }
      if (!q) {
        log('ingest: CPU profile of the server at 20,000 msg/s (30 s)');
        const profDir = path.join(WORK, 'prof');
        fs.rmSync(profDir, { recursive: true, force: true });
        await runIngest({ stack, consumer: 'server', rate: 20000, durationS: 30, devices: 1000, cityPack: pack1k, label: 'prof', nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profDir], log });
        res.profile = { rate: 20000, top: topSelfTime(profDir) };
        // BENCH_SUSTAINED_S shortens it when a run must fit a time budget (the table says how long it ran).
        const sustainedS = Number(process.env.BENCH_SUSTAINED_S) || 600;
        log(`ingest: 20,000 msg/s sustained for ${sustainedS} s`);
        res.sustained = await runIngest({ stack, consumer: 'server', rate: 20000, durationS: sustainedS, devices: 10000, cityPack: generateCityPack(10000), label: 'sustained', log });
      }
    });
    if (want('bare')) await guard('bare', async () => {
      log('bare broker ceiling');
      res.bare = await runBare({ stack, cityPack: pack1k, rate: q ? 20000 : 60000, durationS: q ? 3 : 15, log });
      log('counting subscriber at the efficiency rate');
      res.floor = await runFloor({ stack, cityPack: pack1k, rate: q ? 2000 : 10000, durationS: q ? 3 : 30, log });
    });
    if (want('latency')) await guard('latency', async () => {
      log('latency and fan-out');
      res.latency = await runLatency({ stack, cityPack: pack1k, devices: 1000, rates: q ? [500] : [500, 2000, 5000], consoles: q ? [10] : [1, 100, 1000], sampled: q ? undefined : { consoles: [1000], sample: 10 }, durationS: q ? 4 : 15, log });
    });
    if (o.only?.includes('alertpath')) await guard('alertpath', async () => {
      // The latency suite's 100-console server as it runs there: 500 and 2,000 msg/s before 5,000 (the load's
      // first messages raise a wave of alerts that the 5,000 msg/s phase would otherwise include).
      log('alert path: the latency suite with 100 consoles (the target row: 5,000 msg/s)');
      res.latency.push(...(await runLatency({ stack, cityPack: pack1k, devices: 1000, rates: q ? [500, 5000] : [500, 2000, 5000], consoles: [100], durationS: q ? 5 : 15, log })));
    });
    // Quick mode (the smoke test in npm test) runs these two only when named: --quick --only commands,records.
    const named = (s: string) => (q ? !!o.only?.includes(s) : want(s));
    if (named('commands')) await guard('commands', async () => {
      log('commands: 50 officers over Socket.IO, answered once stored in PostgreSQL');
      res.commands = await runCommands({ stack, officers: 50, perOfficer: 4, units: 400, warmupS: q ? 1 : 5, durationS: q ? 3 : 45, log });
    });
    if (named('records')) await guard('records', async () => {
      log('records: PostgreSQL rows and bytes a simulated day');
      res.records = [];
      // 720×: a whole simulated day in 2 minutes (quick: 1 sim hour, scaled).
      for (const scenario of ['normal-day', 'typhoon']) res.records.push(await runRecords({ stack, scenario, speed: 720, seed: 1, durationS: q ? 5 : 120, log }));
    });
    if (named('cluster')) await guard('cluster', async () => {
      log('cluster: two instances, kill -9 of the leader, consoles on both, CPU and RSS');
      res.cluster = await runCluster({
        stack, cityPack: pack1k, devices: 1000,
        kills: q ? 2 : 5, settleS: q ? 3 : 5, failoverRate: 1000,
        consoles: q ? 200 : 2000, consolesRate: 2000, consolesS: q ? 6 : 20,
        resourcesRate: 10000, resourcesS: q ? 8 : 30,
        log,
      });
    });
    if (want('overload')) await guard('overload', async () => {
      log('overload');
      res.overload = await runOverload({ stack, cityPack: pack1k, devices: 1000, baseRate: q ? 500 : 2000, preS: q ? 4 : 20, burstS: q ? 4 : 60, postS: q ? 6 : 60, log });
    });
    if (want('durability')) await guard('durability', async () => {
      log('durability: kill -9 mid-stream');
      res.durability = await runDurability({ stack, cityPack: pack1k, devices: 1000, rate: q ? 2000 : 5000, durationS: q ? 6 : 30, log });
    });
    if (want('scale')) await guard('scale', async () => {
      log('scale of state');
      res.scale = await runScale({ stack, sizes: q ? [1000] : [1000, 10000, 50000], loadRate: q ? 2000 : 10000, loadS: q ? 3 : 30, log });
    });
    if (!q && (want('browser') || want('responsiveness'))) await guard('responsiveness', async () => {
      log(`responsiveness: the demo city's console under SwiftShader (client ${path.relative(process.cwd(), CLIENT_DIR) || CLIENT_DIR})`);
      const browser = await launchChromium();
      try {
        res.responsiveness = await runResponsiveness({ stack, browser, clientDir: CLIENT_DIR, idleS: 20, clicks: 30, log });
      } finally {
        await browser.close();
      }
    });
    if (!q && want('video')) await guard('video', async () => {
      log('video: time to first frame and CPU per watched simulated camera');
      const browser = await launchChromium();
      try {
        res.video = await runVideo({ stack, browser, clientDir: CLIENT_DIR, cameras: 12, sampleS: 15, log });
      } finally {
        await browser.close();
      }
    });
    if (!q && want('browser')) await guard('browser', async () => {
      log('browser: console vs bare maplibre, 50k devices');
      res.browser = await runBrowser({ stack, devices: 50000, loadRate: 10000, seconds: 15, log });
    });
    if (named('wards')) await guard('wards', async () => {
      log('wards: 500 wards, 100k vertices (coverage, ward look-up, console frames)');
      const browser = q ? undefined : await launchChromium();
      try {
        res.wards = await runWards({ stack, browser, seconds: 15, log });
      } finally {
        await browser?.close();
      }
    });
    if (!q && want('ingest')) await guard('rerun', async () => {
      log('ingest: the key figure again at the end (20,000 msg/s, 45 s)');
      res.rerun = await runIngest({ stack, consumer: 'server', rate: 20000, durationS: 45, devices: 1000, cityPack: pack1k, label: 'rerun', log });
    });
  } finally {
    await stack.stop();
  }
  res.durationS = Math.round((Date.now() - t0) / 1000);
  return res;
}
