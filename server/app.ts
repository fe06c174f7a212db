/**
 * createApp(config, deps) builds the app and returns { start, stop }: the composition root.
 * start() brings the components up in data-path order (the files the operator configured →
 * PostgreSQL → people → broker → InfluxDB → the picture → push → HTTP → the MQTT feed) and
 * stop() takes them down in reverse, so a test can build several apps in one process. Each
 * component's stop is registered before its start, so a start that fails half-way is undone.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Express } from 'express';
import type { InfluxDB } from 'influx';
import type { CityPack, Snapshot } from '../contract/index.js';
import { loadCityPack } from '../contract/citypack-load.js';
import { ROOT } from '../contract/root.js';
import { SUBSCRIPTIONS } from '../contract/index.js';
import { loadRules } from './alerts/rules-config.js';
import { createAuthService, ensureAdmin } from './auth/bootstrap.js';
import type { AuthService } from './auth/service.js';
import { SocketGate } from './auth/socket.js';
import { Broker, serverClientId } from './broker/broker.js';
import { EventBus } from './bus.js';
import { Feed } from './cluster/feed.js';
import { EventFollower } from './cluster/follower.js';
import { LeaderLease } from './cluster/lease.js';
import { connectRedis } from './cluster/redis.js';
import { ChangeRelay } from './cluster/relay.js';
import type { Config } from './config.js';
import type { AccountsDb } from './db/accounts-sync.js';
import { importLegacy, type ImportSources } from './db/import.js';
import type { DbRejectedError, JournalEntry } from './db/journal.js';
import { loadStreams, type StreamType } from './db/sor.js';
import { SystemOfRecord } from './db/system-of-record.js';
import { checkBasemapArchive } from './http/basemap.js';
import { consoleHttpApp } from './http/console-app.js';
import { healthReporter } from './http/health-report.js';
import { HttpListener } from './http/listener.js';
import type { HealthReport } from './http/api.js';
import { InfluxStorage } from './influx/storage.js';
import { loadIndicators } from '../contract/indicators-load.js';
import { Indicators } from './indicators/indicators.js';
import { vcRules } from './alerts/rules/vc.js';
import { VcBoard } from './vc/board.js';
import type { PointWriter } from './influx/writer.js';
import { loadFrigateMapping } from './ingest/frigate/mapping.js';
import type { FeedHealthTracker } from './ingest/health.js';
import { FeedHealthPush } from './ingest/health-push.js';
import { createIngestTokens, type IngestTokens } from './ingest/tokens.js';
import { createLogger, type Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import { buildDesk } from './desk.js';
import { createVideo } from './video/video.js';
import type { Operations } from './operations.js';
import { PushHub } from './push/hub.js';
import type { Registry } from './registry/registry.js';
import { restorePicture } from './restore.js';
import { readTls } from './tls.js';

export const VERSION: string = (
  JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

export interface AppDeps {
  log?: Logger;
  now?: () => number;
}

/** What a running app exposes to tests and to the entry point. */
export interface RunningApp {
  url: string;
  mqttUrl: string;
  /** Where a client on this machine reaches the broker: the embedded broker's plain loopback listener, or MQTT_URL. */
  localMqttUrl: string;
  /** The demo simulators' MQTT user on the embedded broker with device authentication (password SIM_MQTT_PASSWORD); null: they connect without one. */
  simulatorUsername: string | null;
  influxUrl: string;
  pack: CityPack;
  bus: EventBus;
  registry: Registry;
  writer: PointWriter;
  influx: InfluxDB;
  health: FeedHealthTracker;
  push: PushHub;
  metrics: Metrics;
  operations: Operations;
  /** People and sessions (server/auth). */
  auth: AuthService;
  /** The Express app: its own route table is what the security tests enumerate (server/http/paths.ts). */
  httpApp: Express;
  /** Who may push into /api/ingest/* (server/ingest/tokens.ts). */
  ingestTokens: IngestTokens;
  healthReport(): Promise<HealthReport>;
}

export interface App {
  start(): Promise<RunningApp>;
  stop(): Promise<void>;
}

/** A part of the app with a life of its own: start() brings it up and says what it offers; stop() takes it down. */
interface Component<T> {
  start(): Promise<T>;
  stop(): Promise<void> | void;
}

export function createApp(config: Config, deps: AppDeps = {}): App {
  // Every line and every series says which instance it comes from (docs/operations.md).
  const log = (deps.log ?? createLogger(config.LOG_LEVEL)).child({ instance: config.INSTANCE_ID });
  const now = deps.now ?? Date.now;
  const metrics = createMetrics();
  // `instance_id`, not `instance`: Prometheus sets `instance` to the scrape target itself.
  if (config.CLUSTER) metrics.registry.setDefaultLabels({ instance_id: config.INSTANCE_ID });
  const bus = new EventBus(log.child({ module: 'bus' }));
  const startedAt = now();
  const stops: (() => Promise<void> | void)[] = [];
  /** Run at stop, in reverse order of registration. */
  const onStop = (fn: () => Promise<void> | void) => void stops.push(fn);
  /** Its stop first, so that a start that fails half-way is undone too. */
  const run = <T>(c: Component<T>): Promise<T> => {
    onStop(() => c.stop());
    return c.start();
  };

  async function start(): Promise<RunningApp> {
    try {
      return await startAll();
    } catch (err) {
      await stop();
      throw err;
    }
  }

  async function startAll(): Promise<RunningApp> {
    // 1. Every file the operator configured is checked before anything starts.
    const pack = await loadCityPack(config.CITY_PACK);
    const rules = loadRules(config.RULES_FILE);
    const frigateMapping = config.FRIGATE_MAP ? await loadFrigateMapping(config.FRIGATE_MAP) : null;
    if (config.BASEMAP_PMTILES) log.info({ file: config.BASEMAP_PMTILES, ...(await checkBasemapArchive(config.BASEMAP_PMTILES)) }, 'offline basemap');
    const indicatorDefs = loadIndicators(config.INDICATORS_FILE);
    const tls = readTls(config);
    log.info({ city: pack.meta.name, cameras: pack.sites.cameras.length, stations: pack.sites.stations.length }, 'city pack loaded');

    // 2. PostgreSQL, the system of record. The journal's fence and its refusals are bound below,
    // once the lease and the picture they concern exist.
    let lease: LeaderLease | null = null;
    let onRejected: (entries: JournalEntry[], err: DbRejectedError) => void = () => undefined;
    const sor = await run(
      new SystemOfRecord(config, { log, metrics, now, fence: () => lease?.fence() ?? null, onRejected: (entries, err) => onRejected(entries, err) }),
    );
    const { pool, journal } = sor;
    const accounts: AccountsDb = { pool, journal, log: log.child({ module: 'accounts' }), timeoutMs: config.DB_COMMAND_TIMEOUT_MS, onStop };
    // An installation from before PostgreSQL: its files are imported once, before anyone logs in
    // (the InfluxDB event log once InfluxDB answers, in restorePicture). docs/storage.md, "Upgrading".
    const legacy: Omit<ImportSources, 'influx'> = {
      authFile: path.join(config.AUTH_DIR, 'users.json'),
      ingestTokensFile: path.join(config.AUTH_DIR, 'ingest-tokens.json'),
      devicesFile: config.DEVICE_REGISTRY,
    };
    await importLegacy(pool, { ...legacy, influx: null }, log.child({ module: 'import' }));

    // 3. People: users, sessions, display tokens (server/auth), no default password ever; and ingest
    // tokens: /api/ingest/* is off until an admin issues one (issue #19).
    const auth = await createAuthService(config, { log: log.child({ module: 'auth' }), knownUnits: new Set(pack.sites.units.map((u) => u.id)), now, db: accounts });
    await ensureAdmin(auth, log.child({ module: 'auth' }), undefined, config.ADMIN_PASSWORD_FILE);
    const ingestTokens = await createIngestTokens({ log: log.child({ module: 'ingest-tokens' }), now, db: accounts });

    // 4. The broker: embedded aedes unless an external one is configured.
    const broker = await run(new Broker(config, { log, metrics, accounts, tls: tls.mqtt }));

    // 5. InfluxDB: a supervised local influxd unless an external one is configured; its schema is ready.
    const storage = await run(new InfluxStorage(config, { log, metrics }));
    const { influx, writer } = storage;

    // 6. The domain, from ingest to the incident desk (constructors only: no I/O).
    const desk = buildDesk({ config, pack, rules, frigateMapping, bus, writer, journal, devices: broker.devices, metrics, log, now });
    const { registry, recorder, operations, commands, health, router } = desk;
    // Live video and evidence (docs/video.md): evidence images arrive on the cameras' snapshot topic.
    const video = createVideo({ config, pack, auth, operations, pool, metrics, log, now });
    router.registerForeign('cameraSnapshot', video.evidence.handler());
    // Video-conference points: their statuses (checked against the city pack), the meetings, the rules.
    const vc = new VcBoard({ pack, bus, pool, staleMs: config.DEVICE_STALE_S * 1000, stations: () => registry.stations.values(), links: () => registry.links.values(), log: log.child({ module: 'vc' }), now });
    router.registerCheck('vcStatus', (id) => (vc.knows(id) ? null : { reason: 'unknown_point', detail: `no video-conference point ${id.slice(0, 64)} in the city pack` }));
    operations.rules.extend((ctx) => vcRules(ctx, vc));
    await run({ start: () => vc.start(), stop: () => vc.stop() });

    // 7. The picture: every device, every open alert and incident, then live.
    const followFrom = await restorePicture({ influx, writer, registry, pool, operations, legacy, log, now });
    registry.start();
    onStop(() => registry.stop());
    onStop(() => recorder.stop());
    operations.start();
    onStop(() => operations.stop());
    await run(video);
    let feedLeads = () => false;
    // Digital-government indicators: values over MQTT (checked at the router) and HTTP, computed ones sampled.
    const indicators = new Indicators({
      defs: indicatorDefs,
      influx,
      bus,
      timeZone: pack.meta.timezone,
      stations: () => registry.stations.values(),
      links: () => registry.links.values(),
      // The feed exists from step 10 on; a sample before it (a sub-second window at start) is skipped.
      leads: () => !config.CLUSTER || feedLeads(),
      sampleMs: config.INDICATOR_SAMPLE_S * 1000,
      log: log.child({ module: 'indicators' }),
      now,
    });
    router.registerCheck('kpiValue', (id, p) => indicators.refusal(id, p));
    await run({ start: () => indicators.start(), stop: () => indicators.stop() });

    // 8. A refused write (another server's version won, or this one no longer leads): this server's
    // copy of those streams is re-read from the database, and pushed. In a cluster every server
    // follows the event log, so the others' changes reach its picture; the leader's reach the
    // standbys at once over Redis (server/cluster/relay.ts).
    let relay: ChangeRelay | null = null;
    const reread = async (ids: { stream: StreamType; id: string }[]) => {
      for (const r of await loadStreams(pool, ids)) {
        if (r.state) {
          operations.adopt(r.stream, r.state, true);
          relay?.corrected(r.stream, r.state);
        } else {
          operations.forget(r.stream, r.id);
          relay?.forgotten(r.stream, r.id);
        }
      }
    };
    onRejected = (entries, err) => {
      // Only a refusal under the lease this server holds now deposes it: entries kept from an
      // earlier term (written once the database returned) are refused without touching this one.
      const f = lease?.fence();
      if (err.fenced && f && err.fence === `${f.holder} ${f.token}`) feed.stepDown('the database refused a write under this lease');
      const ids = entries.flatMap((e) => (e.kind === 'event' ? [{ stream: e.stream, id: e.id }] : []));
      if (ids.length > 0) void reread(ids).catch((e: Error) => log.error({ err: e.message }, 'could not re-read refused streams'));
    };
    const follower = config.CLUSTER
      ? new EventFollower({
          url: sor.url,
          pool,
          log: log.child({ module: 'follower' }),
          apply: (events) => {
            for (const e of events) operations.adopt(e.stream, e.state, relay?.confirm(e.stream, e.state.id, e.state.version) ?? false);
          },
        })
      : null;
    if (follower) {
      await follower.start(followFrom);
      onStop(() => follower.stop());
    }

    // 9. Push: every socket proves who it is in the handshake; its audience and its commands' actor come from the session.
    const snapshot = (): Omit<Snapshot, 'epoch' | 'seq' | 'serverTime'> => ({
      cameras: [...registry.cameras.values()],
      stations: [...registry.stations.values()],
      links: [...registry.links.values()],
      alerts: operations.alerts.open(),
      incidents: operations.incidents.open(),
      units: operations.units.list(),
      kpis: operations.kpis(),
      feeds: health.snapshot((f) => registry.silentCount(f)),
    });
    auth.setEventLog(operations.events);
    ingestTokens.setEventLog(operations.events);
    const gate = new SocketGate(auth, new Set(pack.wards.features.map((w) => w.properties.id)), log.child({ module: 'auth' }), now);
    const redis = config.REDIS_URL ? connectRedis(config.REDIS_URL, log.child({ module: 'redis' })) : null;
    if (redis) onStop(() => redis.stop());
    const push = new PushHub({
      ...(redis ? { adapter: redis.adapter } : {}),
      bus,
      snapshot,
      log: log.child({ module: 'push' }),
      metrics,
      cadence: { minMs: config.PUSH_FLUSH_MIN_MS, maxMs: config.PUSH_FLUSH_MAX_MS, sendsPerSecond: config.PUSH_SENDS_PER_S },
      audienceOf: (socket) => gate.audienceOf(socket),
      maxAudiences: config.PUSH_MAX_AUDIENCES,
      middleware: gate.middleware,
      onSocket: (socket) => commands.bind(socket, (sk) => gate.actorOf(sk)),
    });
    const feedPush = new FeedHealthPush(bus, () => health.snapshot((f) => registry.silentCount(f)));
    feedPush.start();
    onStop(() => feedPush.stop());

    // 10. The MQTT feed (started last, once everything it feeds listens).
    const { deviceAuth } = broker;
    const feed = new Feed(config, {
      connection: {
        url: broker.localUrl,
        username: deviceAuth ? deviceAuth.server.username : config.MQTT_USERNAME,
        password: deviceAuth ? deviceAuth.server.password : config.MQTT_PASSWORD,
        subscriptions: [...SUBSCRIPTIONS.cameras, ...SUBSCRIPTIONS.incidents, ...SUBSCRIPTIONS.telecom, ...SUBSCRIPTIONS.cap, ...SUBSCRIPTIONS.kpi, ...SUBSCRIPTIONS.vc, ...(frigateMapping ? SUBSCRIPTIONS.frigate : [])],
        sharedGroup: config.MQTT_SHARED_GROUP,
        ackBatch: config.MQTT_ACK_BATCH,
        ackWaitMs: config.MQTT_ACK_WAIT_MS,
        log: log.child({ module: 'mqtt' }),
        onMessage: (topic: string, payload: Buffer) => router.handle(topic, payload),
        durable: writer,
      },
      clientId: serverClientId(config),
      journal,
      writer,
      recorder,
      operations,
      health,
      follower,
      reread,
      log,
    });
    metrics.clusterRole(() => feed.role === 'leader');
    feedLeads = () => feed.role === 'leader';

    // 11. HTTP: health, routes, Socket.IO.
    const healthReport = healthReporter({
      config,
      version: VERSION,
      now,
      startedAt,
      feed,
      brokerEmbedded: broker.embedded,
      influx,
      influxUrl: storage.url,
      influxLocal: storage.local,
      writer,
      journal,
      database: sor,
      lease: () => lease,
      follower,
      redis,
      push,
    });
    const httpApp = consoleHttpApp({
      config,
      version: VERSION,
      log,
      metrics,
      pack,
      bus,
      now,
      health: healthReport,
      feedHealth: health,
      registry,
      operations,
      commands,
      influx,
      pool,
      journal,
      auth,
      ingestTokens,
      capCheck: desk.capCheck,
      video,
      leads: () => feed.role === 'leader' || !config.CLUSTER,
      leaderUrl: () => lease?.status().leaderUrl ?? null,
      indicators,
      vc,
    });
    const listener = new HttpListener(config, httpApp, tls.https);
    push.start(listener.server);
    if (config.CLUSTER && redis) {
      relay = new ChangeRelay({ io: push.server, bus, leading: () => feed.role === 'leader', adopt: (stream, state, force) => operations.adopt(stream, state, force), forget: (stream, id) => operations.forget(stream, id), reread, log: log.child({ module: 'relay' }) });
      relay.start();
      onStop(() => relay?.stop());
    }
    push.server.on('cluster:consoles', (reply) => reply({ instance: config.INSTANCE_ID, role: feed.role, consoles: push.server.engine.clientsCount }));
    gate.start(push.server);
    onStop(() => gate.stop());
    const url = await run({
      start: () => listener.start(),
      // Consoles are disconnected first: an open websocket would keep close() waiting.
      stop: async () => {
        await push.stop();
        await listener.stop();
      },
    });

    // 12. Lead (alone, at once) or stand by as the lease decides, and take the feed.
    lease = config.CLUSTER
      ? new LeaderLease({ url: sor.url, holder: config.INSTANCE_ID, advertiseUrl: url, ttlMs: config.LEADER_LEASE_MS, renewMs: config.LEADER_RENEW_MS, log: log.child({ module: 'lease' }) })
      : null;
    await run({ start: () => feed.start(lease), stop: () => feed.stop() });

    log.info({ url }, 'ioc-console is up');
    const ingestUsable = ingestTokens.usable().length;
    if (ingestUsable === 0) log.warn('ingest over HTTP is off: no ingest token issued (npm run users -- ingest-token add --name NAME --sender SENDER, or /admin)');
    else log.info({ tokens: ingestUsable }, 'ingest over HTTP is on');
    return {
      url,
      mqttUrl: broker.url,
      localMqttUrl: broker.localUrl,
      simulatorUsername: deviceAuth?.simulator.username ?? null,
      influxUrl: storage.url,
      pack,
      bus,
      registry,
      writer,
      influx,
      health,
      push,
      metrics,
      operations,
      auth,
      ingestTokens,
      httpApp,
      healthReport,
    };
  }

  async function stop(): Promise<void> {
    while (stops.length) {
      const fn = stops.pop()!;
      try {
        await fn();
      } catch (err) {
        log.error({ err }, 'error while stopping');
      }
    }
  }

  return { start, stop };
}
