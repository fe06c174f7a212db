/**
 * Several servers, one picture (issue #21), with real processes on this machine: instances of
 * the bundle with CLUSTER=true on the stack's PostgreSQL and influxd, a Redis of their own and a
 * Mosquitto of their own with the in-flight window the cluster ships with (docker/mosquitto:
 * max_inflight_messages 1000; the leader acknowledges in batches of 500 once InfluxDB and
 * PostgreSQL hold them, MQTT_ACK_BATCH/MQTT_ACK_WAIT_MS as in docker-compose.yml).
 *
 * 1. Failover: two instances under a steady QoS 1 load; kill -9 the leader, time until the
 *    other says `leader` in /api/health (polled every 100 ms), restart the killed one (it
 *    rejoins as standby), settle, repeat. By design it is what was left of the dead leader's
 *    lease (LEADER_LEASE_MS, 4 s, from its last renewal; the standby tries the moment it runs
 *    out), plus connecting to the broker. Then, the load drained: messages lost (acknowledged
 *    by the broker − stored in InfluxDB) and alerts duplicated (PostgreSQL, per camera and kind).
 * 2. Alert latency to consoles spread over both instances, measured on each (the leader raises
 *    the alert; the standby's consoles get it relayed over Redis, checked against the event log).
 * 3. CPU and RSS of one instance alone (it leads) and of two (leader and standby) under a
 *    camera status load.
 */
import { fork } from 'node:child_process';
import mqtt from 'mqtt';
import path from 'node:path';
import { startMosquitto, type TestMosquitto } from '../../tests/harness/mosquitto.js';
import { startRedis, type TestRedis } from '../../tests/harness/redis.js';
import { startAlertTrickle } from '../lib/alerts.js';
import type { LoadArgs, LoadCounts } from '../lib/cluster-load-child.js';
import { startConsoles, type Consoles } from '../lib/consoles.js';
import { REPO } from '../lib/paths.js';
import { sampleProc } from '../lib/proc.js';
import { startPublisher } from '../lib/publisher.js';
import { startServer, workDir, type ServerProc } from '../lib/server.js';
import { clearSession, DROP_TOPIC, influxQuery, withDb, type Stack } from '../lib/stack.js';

type Lat = { n: number; p50: number; p95: number; p99: number; max: number };

export interface ClusterResult {
  failover?: {
    kills: number;
    /** kill -9 of the leader → the other instance's /api/health says `leader`, ms, one per kill. */
    failoverMs: number[];
    medianMs: number;
    maxMs: number;
    /** The killed instance back as standby, ms from its restart. */
    rejoinMs: number[];
    loadRate: number;
    achievedRate: number;
    published: { camera_status: number; detection: number };
    stored: { camera_status: number; detection: number };
    /** Published − stored, both measurements (negative: stored more than published). */
    lost: number;
    /** ms from the end of the load until InfluxDB held everything (or gave up waiting). */
    drainMs: number;
    /** (camera, kind) pairs the load published, pairs with an alert, alerts beyond one per pair. */
    pairs: number;
    pairsAlerted: number;
    duplicated: number;
    /** Publishes Mosquitto dropped meanwhile ($SYS): a queue that overflowed, not the servers. */
    brokerDropped: number;
  };
  consoles?: {
    consoles: number;
    loadRate: number;
    durationS: number;
    alertsSent: number;
    /** Per instance: the alert latency its measuring consoles saw (the rest ran at nice 19). */
    byRole: { role: string; instance: string; consoles: number; connected: number; measuring: number; alerts: Lat; rigAlertsP95: number; cpuPct: number; rssMB: number }[];
  };
  resources?: {
    rate: number;
    durationS: number;
    rows: { setup: string; role: string; cpuPct: number; peakRssMB: number; achievedRate: number; published: number; stored: number; brokerDropped: number; server: ServerCounters | null }[];
  };
  /** Parts that failed, with why: the others' figures are still reported. */
  errors: { part: string; error: string }[];
}

export interface ClusterOptions {
  stack: Stack;
  cityPack: string;
  /** Devices of the pack (70% cameras). */
  devices: number;
  kills: number;
  /** Steady time after each rejoin before the next kill, s. */
  settleS: number;
  failoverRate: number;
  consoles: number;
  consolesRate: number;
  consolesS: number;
  resourcesRate: number;
  resourcesS: number;
  log: (s: string) => void;
}

/** The instance's own counters over its life (GET /metrics), to tell where missing points went. */
export interface ServerCounters {
  /** Messages the router took (ioc_ingest_messages_total, all feeds). */
  received: number;
  duplicates: number;
  rejected: number;
  pointsWritten: number;
  queuedPoints: number;
  spoolDropped: number;
}

async function counters(s: ServerProc): Promise<ServerCounters | null> {
  try {
    const text = await (await fetch(`${s.url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    const sum = (name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `)).reduce((a, l) => a + Number(l.trim().split(/\s+/).at(-1)), 0);
    return { received: sum('ioc_ingest_messages_total'), duplicates: sum('ioc_ingest_duplicates_total'), rejected: sum('ioc_ingest_rejected_total'), pointsWritten: sum('ioc_influx_points_written_total'), queuedPoints: sum('ioc_influx_queue_points'), spoolDropped: sum('ioc_spool_dropped_points_total') };
  } catch {
    return null;
  }
}

/** Mosquitto's cumulative drop counter, as $SYS publishes it every second. */
async function brokerDrops(url: string): Promise<{ now(): Promise<number>; stop(): Promise<void> }> {
  const c = await mqtt.connectAsync(url, { clientId: `bench-cluster-sys-${process.pid}`, reconnectPeriod: 500 });
  let dropped = 0;
  c.on('message', (_t, p) => (dropped = Number(p.toString())));
  await c.subscribeAsync(DROP_TOPIC, { qos: 0 });
  return {
    // One $SYS tick later, so the value covers what just happened.
    now: async () => {
      await new Promise((r) => setTimeout(r, 1500));
      return dropped;
    },
    stop: () => c.endAsync(true).catch(() => undefined),
  };
}

const SECRET = 'bench-cluster-signing-key-0123456789abcdef';
const DETECTIONS_PER_S = 8;

interface Cluster {
  instances: Record<string, ServerProc>;
  start(id: string): Promise<ServerProc>;
  stop(): Promise<void>;
}

/** Instances of one cluster: one PostgreSQL database, InfluxDB database, leader session and auth folder. */
async function clusterOf(o: ClusterOptions, mosq: TestMosquitto, redis: TestRedis, name: string): Promise<Cluster> {
  const dir = workDir(`cluster-${name}`);
  const databaseUrl = await o.stack.createDatabase(`cluster_${name}`);
  const leaderSession = `ioc-bench-${name}-leader`;
  const instances: Record<string, ServerProc> = {};
  return {
    instances,
    async start(id) {
      const s = await startServer({
        mqttUrl: mosq.url,
        influxUrl: o.stack.influxd.url,
        cityPack: o.cityPack,
        spoolDir: path.join(dir, `spool-${id}`),
        database: `cluster_${name}`,
        databaseUrl,
        clientId: `ioc-bench-${name}`,
        env: {
          CLUSTER: 'true',
          INSTANCE_ID: id,
          REDIS_URL: redis.url,
          AUTH_SECRET: SECRET,
          AUTH_DIR: path.join(dir, 'auth'),
          MQTT_CLUSTER_CLIENT_ID: leaderSession,
          // docker-compose.yml's cluster: half of max_inflight_messages, so the next batch arrives while one is stored.
          MQTT_ACK_BATCH: '500',
          MQTT_ACK_WAIT_MS: '20',
        },
      });
      instances[id] = s;
      return s;
    },
    async stop() {
      await Promise.all(Object.values(instances).map((s) => s.stop()));
      await clearSession(mosq.url, leaderSession).catch(() => undefined);
    },
  };
}

interface ClusterHealth {
  cluster: { role: string; leader: string | null };
}

async function health(s: ServerProc): Promise<ClusterHealth | null> {
  try {
    return (await (await fetch(`${s.url}/api/health`, { signal: AbortSignal.timeout(1000) })).json()) as ClusterHealth;
  } catch {
    return null;
  }
}

/** Polls /api/health every 100 ms until `ok`; the ms it took, or null after `timeoutMs`. */
async function until(s: ServerProc, ok: (h: ClusterHealth) => boolean, timeoutMs: number, from = Date.now()): Promise<number | null> {
  for (;;) {
    const h = await health(s);
    if (h && ok(h)) return Date.now() - from;
    if (Date.now() - from > timeoutMs) return null;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const isLeader = (h: ClusterHealth) => h.cluster.role === 'leader';
/** A standby that knows who leads (it read the lease row). */
const isStandby = (h: ClusterHealth) => h.cluster.role === 'standby' && !!h.cluster.leader;

async function need(what: Promise<number | null>, message: string, s: ServerProc): Promise<number> {
  const ms = await what;
  if (ms === null) throw new Error(`${message}:\n${s.stderrTail().slice(-1500)}`);
  return ms;
}

/** The load child (bench/lib/cluster-load-child.ts); stop() ends it and gives what the broker acknowledged. */
async function startLoad(args: LoadArgs): Promise<{ pid: number; stop(): Promise<LoadCounts>; done: Promise<LoadCounts> }> {
  const c = fork(path.join(REPO, 'bench', 'lib', 'cluster-load-child.ts'), [JSON.stringify(args)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const done = new Promise<LoadCounts>((resolve, reject) => {
    c.on('message', (m: { done?: LoadCounts }) => m.done && resolve(m.done));
    c.once('exit', (code) => reject(new Error(`cluster load child exited (${code}) without its counts`)));
  });
  await new Promise<void>((resolve, reject) => {
    c.once('message', () => resolve());
    c.once('exit', (code) => reject(new Error(`cluster load child exited (${code})`)));
  });
  return {
    pid: c.pid!,
    done,
    stop: () => {
      c.send({ cmd: 'stop' });
      return done;
    },
  };
}

async function influxCount(o: ClusterOptions, db: string, measurement: string): Promise<number> {
  const series = await influxQuery(o.stack.influxd.url, db, `SELECT count("seq") FROM "raw"."${measurement}"`).catch(() => []);
  return Number(series[0]?.values[0]?.[1] ?? 0);
}

/**
 * Waits until InfluxDB holds `want` points of each measurement, or nothing has moved for 60 s: a
 * leader acknowledges only what InfluxDB took, so a slow influxd on a busy machine holds points
 * back for a while, and giving up early would count them as lost.
 */
async function drained(o: ClusterOptions, db: string, want: Record<string, number>): Promise<{ stored: Record<string, number>; ms: number }> {
  const t0 = Date.now();
  let last = -1;
  let movedAt = Date.now();
  for (;;) {
    const stored: Record<string, number> = {};
    for (const m of Object.keys(want)) stored[m] = await influxCount(o, db, m);
    const total = Object.values(stored).reduce((x, y) => x + y, 0);
    if (Object.keys(want).every((m) => stored[m]! >= want[m]!)) return { stored, ms: Date.now() - t0 };
    if (total !== last) {
      last = total;
      movedAt = Date.now();
    }
    if (Date.now() - movedAt > 60_000) return { stored, ms: Date.now() - t0 };
    await new Promise((r) => setTimeout(r, 500));
  }
}

const median = (v: number[]) => {
  const s = [...v].sort((x, y) => x - y);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2]! : Math.round((s[s.length / 2 - 1]! + s[s.length / 2]!) / 2)) : NaN;
};

/** Two instances; the first leads. */
async function pair(c: Cluster): Promise<[ServerProc, ServerProc]> {
  const a = await c.start('a');
  await need(until(a, isLeader, 20_000), 'instance a never led', a);
  const b = await c.start('b');
  await need(until(b, isStandby, 20_000), 'instance b never became a standby', b);
  return [a, b];
}

async function runFailover(o: ClusterOptions, mosq: TestMosquitto, redis: TestRedis): Promise<NonNullable<ClusterResult['failover']>> {
  const c = await clusterOf(o, mosq, redis, 'failover');
  const db = 'cluster_failover';
  try {
    const [a, b] = await pair(c);
    const drops = await brokerDrops(mosq.url);
    const drops0 = await drops.now();
    const load = await startLoad({ url: mosq.url, rate: o.failoverRate, cameras: Math.ceil(o.devices * 0.7), detectionsPerS: DETECTIONS_PER_S, seqBase: 0, durationS: 0 });
    const failoverMs: number[] = [];
    const rejoinMs: number[] = [];
    let leader = a;
    let standby = b;
    let counts: LoadCounts;
    try {
      await new Promise((r) => setTimeout(r, o.settleS * 1000));
      for (let k = 0; k < o.kills; k++) {
        const id = leader === c.instances.a ? 'a' : 'b';
        const killedAt = Date.now();
        await leader.kill9();
        const ms = await need(until(standby, isLeader, 30_000, killedAt), `kill ${k + 1}: the standby never took the lead within 30 s`, standby);
        failoverMs.push(ms);
        // The killed one comes back on its spool and the shared database, as a standby.
        const t0 = Date.now();
        const back = await c.start(id);
        rejoinMs.push(await need(until(back, isStandby, 30_000, t0), `kill ${k + 1}: ${id} did not rejoin as standby`, back));
        o.log(`  kill ${k + 1}: ${id} killed, the other led after ${ms} ms; ${id} back as standby after ${rejoinMs.at(-1)} ms`);
        [leader, standby] = [standby, back];
        await new Promise((r) => setTimeout(r, o.settleS * 1000));
      }
    } finally {
      counts = await load.stop();
    }
    const published = { camera_status: counts.statuses, detection: counts.detections };
    const d = await drained(o, db, published);
    const stored = { camera_status: d.stored.camera_status!, detection: d.stored.detection! };
    const brokerDropped = (await drops.now()) - drops0;
    await drops.stop();
    const rows = await withDb(c.instances.a!.databaseUrl, (pg) =>
      pg.query<{ pair: string; n: number }>(`SELECT regexp_replace(dedupe_key, ':[0-9]+$', '') AS pair, count(*)::int AS n FROM alerts WHERE rule IN ('detection_accident', 'detection_fire_smoke') GROUP BY 1`),
    );
    const r: NonNullable<ClusterResult['failover']> = {
      kills: failoverMs.length,
      failoverMs,
      medianMs: median(failoverMs),
      maxMs: Math.max(...failoverMs),
      rejoinMs,
      loadRate: o.failoverRate,
      achievedRate: counts.achievedRate,
      published,
      stored,
      lost: published.camera_status + published.detection - stored.camera_status - stored.detection,
      drainMs: d.ms,
      pairs: counts.pairs,
      pairsAlerted: rows.rows.length,
      duplicated: rows.rows.reduce((x, row) => x + row.n - 1, 0),
      brokerDropped,
    };
    o.log(`  failover median ${r.medianMs} ms, max ${r.maxMs} ms; published ${published.camera_status}+${published.detection}, stored ${stored.camera_status}+${stored.detection} (lost ${r.lost}, drain ${r.drainMs} ms, broker drops ${brokerDropped}); ${r.pairs} pairs, ${r.pairsAlerted} alerted, ${r.duplicated} duplicated`);
    return r;
  } finally {
    await c.stop();
  }
}

/** Consoles on one instance: `measuring` at normal priority, the rest at nice 19 (screens on other machines). */
async function consolesOn(s: ServerProc, n: number, measuring: number): Promise<{ measure: Consoles; rig: Consoles | null }> {
  const measure = await startConsoles(s.url, Math.min(n, measuring), s.token);
  const rig = n > measuring ? await startConsoles(s.url, n - measuring, s.token, 250, 19) : null;
  return { measure, rig };
}

async function runConsoles(o: ClusterOptions, mosq: TestMosquitto, redis: TestRedis): Promise<NonNullable<ClusterResult['consoles']>> {
  const c = await clusterOf(o, mosq, redis, 'consoles');
  const held: Consoles[] = [];
  let trickle: Awaited<ReturnType<typeof startAlertTrickle>> | null = null;
  try {
    const [a, b] = await pair(c);
    const per = Math.floor(o.consoles / 2);
    const measuring = 10;
    const on = [
      { role: 'leader', instance: 'a', server: a, ...(await consolesOn(a, per, measuring)) },
      { role: 'standby', instance: 'b', server: b, ...(await consolesOn(b, o.consoles - per, measuring)) },
    ];
    for (const x of on) held.push(x.measure, ...(x.rig ? [x.rig] : []));
    // New alerts, each on a camera of its own: a repeat of an open alert reaches a standby only when the leader writes it (every 10 s at most).
    trickle = await startAlertTrickle(mosq.url, 10, { distinct: true });
    await new Promise((r) => setTimeout(r, 1000));
    const sentBefore = trickle.sent();
    for (const x of on) {
      x.measure.reset(sentBefore);
      x.rig?.reset(sentBefore);
    }
    const procs = on.map((x) => sampleProc(x.server.pid));
    const pub = startPublisher({ mqttUrl: mosq.url, rate: o.consolesRate, devices: o.devices, durationS: o.consolesS, cityPack: o.cityPack });
    await pub.done;
    const sentAfter = trickle.sent();
    const usage = procs.map((p) => p.summary());
    const alertsSent = sentAfter - sentBefore;
    const byRole: NonNullable<ClusterResult['consoles']>['byRole'] = [];
    for (const [i, x] of on.entries()) {
      // Late alerts count as latency, not as missing: wait (up to 30 s) until each measuring console has them all.
      let rep = await x.measure.report(sentAfter);
      for (const end = Date.now() + 30_000; rep.alerts.n < alertsSent * rep.connected && Date.now() < end; ) {
        await new Promise((r) => setTimeout(r, 500));
        rep = await x.measure.report(sentAfter);
      }
      const rig = x.rig ? await x.rig.report(sentAfter) : null;
      byRole.push({
        role: x.role,
        instance: x.instance,
        consoles: i === 0 ? per : o.consoles - per,
        connected: rep.connected + (rig?.connected ?? 0),
        measuring: rep.connected,
        alerts: rep.alerts.summary(),
        rigAlertsP95: rig ? rig.alerts.pct(95) : NaN,
        cpuPct: usage[i]!.cpuPct,
        rssMB: usage[i]!.peakRssMB,
      });
      const r = byRole.at(-1)!;
      o.log(`  ${x.role} (${x.instance}): ${r.connected} consoles; alerts p50 ${r.alerts.p50} p95 ${r.alerts.p95} p99 ${r.alerts.p99} ms (n=${r.alerts.n} of ${alertsSent} × ${r.measuring}); the rest at nice 19: p95 ${r.rigAlertsP95} ms; CPU ${r.cpuPct}%, RSS ${r.rssMB} MB`);
    }
    return { consoles: o.consoles, loadRate: o.consolesRate, durationS: o.consolesS, alertsSent, byRole };
  } finally {
    await trickle?.stop();
    await Promise.all(held.map((h) => h.stop()));
    await c.stop();
  }
}

async function runResources(o: ClusterOptions, mosq: TestMosquitto, redis: TestRedis): Promise<NonNullable<ClusterResult['resources']>> {
  const c = await clusterOf(o, mosq, redis, 'resources');
  const db = 'cluster_resources';
  const rows: NonNullable<ClusterResult['resources']>['rows'] = [];
  const cameras = Math.ceil(o.devices * 0.7);
  try {
    /** One load run, sampling every instance given; stored = what InfluxDB gained. */
    const drops = await brokerDrops(mosq.url);
    const measure = async (setup: string, on: { role: string; s: ServerProc }[], seqBase: number) => {
      const before = await influxCount(o, db, 'camera_status');
      const drops0 = await drops.now();
      const procs = on.map((x) => sampleProc(x.s.pid));
      const load = await startLoad({ url: mosq.url, rate: o.resourcesRate, cameras, detectionsPerS: 0, seqBase, durationS: o.resourcesS });
      const counts = await load.done;
      const usage = procs.map((p) => p.summary());
      const d = await drained(o, db, { camera_status: before + counts.statuses });
      const brokerDropped = (await drops.now()) - drops0;
      for (const [i, x] of on.entries()) {
        const server = x.role === 'leader' ? await counters(x.s) : null;
        rows.push({ setup, role: x.role, cpuPct: usage[i]!.cpuPct, peakRssMB: usage[i]!.peakRssMB, achievedRate: counts.achievedRate, published: counts.statuses, stored: d.stored.camera_status! - before, brokerDropped, server });
        o.log(`  ${setup}, ${x.role}: CPU ${usage[i]!.cpuPct}%, peak RSS ${usage[i]!.peakRssMB} MB at ${counts.achievedRate} msg/s; stored ${d.stored.camera_status! - before} of ${counts.statuses} (${d.ms} ms to drain), broker drops ${brokerDropped}${server ? `; the leader's counters so far: received ${server.received}, duplicates ${server.duplicates}, rejected ${server.rejected}, points written ${server.pointsWritten}, queued ${server.queuedPoints}, spool dropped ${server.spoolDropped}` : ''}`);
      }
    };
    const a = await c.start('a');
    await need(until(a, isLeader, 20_000), 'instance a never led', a);
    await measure('1 instance', [{ role: 'leader', s: a }], 0);
    const b = await c.start('b');
    await need(until(b, isStandby, 20_000), 'instance b never became a standby', b);
    // Seqs go on from the first run's: a device's counter starting over would read as repeats.
    await measure('2 instances', [{ role: 'leader', s: a }, { role: 'standby', s: b }], 10_000_000);
    await drops.stop();
    return { rate: o.resourcesRate, durationS: o.resourcesS, rows };
  } finally {
    await c.stop();
  }
}

export async function runCluster(o: ClusterOptions): Promise<ClusterResult> {
  const [mosq, redis] = await Promise.all([startMosquitto({ extraConfig: 'max_inflight_messages 1000' }), startRedis()]);
  const res: ClusterResult = { errors: [] };
  // One failing part must not lose the others' figures.
  const part = async <T>(name: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (err) {
      o.log(`  cluster ${name} FAILED: ${(err as Error).message}`);
      res.errors.push({ part: name, error: (err as Error).message.slice(0, 2000) });
      return undefined;
    }
  };
  try {
    o.log(`cluster 1/3: failover, ${o.kills} kills of the leader at ${o.failoverRate} msg/s`);
    res.failover = await part('failover', () => runFailover(o, mosq, redis));
    o.log(`cluster 2/3: ${o.consoles} consoles over 2 instances at ${o.consolesRate} msg/s`);
    res.consoles = await part('consoles', () => runConsoles(o, mosq, redis));
    o.log(`cluster 3/3: CPU and RSS, 1 and 2 instances at ${o.resourcesRate} msg/s`);
    res.resources = await part('resources', () => runResources(o, mosq, redis));
    return res;
  } finally {
    await Promise.allSettled([mosq.stop(), redis.stop()]);
  }
}
