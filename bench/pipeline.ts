/**
 * The ingest path in one process, without MQTT or InfluxDB: router → bus → registry,
 * recorder (spool in a temp folder), rules, push hub. For working on the per-message cost:
 * prints µs and heap bytes allocated per message, stage by stage.
 *   node --expose-gc --max-semi-space-size=128 --import tsx bench/pipeline.ts [--messages 200000] [--devices 1000]
 * The figures that count are the probe's and the suite's (whole process, real broker);
 * this isolates our own code from mqtt.js and the kernel.
 */
import fs from 'node:fs';
import http from 'node:http';
import inspector from 'node:inspector';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { EventBus } from '../server/bus.js';
import { loadCityPack } from '../contract/citypack-load.js';
import { FeedHealthTracker } from '../server/ingest/health.js';
import { IngestRouter } from '../server/ingest/router.js';
import { Spool } from '../server/influx/spool.js';
import { PointWriter } from '../server/influx/writer.js';
import { Recorder } from '../server/influx/recorder.js';
import { createMetrics } from '../server/metrics.js';
import { Registry } from '../server/registry/registry.js';
import { Operations } from '../server/operations.js';
import { PushHub } from '../server/push/hub.js';
import { parseRules } from '../server/alerts/rules-config.js';
import { createLoadMessages } from '../simulators/load.js';
import { generateCityPack } from './lib/citypack.js';

const { values: a } = parseArgs({ options: { messages: { type: 'string', default: '200000' }, devices: { type: 'string', default: '1000' }, stage: { type: 'string' }, 'alloc-profile': { type: 'string' } } });
const N = Number(a.messages);
const devices = Number(a.devices);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const next = createLoadMessages(devices);
const t0 = Date.now();
const msgs = Array.from({ length: N }, (_, i) => {
  const m = next(i, t0 + Math.floor(i / 10));
  return { topic: m.topic, payload: Buffer.from(JSON.stringify(m.payload)) };
});

type Stage = 'parse' | 'registry' | 'recorder' | 'rules' | 'push' | 'all';
async function run(stage: Stage) {
  const log = pino({ level: 'silent' });
  const bus = new EventBus(log);
  const metrics = createMetrics();
  const pack = await loadCityPack(generateCityPack(devices));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-pipeline-'));
  // The sink does what the real one does before the network: fetch copies the body it is given.
  let bodyBytes = 0;
  const sink = { write: async (body: Uint8Array) => void (bodyBytes += new Uint8Array(body).length) };
  const writer = new PointWriter(new Spool(dir, { maxBytes: 2 ** 31 }), sink, { batchSize: 5000, flushMs: 1000, log, metrics });
  writer.open();
  writer.start();
  const registry = new Registry(bus, pack, 3_600_000, Date.now);
  const on = (s: Stage) => stage === s || stage === 'all';
  if (stage !== 'parse') registry.start();
  if (on('recorder')) new Recorder(bus, registry, writer, pack).start();
  const wf = new Operations({ bus, writer, journal: null, registry, pack, rules: parseRules({}), log, now: Date.now });
  if (on('rules')) {
    wf.start();
    wf.lead();
  }
  const hub = new PushHub({ bus, snapshot: () => ({}) as never, log, metrics, audienceOf: () => ({}) as never, middleware: (_s, n) => n(), onSocket: () => undefined });
  const httpServer = http.createServer();
  if (on('push')) hub.start(httpServer);
  // The hub sends on its own timer (15 ms with no screen open) and at the end of a turn of the
  // event loop, neither of which fires inside a synchronous loop: the loop gives the event loop
  // a turn every 150 messages (15 ms at 10k/s), as a broker's socket reads would.
  const turn = () => new Promise((r) => setImmediate(r));
  const router = new IngestRouter({ bus, health: new FeedHealthTracker(10), metrics, log, maxPayloadBytes: 4096, maxFutureSkewMs: 3_600_000 });
  const pass = async (from: number, to: number) => {
    writer.hold();
    for (let i = from; i < to; i++) {
      router.handle(msgs[i]!.topic, msgs[i]!.payload);
      if ((i & 15) === 15) writer.sync();
      if (i % 150 === 149 && on('push')) await turn();
    }
    writer.sync();
    writer.release();
  };
  await pass(0, Math.min(N, 20_000)); // warm-up
  gc!();
  // --alloc-profile <file>: a sampled profile of every allocation (collected ones included), for DevTools.
  const session = a['alloc-profile'] ? new inspector.Session() : null;
  const post = (method: string, params?: object) => new Promise<unknown>((res, rej) => session!.post(method, params ?? {}, (err, r) => (err ? rej(err) : res(r))));
  if (session) {
    session.connect();
    await post('HeapProfiler.startSampling', { samplingInterval: 8192, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  }
  const h0 = v8.getHeapStatistics();
  let allocated = 0;
  let counted = 0;
  let before = h0.used_heap_size;
  const tStart = process.cpuUsage();
  const chunk = 2000;
  for (let i = 20_000; i < N; i += chunk) {
    await pass(i, Math.min(N, i + chunk));
    // Let the writer's batch (sink promise, commit) complete, as the event loop would.
    await new Promise((r) => setImmediate(r));
    const u = v8.getHeapStatistics().used_heap_size;
    // A chunk with a GC in it says nothing about allocation: leave it out (run with a large
    // --max-semi-space-size so that few are).
    if (u >= before) {
      allocated += u - before;
      counted += Math.min(N, i + chunk) - i;
    }
    before = u;
  }
  const cpu = process.cpuUsage(tStart);
  const n = N - 20_000;
  if (session) {
    const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: unknown };
    fs.writeFileSync(a['alloc-profile']!, JSON.stringify(profile));
    session.disconnect();
  }
  await writer.stop(10);
  wf.stop();
  await hub.stop();
  registry.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  if (on('recorder') && bodyBytes === 0) throw new Error('the writer sent nothing: the drain is not measured');
  return { stage, usPerMsg: +((cpu.user + cpu.system) / n).toFixed(2), bytesPerMsg: Math.round(allocated / Math.max(1, counted)), chunksCounted: `${counted}/${n}` };
}

for (const s of (a.stage ? [a.stage] : ['parse', 'registry', 'recorder', 'rules', 'push', 'all']) as Stage[]) console.log(JSON.stringify(await run(s)));
process.exit(0);
