/**
 * What GET /api/health answers: every part's state, and what an operator should do something
 * about, in plain words (docs/operations.md). Secrets in URLs and errors are masked.
 */
import type { InfluxDB } from 'influx';
import type { Config } from '../config.js';
import type { EventFollower } from '../cluster/follower.js';
import type { LeaderLease } from '../cluster/lease.js';
import type { RedisLink } from '../cluster/redis.js';
import type { Role } from '../cluster/roles.js';
import type { Journal } from '../db/journal.js';
import { pingInflux } from '../influx/client.js';
import type { PointWriter } from '../influx/writer.js';
import type { PushHub } from '../push/hub.js';
import { redactText, redactUrl } from '../redact.js';
import type { HealthReport } from './api.js';

const redactNullable = (s: string | null): string | null => (s === null ? null : redactText(s));

export interface HealthSources {
  config: Config;
  version: string;
  now: () => number;
  startedAt: number;
  /** The MQTT feed: its connection, and this server's role. */
  feed: { status(): { connected: boolean; url: string; error: string | null }; readonly role: Role; readonly since: number | null };
  brokerEmbedded: boolean;
  influx: InfluxDB;
  influxUrl: string;
  influxLocal: boolean;
  writer: PointWriter;
  journal: Journal;
  database: { url: string; external: boolean };
  lease: () => LeaderLease | null;
  follower: EventFollower | null;
  redis: RedisLink | null;
  push: PushHub;
}

type ClusterReport = Omit<HealthReport['cluster'], 'peers'>;

/** Which instance leads, as this one knows it (the lease row, read at every renewal). */
function clusterReport(s: HealthSources): ClusterReport {
  const { config, feed, redis } = s;
  const l = s.lease()?.status();
  const role = feed.role;
  return {
    enabled: config.CLUSTER,
    instance: config.INSTANCE_ID,
    role,
    leading: role === 'leader',
    leader: l ? l.leader : role === 'leader' ? config.INSTANCE_ID : null,
    leaderUrl: l ? l.leaderUrl : null,
    token: l ? l.token : null,
    roleSince: feed.since,
    followedSeq: s.follower?.lastSeq ?? null,
    redis: redis ? { connected: redis.connected(), error: redis.connected() ? null : redis.lastError() } : null,
  };
}

/** Every instance reachable over the adapter, with the screens it serves (this one first). */
async function peers(s: HealthSources): Promise<HealthReport['cluster']['peers']> {
  const io = s.push.server;
  const self = { instance: s.config.INSTANCE_ID, role: s.feed.role, consoles: io.engine.clientsCount };
  if (!s.redis?.connected()) return [self];
  // The adapter answers when every server it knows of has; a silent one is left out after 1 s.
  let timer: NodeJS.Timeout | undefined;
  const others = await Promise.race([
    io.serverSideEmitWithAck('cluster:consoles').catch(() => []),
    new Promise<never[]>((r) => (timer = setTimeout(() => r([]), 1000))),
  ]).finally(() => clearTimeout(timer));
  return [self, ...others.sort((a, b) => a.instance.localeCompare(b.instance))];
}

export function healthReporter(s: HealthSources): () => Promise<HealthReport> {
  const { config } = s;
  return async () => {
    const mq = s.feed.status();
    const w = s.writer.status();
    const ping = await pingInflux(s.influx);
    const reachable = ping === null;
    const fullPct = Math.round((w.spoolBytes / (config.SPOOL_MAX_MB * 1024 * 1024)) * 1000) / 10;
    const db = s.journal.snapshot();
    // What an operator should do something about, in plain words.
    const warnings: string[] = [];
    if (!mq.connected) warnings.push(redactText(`MQTT broker not connected: ${mq.error ?? 'unknown'}`));
    if (!reachable) warnings.push(redactText(`InfluxDB not reachable: ${ping ?? 'unknown'}; points wait in the spool`));
    if (fullPct >= 50) warnings.push(`spool ${fullPct}% full (${w.queued} points waiting for InfluxDB)`);
    if (w.dropped > 0) warnings.push(`spool full: ${w.dropped} points dropped`);
    const cl = clusterReport(s);
    if (cl.enabled && !cl.leader) warnings.push('no instance leads the cluster: nothing is ingested and no rule runs until one takes the lease');
    if (cl.redis && !cl.redis.connected) warnings.push(redactText(`Redis not reachable: ${cl.redis.error ?? 'unknown'}; each instance serves its own screens, cross-instance operations wait`));
    if (!db.available) warnings.push(redactText(`PostgreSQL not answering: ${db.lastError ?? 'unknown'}; commands are refused, ${db.pending} changes wait to be written`));
    return {
      status: warnings.length === 0 ? 'ok' : 'degraded',
      warnings,
      version: s.version,
      uptimeS: Math.round((s.now() - s.startedAt) / 1000),
      broker: { ...mq, url: redactUrl(mq.url), error: mq.error === null ? null : redactText(mq.error), embedded: s.brokerEmbedded },
      influx: {
        reachable,
        url: redactUrl(s.influxUrl),
        local: s.influxLocal,
        queued: w.queued,
        spoolBytes: w.spoolBytes,
        spoolFullPct: fullPct,
        dropped: w.dropped,
        lastError: redactNullable(ping ?? w.lastError),
      },
      database: { reachable: db.available, url: redactUrl(s.database.url), local: !s.database.external, pending: db.pending, downSince: db.downSince, lastError: redactNullable(db.lastError) },
      cluster: { ...cl, peers: await peers(s) },
    };
  };
}
