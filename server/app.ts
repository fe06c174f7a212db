/**
 * createApp(config, deps) builds every component and returns { start, stop }.
 * Constructors do no I/O; start() brings things up in data-path order
 * (broker → storage → ingest → registry → push → HTTP) and stop()
 * takes them down in reverse, so a test can build several apps in one process.
 */
import { ROOT } from '../contract/root.js';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Express, Router } from 'express';
import type pg from 'pg';
import { InfluxDB } from 'influx';
import type { CityPack, HandshakeAuth, Snapshot } from '../contract/index.js';
import type { CapAlert } from '../contract/cap.js';
import { SUBSCRIPTIONS } from '../contract/index.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './broker/embedded.js';
import { MqttConnection } from './broker/connection.js';
import { EventBus } from './bus.js';
import { loadCityPack } from '../contract/citypack-load.js';
import type { Config } from './config.js';
import { createHttpApp, type HealthReport } from './http/api.js';
import { openDatabase } from './db/database.js';
import { Journal, type DbRejectedError, type JournalEntry } from './db/journal.js';
import { migrate } from './db/migrate.js';
import { importLegacy, type ImportSources } from './db/import.js';
import { createPool } from './db/pool.js';
import { loadOpenPicture, loadStreams, queryAudit, queryClosedIncidents, type StreamType } from './db/sor.js';
import { EventFollower } from './cluster/follower.js';
import { LeaderLease } from './cluster/lease.js';
import { Roles } from './cluster/roles.js';
import { connectRedis } from './cluster/redis.js';
import { ChangeRelay } from './cluster/relay.js';
import { startInfluxd, type InfluxdHandle } from './influx/influxd.js';
import { Recorder } from './influx/recorder.js';
import { ensureSchema, RP_RAW } from './influx/schema.js';
import { influxLineSink } from './influx/sink.js';
import { Spool } from './influx/spool.js';
import { PointWriter } from './influx/writer.js';
import { FeedHealthTracker } from './ingest/health.js';
import { FeedHealthPush } from './ingest/health-push.js';
import { IngestRouter } from './ingest/router.js';
import { createLogger, type Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import { Commands } from './push/commands.js';
import { PushHub } from './push/hub.js';
import { Registry } from './registry/registry.js';
import { Operations } from './operations.js';
import { KEEP_CLEARED } from './alerts/store.js';
import { KEEP_CLOSED_MS } from './incidents/records.js';
import { loadRules } from './alerts/rules-config.js';
import { capRouter, createCapHandler } from './ingest/cap/handler.js';
import { createFrigateHandlers } from './ingest/frigate/handler.js';
import { loadFrigateMapping } from './ingest/frigate/mapping.js';
import { stationsRouter } from './ingest/opencellid/router.js';
import { ingestTokenRoutes } from './ingest/token-routes.js';
import { createIngestTokens, type IngestTokens } from './ingest/tokens.js';
import { closedIncidentsRoutes } from './http/closed-incidents.js';
import { operationsRoutes } from './http/operations-routes.js';
import { wallRoutes } from './http/wall-routes.js';
import { replayRoutes } from './replay/routes.js';
import { rebuildRegistry } from './registry/rebuild.js';
import { createAuthService, ensureAdmin } from './auth/bootstrap.js';
import { principalOf, restGuard } from './auth/guard.js';
import { guardedAuthRoutes, publicAuthRoutes } from './auth/routes.js';
import type { AuthService, Principal } from './auth/service.js';
import { SocketGate } from './auth/socket.js';
import { brokerAuth, type BrokerAuth } from './broker/auth.js';
import { openDeviceRegistry, type DeviceRegistry } from './broker/devices.js';
import { GUARD_REFUSALS } from './broker/socket-guard.js';
import { securityMiddleware } from './http/security.js';
import { secureRouter } from './http/paths.js';
import { redactText, redactUrl } from './redact.js';

const redactNullable = (s: string | null): string | null => (s === null ? null : redactText(s));

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

  async function start(): Promise<RunningApp> {
    try {
      return await startAll();
    } catch (err) {
      await stop();
      throw err;
    }
  }

  async function startAll(): Promise<RunningApp> {
    const pack = await loadCityPack(config.CITY_PACK);
    // Every file the operator configured is checked before anything starts.
    const rules = loadRules(config.RULES_FILE);
    const frigateMapping = config.FRIGATE_MAP ? await loadFrigateMapping(config.FRIGATE_MAP) : null;
    log.info({ city: pack.meta.name, cameras: pack.sites.cameras.length, stations: pack.sites.stations.length }, 'city pack loaded');

    // PostgreSQL, the system of record: DATABASE_URL, or a supervised local cluster. It must
    // answer now (nothing can be rebuilt without it); the schema is brought up to date.
    const database = await openDatabase(config, log.child({ module: 'postgres' }));
    stops.push(() => database.stop());
    await migrate(database.url, log);
    const pool = createPool(database.url, { logger: log, max: config.PG_POOL_MAX });
    stops.push(() => pool.end());
    if (!config.CLUSTER) await refuseBesideCluster(pool);
    // Bound below, once they exist: the lease's fence and the re-read of refused streams.
    let lease: LeaderLease | null = null;
    let onRejected: (entries: JournalEntry[], err: DbRejectedError) => void = () => undefined;
    const journal = new Journal(pool, {
      log: log.child({ module: 'journal' }),
      now,
      onBatch: (written, rejected, ms) => metrics.dbBatch(written, rejected, ms),
      fence: () => lease?.fence() ?? null,
      onRejected: (entries, err) => onRejected(entries, err),
    });
    stops.push(() => journal.stop());
    metrics.dbJournal(() => journal.snapshot());
    // An installation from before PostgreSQL: its files are imported once, before anyone logs in
    // (the InfluxDB event log once InfluxDB answers, below). docs/storage.md, "Upgrading".
    const legacy: Omit<ImportSources, 'influx'> = {
      authFile: path.join(config.AUTH_DIR, 'users.json'),
      ingestTokensFile: path.join(config.AUTH_DIR, 'ingest-tokens.json'),
      devicesFile: config.DEVICE_REGISTRY,
    };
    await importLegacy(pool, { ...legacy, influx: null }, log.child({ module: 'import' }));

    // People: users, sessions, display tokens (server/auth); no default password, ever.
    const auth = await createAuthService(config, { log: log.child({ module: 'auth' }), knownUnits: new Set(pack.sites.units.map((u) => u.id)), now, db: { pool, journal, log: log.child({ module: 'accounts' }), timeoutMs: config.DB_COMMAND_TIMEOUT_MS, onStop: (fn) => stops.push(fn) } });
    await ensureAdmin(auth, log.child({ module: 'auth' }), undefined, config.ADMIN_PASSWORD_FILE);
    // Ingest tokens: /api/ingest/* is off until an admin issues one (issue #19).
    const ingestTokens = await createIngestTokens({ log: log.child({ module: 'ingest-tokens' }), now, db: { pool, journal, log: log.child({ module: 'accounts' }), timeoutMs: config.DB_COMMAND_TIMEOUT_MS, onStop: (fn) => stops.push(fn) } });
    const tlsFiles = (cert: string | undefined, key: string | undefined, what: string) => {
      if (!cert !== !key) throw new Error(`${what}: set both the certificate and the key, or neither`);
      return cert && key ? { cert: fs.readFileSync(cert), key: fs.readFileSync(key) } : undefined;
    };
    const mqttTls = tlsFiles(config.MQTT_TLS_CERT, config.MQTT_TLS_KEY, 'MQTT_TLS_CERT/MQTT_TLS_KEY');
    const httpsTls = tlsFiles(config.HTTPS_CERT, config.HTTPS_KEY, 'HTTPS_CERT/HTTPS_KEY');

    // Broker: embedded aedes unless an external one is configured.
    let embedded: EmbeddedBroker | null = null;
    let mqttUrl = config.MQTT_URL;
    /** Where the server and the demo simulators connect. */
    let localMqttUrl = mqttUrl;
    let deviceAuth: BrokerAuth | null = null;
    /** With device authentication on the embedded broker: who each device is, and what it may send as. */
    let devices: DeviceRegistry | null = null;
    const mqttClientId = config.MQTT_CLIENT_ID ?? `ioc-console-${os.hostname()}`;
    if (!mqttUrl) {
      // Devices prove who they are and stay in their own topics (docs/security.md); off = a lab broker.
      deviceAuth = config.MQTT_DEVICE_AUTH
        ? brokerAuth({
            registry: (devices = await openDeviceRegistry({ pool, journal, log: log.child({ module: 'accounts' }), timeoutMs: config.DB_COMMAND_TIMEOUT_MS, onStop: (fn) => stops.push(fn) })),
            server: { ...(config.MQTT_USERNAME ? { username: config.MQTT_USERNAME } : {}), ...(config.MQTT_PASSWORD ? { password: config.MQTT_PASSWORD } : {}) },
            ...(config.SIM_MQTT_PASSWORD ? { simulatorPassword: config.SIM_MQTT_PASSWORD } : {}),
            serverClientId: mqttClientId,
            log: log.child({ module: 'broker' }),
            metrics,
          })
        : null;
      embedded = await startEmbeddedBroker({
        host: config.MQTT_EMBEDDED_HOST,
        port: config.MQTT_EMBEDDED_PORT,
        log: log.child({ module: 'broker' }),
        ...(deviceAuth ? { aedes: deviceAuth.hooks } : {}),
        ...(mqttTls ? { tls: mqttTls } : {}),
        limits: {
          maxConnectBytes: config.MQTT_MAX_CONNECT_BYTES,
          maxPacketBytes: config.MQTT_MAX_PACKET_BYTES,
          connectTimeoutMs: config.MQTT_CONNECT_TIMEOUT_MS,
          maxPerAddress: config.MQTT_MAX_CONN_PER_ADDRESS,
        },
        onRefuse: (reason, bytesRead) => {
          metrics.brokerConnRefused.inc({ reason });
          metrics.brokerConnRefusedBytes.observe(bytesRead);
        },
        onOpen: (listener, open) => metrics.brokerConnections.set({ listener }, open),
      });
      for (const reason of GUARD_REFUSALS) metrics.brokerConnRefused.inc({ reason }, 0);
      stops.push(() => embedded!.stop());
      mqttUrl = embedded.url;
      localMqttUrl = embedded.localUrl;
    }

    // InfluxDB: a supervised local influxd unless an external one is configured.
    let influxd: InfluxdHandle | null = null;
    let influxUrl = config.INFLUX_URL;
    if (!influxUrl) {
      influxd = await startInfluxd({
        dataDir: config.INFLUX_DATA_DIR,
        httpPort: config.INFLUX_LOCAL_PORT,
        rpcPort: config.INFLUX_LOCAL_RPC_PORT,
        logger: log.child({ module: 'influxd' }),
      });
      stops.push(() => influxd!.stop());
      influxUrl = influxd.url;
    }
    const influx = influxClient(influxUrl, config);
    let followFrom = 0;
    const schemaState: { error: string | null } = { error: null };
    const schemaReady = ensureSchemaWithRetry(influx, config, log.child({ module: 'influx' }), stops, schemaState);

    const spool = new Spool(config.SPOOL_DIR, { maxBytes: config.SPOOL_MAX_MB * 1024 * 1024 });
    const sink = influxLineSink({
      url: influxUrl,
      database: config.INFLUX_DATABASE,
      retentionPolicy: RP_RAW,
      username: config.INFLUX_USERNAME ?? (decodeURIComponent(new URL(influxUrl).username) || undefined),
      password: config.INFLUX_PASSWORD ?? (decodeURIComponent(new URL(influxUrl).password) || undefined),
    });
    const writer = new PointWriter(spool, sink, {
      batchSize: config.INFLUX_BATCH_SIZE,
      flushMs: config.INFLUX_FLUSH_MS,
      log: log.child({ module: 'writer' }),
      metrics,
    });
    writer.open();
    stops.push(() => writer.stop());
    const registry = new Registry(bus, pack, config.DEVICE_STALE_S * 1000, now);
    const recorder = new Recorder(bus, registry, writer, pack);
    const operations = new Operations({ bus, writer, journal, registry, pack, rules, log: log.child({ module: 'operations' }), now, maxNotes: config.INCIDENT_MAX_NOTES });
    const commands = new Commands({
      alerts: operations.alerts,
      incidents: operations.incidents,
      units: operations.units,
      events: operations.events,
      log: log.child({ module: 'commands' }),
      commandsPerSecond: config.SOCKET_COMMANDS_PER_S,
      now,
      journal,
      writeTimeoutMs: config.DB_COMMAND_TIMEOUT_MS,
      ackIncidentWithAlert: rules.workflow.ackIncidentWithAlert,
    });
    const health = new FeedHealthTracker(config.DEAD_LETTER_SIZE, now);
    const router = new IngestRouter({
      bus,
      health,
      metrics,
      log: log.child({ module: 'ingest' }),
      maxPayloadBytes: config.MAX_PAYLOAD_BYTES,
      maxFutureSkewMs: config.MAX_FUTURE_SKEW_S * 1000,
      acceptOld: config.CLUSTER,
      now,
    });
    // A CAP Update or Cancel applies only from the sender of the alert it references (issue #19).
    const capCheck = (a: CapAlert) => operations.cap.refusal(a);
    // A source device sends CAP only as its registered senders; an external broker's ACLs are its own business.
    router.registerForeign('cap', createCapHandler({ bus, now, check: capCheck, ...(devices ? { maySendAs: (id: string, sender: string) => devices!.maySendCapAs(id, sender) } : {}) }));
    if (frigateMapping) {
      const frigate = createFrigateHandlers({ bus, mapping: frigateMapping, now });
      router.registerForeign('frigateEvents', frigate.events);
      router.registerForeign('frigateAvailable', frigate.available);
    }

    // Points wait in the spool until the schema exists, then flow.
    void schemaReady.then(() => writer.start());
    // Know every device at once: last stored states first (if InfluxDB answers soon), then retained MQTT status.
    const ready = await Promise.race([schemaReady.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 3000))]);
    if (ready) {
      await writer.flush(10_000).catch(() => undefined); // a previous run's spool holds the newest states
      await rebuildRegistry(influx, registry, log.child({ module: 'registry' })).catch((err: Error) =>
        log.warn({ err: err.message }, 'registry not rebuilt from InfluxDB: retained MQTT status will fill it'),
      );
      registry.checkStale();
      await importLegacy(pool, { ...legacy, influx }, log.child({ module: 'import' }));
      // Read first: an event written while the picture loads is read again by the follower.
      followFrom = await EventFollower.head(pool);
      const picture = await loadOpenPicture(pool, { keepCleared: KEEP_CLEARED, closedWithinMs: KEEP_CLOSED_MS, now: now() }).catch((err: Error) => {
        // Without its history the console would show a wrong picture: refuse to start.
        throw new Error(`cannot read alerts and incidents from PostgreSQL: ${err.message}`);
      });
      operations.restore(picture);
    } else {
      throw new Error(
        `InfluxDB at ${redactUrl(influxUrl)} is not usable (${schemaState.error ?? 'no answer within 3 s'}): alerts and incidents cannot be rebuilt without it. Check INFLUX_URL and that InfluxDB is running`,
      );
    }
    registry.start();
    stops.push(() => registry.stop());
    stops.push(() => recorder.stop());
    operations.start();
    stops.push(() => operations.stop());

    // A refused write (another server's version won, or this one no longer leads): this
    // server's copy of those streams is re-read from the database, and pushed.
    /** The leader's changes to the standbys at once, over Redis (server/cluster/relay.ts); set below. */
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
    let stepDown: (why: string) => void = () => undefined;
    onRejected = (entries, err) => {
      // Only a refusal under the lease this server holds now deposes it: entries kept from an
      // earlier term (written once the database returned) are refused without touching this one.
      const f = lease?.fence();
      if (err.fenced && f && err.fence === `${f.holder} ${f.token}`) stepDown('the database refused a write under this lease');
      const ids = entries.flatMap((e) => (e.kind === 'event' ? [{ stream: e.stream, id: e.id }] : []));
      if (ids.length > 0) void reread(ids).catch((e: Error) => log.error({ err: e.message }, 'could not re-read refused streams'));
    };
    // In a cluster, every server follows the event log: the others' changes reach its picture.
    const follower = config.CLUSTER
      ? new EventFollower({
          url: database.url,
          pool,
          log: log.child({ module: 'follower' }),
          apply: (events) => {
            for (const e of events) operations.adopt(e.stream, e.state, relay?.confirm(e.stream, e.state.id, e.state.version) ?? false);
          },
        })
      : null;
    if (follower) {
      await follower.start(followFrom);
      stops.push(() => follower.stop());
    }

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
    // Every socket proves who it is in the handshake; its audience and its commands' actor come from the session.
    const gate = new SocketGate(auth, new Set(pack.wards.features.map((w) => w.properties.id)), log.child({ module: 'auth' }), now);
    const redis = config.REDIS_URL ? connectRedis(config.REDIS_URL, log.child({ module: 'redis' })) : null;
    if (redis) stops.push(() => redis.stop());
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
    stops.push(() => feedPush.stop());

    const subscriptions = [
      ...SUBSCRIPTIONS.cameras,
      ...SUBSCRIPTIONS.incidents,
      ...SUBSCRIPTIONS.telecom,
      ...SUBSCRIPTIONS.cap,
      ...(frigateMapping ? SUBSCRIPTIONS.frigate : []),
    ];
    const mqttBase = {
      url: localMqttUrl!,
      username: deviceAuth ? deviceAuth.server.username : config.MQTT_USERNAME,
      password: deviceAuth ? deviceAuth.server.password : config.MQTT_PASSWORD,
      subscriptions,
      sharedGroup: config.MQTT_SHARED_GROUP,
      ackBatch: config.MQTT_ACK_BATCH,
      ackWaitMs: config.MQTT_ACK_WAIT_MS,
      log: log.child({ module: 'mqtt' }),
      onMessage: (topic: string, payload: Buffer) => router.handle(topic, payload),
      durable: writer,
    };
    // In a cluster a message is acknowledged once the next leader can find what it caused:
    // its points in InfluxDB and its alert and incident changes in PostgreSQL. Alone, the
    // spool on this disk is enough: this same server reads it back when it restarts.
    let ackedSeq = 0;
    const storedForCluster = (): Promise<void> => {
      const from = ackedSeq + 1;
      const seq = journal.lastSeq;
      ackedSeq = Math.max(ackedSeq, seq);
      return Promise.all([writer.written(writer.mark()), journal.flushed(seq, { fromSeq: from, fencedOnly: true })]).then(() => undefined);
    };
    let roles: Roles | null = null;
    /** The connection that feeds this server now: the leader's session, or a standby's own view. */
    let mqttConn: MqttConnection = new MqttConnection({ ...mqttBase, clientId: mqttClientId });
    const leaderConnection = () =>
      config.CLUSTER ? new MqttConnection({ ...mqttBase, clientId: config.MQTT_CLUSTER_CLIENT_ID, ackAfter: storedForCluster }) : new MqttConnection({ ...mqttBase, clientId: mqttClientId });
    // A standby keeps its device picture warm with a clean session of its own: nothing queued
    // for it, nothing acknowledged that matters, no write. The leader's session is untouched.
    const standbyConnection = () => new MqttConnection({ ...mqttBase, clientId: `${config.MQTT_CLIENT_ID ?? 'ioc-console'}-${config.INSTANCE_ID}`, clean: true, qos: 0, durable: undefined });

    /** Which instance leads, as this one knows it (the lease row, read at every renewal). */
    const clusterReport = () => {
      const l = lease?.status();
      const role = roles?.role ?? 'stopped';
      return {
        enabled: config.CLUSTER,
        instance: config.INSTANCE_ID,
        role,
        leading: role === 'leader',
        leader: l ? l.leader : role === 'leader' ? config.INSTANCE_ID : null,
        leaderUrl: l ? l.leaderUrl : null,
        token: l ? l.token : null,
        roleSince: roles?.since ?? null,
        followedSeq: follower?.lastSeq ?? null,
        redis: redis ? { connected: redis.connected(), error: redis.connected() ? null : redis.lastError() } : null,
      };
    };
    /** Every instance reachable over the adapter, with the screens it serves (this one first). */
    const peers = async (): Promise<{ instance: string; role: string; consoles: number }[]> => {
      const self = { instance: config.INSTANCE_ID, role: roles?.role ?? 'stopped', consoles: push.server.engine.clientsCount };
      if (!redis?.connected()) return [self];
      // The adapter answers when every server it knows of has; a silent one is left out after 1 s.
      let timer: NodeJS.Timeout | undefined;
      const others = await Promise.race([
        push.server.serverSideEmitWithAck('cluster:consoles').catch(() => []),
        new Promise<never[]>((r) => (timer = setTimeout(() => r([]), 1000))),
      ]).finally(() => clearTimeout(timer));
      return [self, ...others.sort((a, b) => a.instance.localeCompare(b.instance))];
    };

    const healthReport = async (): Promise<HealthReport> => {
      const mq = mqttConn.status();
      const w = writer.status();
      const ping = await pingInflux(influx);
      const reachable = ping === null;
      const fullPct = Math.round((w.spoolBytes / (config.SPOOL_MAX_MB * 1024 * 1024)) * 1000) / 10;
      const db = journal.snapshot();
      // What an operator should do something about, in plain words.
      const warnings: string[] = [];
      if (!mq.connected) warnings.push(redactText(`MQTT broker not connected: ${mq.error ?? 'unknown'}`));
      if (!reachable) warnings.push(redactText(`InfluxDB not reachable: ${ping ?? 'unknown'}; points wait in the spool`));
      if (fullPct >= 50) warnings.push(`spool ${fullPct}% full (${w.queued} points waiting for InfluxDB)`);
      if (w.dropped > 0) warnings.push(`spool full: ${w.dropped} points dropped`);
      const cl = clusterReport();
      if (cl.enabled && !cl.leader) warnings.push('no instance leads the cluster: nothing is ingested and no rule runs until one takes the lease');
      if (cl.redis && !cl.redis.connected) warnings.push(redactText(`Redis not reachable: ${cl.redis.error ?? 'unknown'}; each instance serves its own screens, cross-instance operations wait`));
      if (!db.available) warnings.push(redactText(`PostgreSQL not answering: ${db.lastError ?? 'unknown'}; commands are refused, ${db.pending} changes wait to be written`));
      return {
        status: warnings.length === 0 ? 'ok' : 'degraded',
        warnings,
        version: VERSION,
        uptimeS: Math.round((now() - startedAt) / 1000),
        broker: { ...mq, url: redactUrl(mq.url), error: mq.error === null ? null : redactText(mq.error), embedded: embedded !== null },
        influx: {
          reachable,
          url: redactUrl(influxUrl),
          local: influxd !== null,
          queued: w.queued,
          spoolBytes: w.spoolBytes,
          spoolFullPct: fullPct,
          dropped: w.dropped,
          lastError: redactNullable(ping ?? w.lastError),
        },
        database: { reachable: db.available, url: redactUrl(database.url), local: !database.external, pending: db.pending, downSince: db.downSince, lastError: redactNullable(db.lastError) },
        cluster: { ...cl, peers: await peers() },
      };
    };

    const httpApp = createHttpApp({
      config,
      version: VERSION,
      log: log.child({ module: 'http' }),
      metrics,
      pack,
      health: healthReport,
      feeds: () => ({ feeds: health.snapshot((f) => registry.silentCount(f)), unknown: health.unknown(), deadLetters: health.deadLetters() }),
      devices: () => ({ cameras: [...registry.cameras.values()], stations: [...registry.stations.values()], links: [...registry.links.values()] }),
      routes: [
        guardedAuthRoutes(auth),
        ingestTokenRoutes(ingestTokens),
        // Before the operations routes: their /incidents/:id would take "closed" for an id.
        closedIncidentsRoutes({
          timeZone: pack.meta.timezone,
          closed: async (q) => {
            await journal.flushed(journal.lastSeq, { timeoutMs: config.DB_COMMAND_TIMEOUT_MS });
            return queryClosedIncidents(pool, q);
          },
          now,
        }),
        operationsRoutes({
          operations,
          commands,
          influx,
          pack,
          capSender: `ioc@${pack.meta.id}`,
          shiftStarts: config.SHIFT_STARTS,
          // The guard put the caller there (server/auth/guard.ts).
          actorOf: (req) => {
            const p = principalOf(req.res!);
            return { user: p.username, role: p.role, unitId: p.unitId, address: req.ip };
          },
          // Read-your-writes: every change already made is written before the trail is read.
          audit: async (q) => {
            await journal.flushed(journal.lastSeq, { timeoutMs: config.DB_COMMAND_TIMEOUT_MS });
            return queryAudit(pool, q);
          },
          now,
        }),
        wallRoutes({
          influx,
          pack,
          staticDir: config.STATIC_DIR,
          playlist: config.WALL_PLAYLIST,
          rotateS: config.WALL_ROTATE_S,
          stations: () => [...registry.stations.values()],
          incidents: () => operations.incidents.recent(),
          now,
        }),
        replayRoutes({
          influx,
          base: () => ({ cameras: [...registry.cameras.values()], stations: [...registry.stations.values()], links: [...registry.links.values()], units: operations.units.list() }),
          staleMs: config.DEVICE_STALE_S * 1000,
          now,
        }),
      ],
      security: securityMiddleware(config),
      publicRoutes: [publicAuthRoutes(auth, config, now)],
      guard: restGuard(auth, log.child({ module: 'auth' }), (e) => operations.events.append({ entity: 'auth', result: 'refused', ...e })),
      rootRoutes: [
        // What arrives over HTTP feeds the rules, which run on the leader only: a standby says so,
        // and the sender (or the load balancer's retry) tries again (docs/operations.md).
        standbyIngestGate(() => roles?.role === 'leader' || !config.CLUSTER, () => lease?.status().leaderUrl ?? null),
        capRouter({ bus, log: log.child({ module: 'cap' }), tokens: ingestTokens, now, check: capCheck }),
        stationsRouter({
          bus,
          log: log.child({ module: 'opencellid' }),
          tokens: ingestTokens,
          maxBytes: config.STATION_IMPORT_MAX_BYTES,
          maxRows: config.STATION_IMPORT_MAX_ROWS,
          now,
        }),
      ],
    });
    const server = httpsTls ? https.createServer({ ...httpsTls, minVersion: 'TLSv1.2' }, httpApp) : http.createServer(httpApp);
    push.start(server);
    if (config.CLUSTER && redis) {
      relay = new ChangeRelay({ io: push.server, bus, leading: () => roles?.role === 'leader', adopt: (stream, state, force) => operations.adopt(stream, state, force), forget: (stream, id) => operations.forget(stream, id), reread, log: log.child({ module: 'relay' }) });
      relay.start();
      stops.push(() => relay?.stop());
    }
    push.server.on('cluster:consoles', (reply) => reply({ instance: config.INSTANCE_ID, role: roles?.role ?? 'stopped', consoles: push.server.engine.clientsCount }));
    gate.start(push.server);
    stops.push(() => gate.stop());
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new Error(`HTTP server cannot listen on ${config.HOST}:${config.PORT}: ${err.message}`)));
      server.listen(config.PORT, config.HOST, resolve);
    });
    // Consoles are disconnected first: an open websocket would keep close() waiting.
    stops.push(async () => {
      await push.stop();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    });
    const port = (server.address() as AddressInfo).port;
    const url = `${httpsTls ? 'https' : 'http'}://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${port}`;

    lease = config.CLUSTER
      ? new LeaderLease({ url: database.url, holder: config.INSTANCE_ID, advertiseUrl: url, ttlMs: config.LEADER_LEASE_MS, renewMs: config.LEADER_RENEW_MS, log: log.child({ module: 'lease' }) })
      : null;
    roles = new Roles(
      lease,
      {
        lead: async () => {
          await mqttConn.stop();
          // Everything the last leader wrote is in this picture before the rules run on it.
          await follower?.catchUp();
          recorder.start();
          operations.lead();
          // The session holds what the last leader left unacknowledged, older than what this
          // server's standby view saw: each device's counter starts over, so none is taken for a repeat.
          health.forgetSequences();
          mqttConn = leaderConnection();
          await mqttConn.start();
        },
        follow: async (why) => {
          const was = mqttConn;
          // Cut first: no PUBACK of this server's may leave once another can lead.
          was.abort();
          await was.stop();
          operations.follow();
          recorder.stop();
          if (why !== 'starting') {
            // What this server decided as leader and the database did not take must not stay on screens.
            await follower?.catchUp().catch(() => undefined);
            await reread(operations.held()).catch((err: Error) => log.error({ err: err.message }, 'could not re-read the picture after stepping down'));
          }
          mqttConn = standbyConnection();
          await mqttConn.start();
        },
      },
      log.child({ module: 'cluster' }),
    );
    metrics.clusterRole(() => roles?.role === 'leader');
    stepDown = (why) => {
      // At once, not at the next renewal: the PUBACKs still waiting must never leave.
      mqttConn.abort();
      lease?.depose(why);
    };
    await roles.start();
    stops.push(async () => {
      await roles?.stop();
      await mqttConn.stop();
    });

    log.info({ url }, 'ioc-console is up');
    const ingestUsable = ingestTokens.usable().length;
    if (ingestUsable === 0) log.warn('ingest over HTTP is off: no ingest token issued (npm run users -- ingest-token add --name NAME --sender SENDER, or /admin)');
    else log.info({ tokens: ingestUsable }, 'ingest over HTTP is on');
    return { url, mqttUrl, localMqttUrl: localMqttUrl!, simulatorUsername: deviceAuth?.simulator.username ?? null, influxUrl, pack, bus, registry, writer, influx, health, push, metrics, operations, auth, ingestTokens, httpApp, healthReport };
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

function influxClient(url: string, config: Config): InfluxDB {
  const u = new URL(url);
  return new InfluxDB({
    host: u.hostname,
    port: Number(u.port || (u.protocol === 'https:' ? 443 : 8086)),
    protocol: u.protocol === 'https:' ? 'https' : 'http',
    database: config.INFLUX_DATABASE,
    username: config.INFLUX_USERNAME ?? (decodeURIComponent(u.username) || 'root'),
    password: config.INFLUX_PASSWORD ?? (decodeURIComponent(u.password) || 'root'),
    options: { timeout: 10_000 },
  });
}

/** null when InfluxDB answers its ping, else why not. */
async function pingInflux(influx: InfluxDB): Promise<string | null> {
  try {
    const hosts = await influx.ping(1500);
    const host = hosts[0];
    if (host?.online) return null;
    return host?.res?.statusCode ? `ping answered HTTP ${host.res.statusCode}` : 'no answer to ping within 1.5 s';
  } catch (err) {
    return (err as Error).message;
  }
}

/** Create the schema now, or keep trying every 5 s while InfluxDB is away (writes queue meanwhile). */
function ensureSchemaWithRetry(influx: InfluxDB, config: Config, log: Logger, stops: (() => void)[], state: { error: string | null }): Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  stops.push(() => {
    stopped = true;
    clearTimeout(timer);
  });
  return new Promise<void>((resolve) => {
    const attempt = (first: boolean) => {
      ensureSchema(influx, config.INFLUX_DATABASE, { raw: config.INFLUX_RETENTION_RAW, rollup: config.INFLUX_RETENTION_ROLLUP })
        .then(() => {
          if (!first) log.info('InfluxDB reachable again: schema ready');
          resolve();
        })
        .catch((err: Error) => {
          state.error = err.message;
          if (first) log.error({ err: err.message }, 'InfluxDB schema set-up failed: retrying every 5 s (see /api/health)');
          if (!stopped) timer = setTimeout(() => attempt(false), 5000);
        });
    };
    attempt(true);
  });
}

/** 503 for /api/ingest/* on a standby, with where the leader is. */
function standbyIngestGate(leads: () => boolean, leaderUrl: () => string | null): Router {
  const r = secureRouter();
  r.use('/api/ingest', (_req, res, next) => {
    if (leads()) return next();
    const url = leaderUrl();
    res.set('Retry-After', '1');
    if (url) res.set('X-Leader-Url', url);
    res.status(503).json({ error: { code: 'unavailable', message: `this instance stands by; ingest goes to the leader${url ? ` (${url})` : ''}: try again` } });
  });
  return r;
}

/**
 * A server alone leads without a lease: beside a running cluster it would be a second leader
 * that no fence stops. It refuses to start while a cluster's lease is live on the database.
 */
async function refuseBesideCluster(pool: pg.Pool): Promise<void> {
  const r = await pool.query<{ holder: string }>(`SELECT holder FROM cluster_leader WHERE expires_at > now()`);
  const holder = r.rows[0]?.holder;
  if (holder) throw new Error(`instance ${holder} leads a cluster on this database: start this server with CLUSTER=true (docs/operations.md), or stop the cluster first`);
}
