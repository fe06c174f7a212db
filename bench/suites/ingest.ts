/**
 * Ingest throughput: the load publisher → Mosquitto (QoS1) → the consumer
 * (our server, or the Node-RED flow) → InfluxDB. Every message is counted back
 * from InfluxDB per device; the consumer's CPU and RSS come from /proc.
 */
import { startServer, workDir, type ServerProc } from '../lib/server.js';
import { startPublisher } from '../lib/publisher.js';
import { sampleProc } from '../lib/proc.js';
import { expectedCounts, waitForDelivery } from '../lib/verify.js';
import type { Stack } from '../lib/stack.js';
import { startNodeRed } from '../lib/nodered.js';
import { readMetric } from '../lib/metrics.js';
import { clearSession } from '../lib/stack.js';

export interface IngestResult {
  consumer: 'server' | 'node-red';
  rate: number;
  durationS: number;
  devices: number;
  published: number;
  achievedRate: number;
  publishAckP99Ms: number;
  stored: number;
  missing: number;
  extra: number;
  duplicatesSeen: number | null;
  deliveredPct: number;
  drainMs: number;
  brokerDropped: number;
  cpuPct: number;
  peakRssMB: number;
  /** Every message stored, none dropped, the publisher kept the pace and the backlog drained within 10 s. */
  sustained: boolean;
}

export interface IngestOptions {
  stack: Stack;
  consumer: 'server' | 'node-red';
  rate: number;
  durationS: number;
  devices: number;
  cityPack: string;
  label: string;
  nodeArgs?: string[];
  log: (s: string) => void;
}

export async function runIngest(o: IngestOptions): Promise<IngestResult> {
  const db = `b_${o.label.replace(/\W/g, '_')}`;
  const influxUrl = o.stack.influxd.url;
  let server: ServerProc | null = null;
  let stopConsumer: () => Promise<void>;
  let pid: number;
  if (o.consumer === 'server') {
    server = await startServer({ mqttUrl: o.stack.mosquitto.url, influxUrl, cityPack: o.cityPack, spoolDir: workDir('spool'), database: db, clientId: `ioc-${db}`, nodeArgs: o.nodeArgs });
    pid = server.pid;
    // The server keeps a persistent session (clean: false); once it is gone, Mosquitto would
    // queue the next runs' messages for it and count them as drops at max_queued_messages.
    stopConsumer = async () => {
      await server!.stop();
      await clearSession(o.stack.mosquitto.url, `ioc-${db}`);
    };
  } else {
    const nr = await startNodeRed({ mqttUrl: o.stack.mosquitto.url, influxUrl, database: db });
    pid = nr.pid;
    stopConsumer = () => nr.stop();
  }
  try {
    const dropsBefore = await o.stack.brokerDropped();
    const proc = sampleProc(pid);
    const pub = startPublisher({ mqttUrl: o.stack.mosquitto.url, rate: o.rate, devices: o.devices, durationS: o.durationS, cityPack: o.cityPack });
    const summary = await pub.done;
    const exp = expectedCounts(summary.sent, o.devices);
    const d = await waitForDelivery(influxUrl, db, exp);
    const usage = proc.summary();
    const brokerDropped = (await o.stack.brokerDropped()) - dropsBefore;
    const duplicatesSeen = server ? await readMetric(server.url, 'ioc_ingest_duplicates_total') : null;
    const r: IngestResult = {
      consumer: o.consumer,
      rate: o.rate,
      durationS: o.durationS,
      devices: o.devices,
      published: summary.acked,
      achievedRate: summary.achievedRate,
      publishAckP99Ms: summary.ackLatencyMs.p99,
      stored: d.stored,
      missing: d.missing,
      extra: d.extra,
      duplicatesSeen,
      deliveredPct: d.deliveredPct,
      drainMs: d.drainMs,
      brokerDropped,
      cpuPct: usage.cpuPct,
      peakRssMB: usage.peakRssMB,
      sustained: d.missing === 0 && d.extra === 0 && brokerDropped === 0 && summary.errors === 0 && summary.achievedRate >= o.rate * 0.95 && d.drainMs <= 10_000,
    };
    o.log(`  ${o.consumer} @ ${o.rate}/s: achieved ${r.achievedRate}/s, delivered ${r.deliveredPct}% (missing ${r.missing}), drain ${r.drainMs} ms, drops ${r.brokerDropped}, CPU ${r.cpuPct}%, RSS ${r.peakRssMB} MB`);
    return r;
  } finally {
    await stopConsumer();
  }
}
