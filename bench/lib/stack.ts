/**
 * Mosquitto + influxd + PostgreSQL for one benchmark, from the test harness (raised
 * max_queued_messages, $SYS every second; a throwaway PostgreSQL cluster, the system
 * of record), plus the broker's drop counter. Every server start gets a database of
 * its own in that cluster (`freshDatabase`), never the embedded cluster in PG_DATA_DIR.
 */
import mqtt from 'mqtt';
import pg from 'pg';
import { startMosquitto, type TestMosquitto } from '../../tests/harness/mosquitto.js';
import { startTestInfluxd, type TestInfluxd } from '../../tests/harness/influxd.js';
import { startTestPostgres, type TestPostgres } from '../../tests/harness/postgres.js';

/** Mosquitto 2.0.11's cumulative count of publishes it dropped (queue full, QoS0 to offline clients…). */
export const DROP_TOPIC = '$SYS/broker/publish/messages/dropped';

/**
 * The in-flight limit of the shipped docker/mosquitto/mosquitto.conf (the harness already
 * raises the queue limits): with Mosquitto's default of 20 unacknowledged QoS1 messages
 * per subscriber, one consumer is capped at 20 per round trip whatever it does.
 */
const SHIPPED_LIMITS = 'max_inflight_messages 100';

/**
 * What docker-compose.yml gives the server beside that broker: PUBACK batches sized for a
 * window of 100 (the defaults, 16 and 1 ms, are for Mosquitto's own default of 20).
 */
export const SHIPPED_SERVER_ENV = { MQTT_ACK_BATCH: '64', MQTT_ACK_WAIT_MS: '10' } as const;

export interface Stack {
  mosquitto: TestMosquitto;
  influxd: TestInfluxd;
  postgres: TestPostgres;
  /** A new, empty database in the stack's cluster (`CREATE DATABASE`): its URL. */
  createDatabase(name: string): Promise<string>;
  /** The broker's drop counter now (waits for the next $SYS tick so the value is fresh). */
  brokerDropped(): Promise<number>;
  stop(): Promise<void>;
}

/** The running stack's cluster: startServer takes a fresh database from it when not given one. */
let current: Stack | null = null;

/** A fresh database in the running stack's PostgreSQL (bench servers never use the embedded cluster). */
export async function freshDatabase(name: string): Promise<string> {
  if (!current) throw new Error('no bench stack running: a bench server needs its PostgreSQL (startStack)');
  return current.createDatabase(name);
}

/** Database names are unique within a run: `bench_<n>_<name>`. */
let dbSeq = 0;

/** SQL on a database of the cluster (its URL with another path). */
export async function withDb<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

export async function startStack(): Promise<Stack> {
  const [mosquitto, influxd, postgres] = await Promise.all([startMosquitto({ extraConfig: SHIPPED_LIMITS }), startTestInfluxd({ readyTimeoutMs: 60_000 }), startTestPostgres()]);
  const sys = await mqtt.connectAsync(mosquitto.url, { clientId: `bench-sys-${process.pid}`, reconnectPeriod: 500 });
  let dropped = 0;
  let updates = 0;
  sys.on('message', (_t, p) => {
    dropped = Number(p.toString());
    updates++;
  });
  await sys.subscribeAsync(DROP_TOPIC, { qos: 0 });
  const stack: Stack = {
    mosquitto,
    influxd,
    postgres,
    async createDatabase(name) {
      const db = `bench_${++dbSeq}_${name.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
      await withDb(postgres.url, (c) => c.query(`CREATE DATABASE "${db}"`));
      const u = new URL(postgres.url);
      u.pathname = `/${db}`;
      return u.toString();
    },
    async brokerDropped() {
      // $SYS is republished every sys_interval (1 s) only when it changed; the retained value arrives on subscribe.
      const seen = updates;
      const deadline = Date.now() + 2500;
      while (updates === seen && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      return dropped;
    },
    async stop() {
      if (current === stack) current = null;
      await sys.endAsync(true).catch(() => undefined);
      await Promise.allSettled([mosquitto.stop(), influxd.stop(), postgres.stop()]);
    },
  };
  current = stack;
  return stack;
}

/** InfluxQL over HTTP; returns the series of the first statement. */
export async function influxQuery(url: string, db: string, q: string): Promise<{ name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }[]> {
  const u = new URL('/query', url);
  u.searchParams.set('db', db);
  u.searchParams.set('q', q);
  const res = await fetch(u, { method: 'POST', signal: AbortSignal.timeout(60_000) });
  const body = (await res.json()) as { results?: { series?: never[]; error?: string }[]; error?: string };
  const r = body.results?.[0];
  if (body.error || r?.error) throw new Error(`InfluxDB: ${body.error ?? r?.error} (${q})`);
  return r?.series ?? [];
}

/** Ends a persistent MQTT session (connect with clean: true under its client id). */
export async function clearSession(mqttUrl: string, clientId: string): Promise<void> {
  const c = await mqtt.connectAsync(mqttUrl, { clientId, clean: true, reconnectPeriod: 0 });
  await c.endAsync();
}
