/**
 * One configuration schema over environment variables. Defaults live here and
 * nowhere else; .env.example lists the same variables (keep them in step:
 * tests/unit/config.test.ts checks it). A bad value stops the start with a
 * message naming the variable and the expected form.
 */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ROOT } from '../contract/root.js';

const bool = z
  .string()
  .transform((v) => v.toLowerCase())
  .pipe(z.enum(['on', 'off', 'true', 'false', '1', '0', 'yes', 'no']))
  .transform((v) => v === 'on' || v === 'true' || v === '1' || v === 'yes');
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .transform((v) => (v === '' ? undefined : v))
    .pipe(
      z
        .url({ protocol: new RegExp(`^(${protocols.join('|')})$`) })
        .optional(),
    )
    .optional();
const optionalString = z
  .string()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/** Every variable, its default and its form. Documented in .env.example and the README. */
export const configSchema = z.object({
  PORT: port.default(8080),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  MQTT_URL: optionalUrl(['mqtt', 'mqtts', 'ws', 'wss']),
  MQTT_USERNAME: optionalString,
  MQTT_PASSWORD: optionalString,
  MQTT_CLIENT_ID: optionalString,
  /** For a clustered broker: subscribe as $share/GROUP/... so instances split the load (MQTT 5 / EMQX / Mosquitto 2). */
  MQTT_SHARED_GROUP: optionalString,
  /**
   * PUBACKs leave in batches of at most this many messages, or after MQTT_ACK_WAIT_MS. Keep it
   * under the broker's in-flight window for our session: Mosquitto's max_inflight_messages is
   * 20 by default (so 16 here), 100 in the shipped docker/mosquitto config (so 64 there).
   */
  MQTT_ACK_BATCH: z.coerce.number().int().min(1).max(1000).default(16),
  MQTT_ACK_WAIT_MS: z.coerce.number().int().min(1).max(100).default(1),
  MQTT_EMBEDDED_PORT: port.default(1883),
  MQTT_EMBEDDED_HOST: z.string().default('0.0.0.0'),
  /**
   * Embedded broker, checked on the socket before aedes parses a byte (server/broker/socket-guard.ts):
   * the largest CONNECT (aedes would otherwise buffer up to 256 MB before authenticating it) …
   */
  MQTT_MAX_CONNECT_BYTES: positiveInt.min(1024).max(268_435_455).default(256 * 1024),
  /** … the largest later packet (aedes has no limit of its own; above MAX_PAYLOAD_BYTES, see the check below) … */
  MQTT_MAX_PACKET_BYTES: positiveInt.max(268_435_455).default(1024 * 1024),
  /** … the time from TCP accept (TLS handshake included) to a complete CONNECT, ms … */
  MQTT_CONNECT_TIMEOUT_MS: positiveInt.max(600_000).default(10_000),
  /** … and the connections open at once from one remote address on the public listener (0 = no cap). */
  MQTT_MAX_CONN_PER_ADDRESS: z.coerce.number().int().min(0).max(1_000_000).default(64),

  INFLUX_URL: optionalUrl(['http', 'https']),
  INFLUX_DATABASE: z.string().regex(/^[A-Za-z0-9_]+$/).default('ioc'),
  INFLUX_USERNAME: optionalString,
  INFLUX_PASSWORD: optionalString,
  INFLUX_DATA_DIR: z.string().default(path.join(ROOT, 'data', 'influxdb')),
  INFLUX_LOCAL_PORT: port.default(18086),
  INFLUX_LOCAL_RPC_PORT: port.default(18088),
  INFLUX_BATCH_SIZE: positiveInt.default(5000),
  INFLUX_FLUSH_MS: positiveInt.default(1000),
  INFLUX_RETENTION_RAW: z.string().regex(/^\d+[hdw]$|^INF$/).default('30d'),
  INFLUX_RETENTION_ROLLUP: z.string().regex(/^\d+[hdw]$|^INF$/).default('400d'),

  /** The write-ahead spool: every point is here until InfluxDB has it. */
  SPOOL_DIR: z.string().default(path.join(ROOT, 'data', 'spool')),
  SPOOL_MAX_MB: positiveInt.default(1024),

  // ---- PostgreSQL, the system of record (docs/storage.md). server/db/ holds the supervised
  // local cluster, the pool, the migrations and the ordered writer (journal).
  /** An existing PostgreSQL (postgres://USER:PASSWORD@HOST:PORT/DB): nothing local is started. */
  DATABASE_URL: optionalUrl(['postgres', 'postgresql']),
  /** Folder of the local cluster (server/db/postgres.ts); as root, one the postgres user cannot reach is replaced by /var/lib/ioc-console/postgres-<hash>. */
  PG_DATA_DIR: z.string().default(path.join(ROOT, 'data', 'postgres')),
  /** Port of the local cluster on 127.0.0.1, away from 5432 so that it never clashes with a system PostgreSQL. */
  PG_LOCAL_PORT: port.default(15432),
  /** Connections the server opens to PostgreSQL at most. */
  PG_POOL_MAX: positiveInt.default(10),
  /** How long a command waits for PostgreSQL to store what it changed before answering `unavailable`. */
  DB_COMMAND_TIMEOUT_MS: positiveInt.default(5000),

  // ---- Several servers, one picture (docs/operations.md). Off: one server leads alone, with
  // its embedded broker and InfluxDB if none is configured.
  /** Run as one instance of a cluster: needs DATABASE_URL, MQTT_URL, INFLUX_URL, REDIS_URL and AUTH_SECRET. */
  CLUSTER: bool.default(false),
  /** This instance's name in logs, metrics, /api/health and the lease. Default: the host name. */
  INSTANCE_ID: z.string().trim().min(1).max(60).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ - only').default(os.hostname().slice(0, 60).replace(/[^A-Za-z0-9._-]/g, '-') || 'ioc'),
  /** Redis for Socket.IO across instances (@socket.io/redis-streams-adapter). */
  REDIS_URL: optionalUrl(['redis', 'rediss']),
  /** How long a leader's lease lasts without renewal, ms; a dead leader is replaced within it. */
  LEADER_LEASE_MS: z.coerce.number().int().min(1000).max(60_000).default(4000),
  /**
   * How often the leader renews (and a standby reads) the lease, ms. The leader stands down when
   * a third of the lease is left unrenewed, so several renewals may be slow before it does.
   */
  LEADER_RENEW_MS: z.coerce.number().int().min(100).max(20_000).default(500),
  /** Client id of the cluster's persistent MQTT session, held by whichever instance leads. */
  MQTT_CLUSTER_CLIENT_ID: z.string().trim().min(1).max(64).default('ioc-console-leader'),

  CITY_PACK: z.string().default(path.join(ROOT, 'citypacks', 'phan-rang-thap-cham')),
  SIMULATORS: bool.default(true),
  SIM_SCENARIO: z.string().default('normal-day'),
  SIM_SEED: z.coerce.number().int().optional(),
  SIM_SPEED: z.coerce.number().positive().max(1000).default(1),
  /**
   * The password of MQTT user `ioc-simulator` on the embedded broker (with MQTT_DEVICE_AUTH): the demo
   * simulators, a process of their own, log in with it. `npm start` makes one per run for both processes;
   * unset, the server makes a random one that no one else knows.
   */
  SIM_MQTT_PASSWORD: optionalString,

  /** Alert rules (JSON, see config/rules.example.json); built-in defaults when unset. */
  RULES_FILE: optionalString,
  /** The digital-government indicators (contract/indicators.ts): id, names, unit, target, direction, period, source. */
  INDICATORS_FILE: z.string().default(path.join(ROOT, 'config', 'indicators.json')),
  /** How often the computed indicators (station availability, fiber links up) sample the live picture. */
  INDICATOR_SAMPLE_S: positiveInt.max(86_400).default(300),
  /** Frigate NVR camera/label/zone mapping (JSON, see config/frigate-map.example.json); Frigate topics are ignored when unset. */
  FRIGATE_MAP: optionalString,
  /** Station list imports (POST /api/ingest/stations, npm run import:stations) past either cap are refused (413). */
  STATION_IMPORT_MAX_ROWS: positiveInt.default(200_000),
  STATION_IMPORT_MAX_BYTES: positiveInt.default(50 * 1024 * 1024),

  /** Device changes go to the screens every PUSH_FLUSH_MIN_MS..PUSH_FLUSH_MAX_MS, slower as more screens are open (PUSH_SENDS_PER_S socket sends a second). */
  PUSH_FLUSH_MIN_MS: positiveInt.max(1000).default(15),
  PUSH_FLUSH_MAX_MS: positiveInt.max(5000).default(100),
  PUSH_SENDS_PER_S: positiveInt.default(10_000),

  MAX_PAYLOAD_BYTES: positiveInt.default(64 * 1024),
  MAX_FUTURE_SKEW_S: positiveInt.default(300),
  DEAD_LETTER_SIZE: positiveInt.default(200),
  /** A device silent for this many seconds is stale (offline even without a last-will). */
  DEVICE_STALE_S: positiveInt.default(120),

  STATIC_DIR: z.string().default(path.join(ROOT, 'dist', 'client')),
  /** Panels the wall display rotates through, in order: incidents, cameras, coverage, trends, response. */
  WALL_PLAYLIST: z.string().regex(/^[a-z, ]*$/).default('incidents,cameras,coverage,trends,response,digital,vc'),
  /** Seconds each wall panel stays up. */
  WALL_ROTATE_S: z.coerce.number().int().min(3).max(3600).default(20),
  MAP_STYLE_URL: optionalUrl(['http', 'https']),
  MAPBOX_TOKEN: optionalString,
  /** An offline basemap: a PMTiles archive (vector, Protomaps schema) the server serves to the console itself (docs/city-pack.md). */
  BASEMAP_PMTILES: optionalString,

  // ---- Video and evidence (docs/video.md)
  /**
   * Cameras without a media-server stream play a test pattern with their id, name and clock burnt
   * in, made by ffmpeg on demand and served as HLS by this server (the demo, and a city's test bench).
   */
  VIDEO_SIMULATED: bool.default(true),
  /** Simulated streams encoding at once; a viewer past it is told so (each costs a share of a core). */
  VIDEO_SIM_MAX_STREAMS: positiveInt.max(64).default(4),
  /** A simulated stream nobody has fetched for this long stops. */
  VIDEO_SIM_IDLE_S: positiveInt.max(600).default(15),
  FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
  /** How long a stream token lives; the player renews it well before, while the viewer may still watch. */
  VIDEO_TOKEN_TTL_S: z.coerce.number().int().min(10).max(3600).default(60),
  /**
   * The media server's HLS URL per camera, `{path}` being the camera's stream path (its id unless
   * the city pack names one): e.g. http://mediamtx.ioc.local:8888/{path}/index.m3u8. Unset: only
   * cameras with their own `stream.hls` and the simulated ones play.
   */
  VIDEO_HLS_URL: z
    .string()
    .transform((v) => (v === '' ? undefined : v))
    .pipe(
      z
        .string()
        .regex(/^https?:\/\/[^@\s]+\{path\}[^@\s]*$/, 'an http(s) URL with {path} in it and no credentials')
        .optional(),
    )
    .optional(),
  /** The wall plays a camera only inside a critical alert's interrupt, and only when this is on. */
  VIDEO_ON_WALL: bool.default(false),
  /** Frigate's HTTP API (http://frigate:5000): its events' snapshots and clips are served through this server. */
  FRIGATE_URL: optionalUrl(['http', 'https']),
  /** Origins a detection's `snapshot` URL may point to (space-separated); the server fetches them, never the browser. */
  EVIDENCE_ORIGINS: z.string().regex(/^[A-Za-z0-9:/.\- ]*$/, 'space-separated origins, e.g. https://nvr.ioc.local').default(''),
  /** Evidence images kept in PostgreSQL this many days. */
  EVIDENCE_RETENTION_DAYS: positiveInt.max(3650).default(90),

  // ---- Security (docs/security.md)
  /** The generated access-token signing key (`secret`). Users, sessions and tokens live in PostgreSQL; an earlier installation's users.json and ingest-tokens.json here are imported once. */
  AUTH_DIR: z.string().default(path.join(ROOT, 'data', 'auth')),
  /** HMAC key of access tokens; several instances must share it. Generated into AUTH_DIR when unset. */
  AUTH_SECRET: z
    .string()
    .transform((v) => (v === '' ? undefined : v))
    .pipe(z.string().min(32, 'at least 32 characters (openssl rand -base64 48)').optional())
    .optional(),
  AUTH_ACCESS_TTL_S: positiveInt.default(900),
  AUTH_REFRESH_TTL_S: positiveInt.default(43_200),
  /** Failed logins of one username from one address before that pair is locked (the username alone is only slowed down). */
  AUTH_MAX_FAILURES: positiveInt.default(5),
  /** Logins checked at once per username and per client address; more wait for nothing and get 429. */
  AUTH_MAX_CONCURRENT_PER_USER: positiveInt.max(100).default(2),
  AUTH_MAX_CONCURRENT_PER_ADDRESS: positiveInt.max(1000).default(8),
  /** Days a display token lives when issued without its own expiry (0 = until revoked). */
  DISPLAY_TOKEN_TTL_DAYS: z.coerce.number().int().min(0).max(3650).default(365),
  /** Whole hours (the city's time) at which the operations centre's shifts start: what the console's shift export covers (contract/shift.ts). */
  SHIFT_STARTS: z
    .string()
    .trim()
    .default('06:00,14:00,22:00')
    .pipe(
      z
        .string()
        .regex(/^([01]?\d|2[0-3])(:00)?(\s*,\s*([01]?\d|2[0-3])(:00)?)*$/, 'whole hours, comma-separated, e.g. 06:00,14:00,22:00')
        .transform((v) => [...new Set(v.split(',').map((x) => Number(x.trim().split(':')[0])))].sort((a, b) => a - b)),
    ),
  /** The first admin's generated password goes to this file (mode 0600) instead of the log (containers). */
  ADMIN_PASSWORD_FILE: optionalString,
  /**
   * Which proxies Express trusts for the client address (X-Forwarded-For) and HTTPS
   * (X-Forwarded-Proto): `false` (default: nobody), a hop count (`1` = the TLS proxy in
   * front), or a comma-separated list of addresses/CIDRs (`127.0.0.1,10.0.0.0/8`).
   * `true` (trust anyone) is refused: every client could then choose its own address.
   */
  TRUST_PROXY: z
    .string()
    .trim()
    .default('false')
    .pipe(
      z.union([
        z.literal('false').transform(() => false as const),
        z.string().regex(/^\d{1,2}$/).transform(Number),
        z
          .string()
          .regex(/^[0-9A-Fa-f:.\/]+(\s*,\s*[0-9A-Fa-f:.\/]+)*$/, 'false, a hop count, or a comma-separated list of addresses/CIDRs')
          .transform((v) => v.split(',').map((x) => x.trim())),
      ]),
    ),
  /** Operator commands per user and second, over Socket.IO and REST (a burst of twice as many passes). */
  SOCKET_COMMANDS_PER_S: positiveInt.max(1000).default(10),
  /** Separate live pictures (a district's ward list) the server keeps at once; one a socket. */
  PUSH_MAX_AUDIENCES: positiveInt.max(10_000).default(256),
  /** Notes one incident may hold, and the length of one. */
  INCIDENT_MAX_NOTES: positiveInt.max(100_000).default(500),
  RATE_LIMIT_LOGIN_PER_MIN: positiveInt.default(20),
  /** Refreshes per minute per address: every console refreshes at each page load, and a room shares one address. */
  RATE_LIMIT_REFRESH_PER_MIN: positiveInt.default(300),
  RATE_LIMIT_INGEST_PER_MIN: positiveInt.default(600),
  /** Citizen requests (Open311, server/ingest/open311): per client app's api_key a minute, per device_id an hour. */
  OPEN311_RATE_PER_KEY_PER_MIN: positiveInt.default(120),
  OPEN311_RATE_PER_DEVICE_PER_HOUR: positiveInt.default(10),
  /** A request of the same service this near (metres) and this soon (minutes) after one still open is that one. */
  OPEN311_DUPLICATE_RADIUS_M: positiveInt.max(10_000).default(100),
  OPEN311_DUPLICATE_WINDOW_MIN: positiveInt.max(10_080).default(120),
  /** Extra origins the console may fetch from (tiles, glyphs of an external map style), space-separated. */
  CSP_CONNECT_SRC: z.string().regex(/^[A-Za-z0-9:/.*\- ]*$/, 'space-separated origins, e.g. https://tiles.example.vn').optional(),
  /** Serve HTTPS with this certificate chain and key (PEM files). Both or neither. */
  HTTPS_CERT: optionalString,
  HTTPS_KEY: optionalString,
  /** Devices on the embedded broker log in with their own id and secret and publish under their own id only. */
  MQTT_DEVICE_AUTH: bool.default(true),
  /** Import path only: an earlier installation's device registry (JSON), imported once into PostgreSQL. Devices live in the database (npm run users -- device-add). */
  DEVICE_REGISTRY: z.string().default(path.join(ROOT, 'data', 'devices.json')),
  /** The embedded broker speaks MQTT over TLS (mqtts) with this certificate chain and key (PEM files). */
  MQTT_TLS_CERT: optionalString,
  MQTT_TLS_KEY: optionalString,
}).check((ctx) => {
  // A payload the ingest would take must get through the broker (1 kB for topic and headers).
  if (ctx.value.MQTT_MAX_PACKET_BYTES < ctx.value.MAX_PAYLOAD_BYTES + 1024) {
    ctx.issues.push({ code: 'custom', path: ['MQTT_MAX_PACKET_BYTES'], message: `less than MAX_PAYLOAD_BYTES + 1024 (${ctx.value.MAX_PAYLOAD_BYTES + 1024})`, input: ctx.value.MQTT_MAX_PACKET_BYTES });
  }
  if (ctx.value.CLUSTER) {
    // Every instance must reach the same stores: a local one would be a private copy.
    // AUTH_SECRET too: a key generated per instance would make each one refuse the others' tokens.
    for (const k of ['DATABASE_URL', 'MQTT_URL', 'INFLUX_URL', 'REDIS_URL', 'AUTH_SECRET'] as const) {
      if (!ctx.value[k]) ctx.issues.push({ code: 'custom', path: [k], message: 'required when CLUSTER is on: every instance uses the same one', input: ctx.value[k] });
    }
    // One leader holds the subscription; a shared group would split nothing and, on EMQX and
    // Mosquitto, keeps no queue for a leader that is moving (docs/operations.md).
    if (ctx.value.MQTT_SHARED_GROUP) ctx.issues.push({ code: 'custom', path: ['MQTT_SHARED_GROUP'], message: 'not used in a cluster: the leader holds one persistent session (MQTT_CLUSTER_CLIENT_ID)', input: ctx.value.MQTT_SHARED_GROUP });
    if (ctx.value.SIMULATORS) ctx.issues.push({ code: 'custom', path: ['SIMULATORS'], message: 'run the simulators as their own process in a cluster (npm run sim), not inside an instance', input: ctx.value.SIMULATORS });
  }
  if (ctx.value.LEADER_RENEW_MS * 2 > ctx.value.LEADER_LEASE_MS) {
    ctx.issues.push({ code: 'custom', path: ['LEADER_RENEW_MS'], message: `more than half of LEADER_LEASE_MS (${ctx.value.LEADER_LEASE_MS}): one lost renewal would depose the leader`, input: ctx.value.LEADER_RENEW_MS });
  }
  if (ctx.value.PUSH_FLUSH_MIN_MS > ctx.value.PUSH_FLUSH_MAX_MS) {
    ctx.issues.push({ code: 'custom', path: ['PUSH_FLUSH_MIN_MS'], message: `more than PUSH_FLUSH_MAX_MS (${ctx.value.PUSH_FLUSH_MAX_MS})`, input: ctx.value.PUSH_FLUSH_MIN_MS });
  }
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

/** Variables no longer read, and what took their place: the server warns at start when one is still set (server/index.ts). */
export const REMOVED_VARIABLES: Readonly<Record<string, string>> = {
  INGEST_TOKEN:
    'ingest over HTTP needs ingest tokens issued by an admin, one per sending system (npm run users -- ingest-token add; docs/security.md, "Upgrade notes for operators"); until one is issued /api/ingest/* is off',
};

/** One warning per removed variable still set in `env`. */
export function removedVariableWarnings(env: Record<string, string | undefined> = process.env): string[] {
  return Object.entries(REMOVED_VARIABLES)
    .filter(([k]) => env[k] !== undefined && env[k] !== '')
    .map(([k, why]) => `${k} is set but no longer read: ${why}`);
}

/** Parse an environment; throws ConfigError naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty value (`PORT=` in a .env, `${VAR:-}` in compose) means unset, never 0.
  const known = Object.fromEntries(Object.keys(configSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const parsed = configSchema.safeParse(known);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => {
    const name = String(i.path[0]);
    return `  ${name}=${JSON.stringify(env[name] ?? '')}: ${i.message}`;
  });
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}\nSee .env.example for every variable and its form.`);
}
