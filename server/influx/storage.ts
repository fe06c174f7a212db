/**
 * InfluxDB for the app, as one component: a supervised local influxd unless INFLUX_URL names
 * one; the query client; the schema, which start() waits for within a bound (without it the
 * open alerts and incidents cannot be rebuilt); and the write path, spool → sink → PointWriter,
 * whose points wait in the spool until the schema exists.
 */
import type { InfluxDB } from 'influx';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { redactUrl } from '../redact.js';
import { influxClient, influxCredentials } from './client.js';
import { startInfluxd, type InfluxdHandle } from './influxd.js';
import { ensureSchema, ensureSchemaWithin, RP_RAW, SchemaTimeoutError } from './schema.js';
import { influxLineSink } from './sink.js';
import { Spool } from './spool.js';
import { PointWriter } from './writer.js';

/** How long start() waits for the schema, and how soon it asks again after a failure. */
export const SCHEMA_WITHIN_MS = 3000;
export const SCHEMA_RETRY_MS = 500;

export interface StorageStarted {
  url: string;
  /** A local influxd this app supervises (INFLUX_URL unset). */
  local: boolean;
  influx: InfluxDB;
  writer: PointWriter;
}

export class InfluxStorage {
  private influxd: InfluxdHandle | null = null;
  private writer: PointWriter | null = null;
  private readonly stopping = new AbortController();

  constructor(
    private readonly config: Config,
    private readonly deps: { log: Logger; metrics: Metrics },
  ) {}

  async start(): Promise<StorageStarted> {
    const { config, deps } = this;
    if (!config.INFLUX_URL) {
      this.influxd = await startInfluxd({
        dataDir: config.INFLUX_DATA_DIR,
        httpPort: config.INFLUX_LOCAL_PORT,
        rpcPort: config.INFLUX_LOCAL_RPC_PORT,
        logger: deps.log.child({ module: 'influxd' }),
      });
    }
    const url = config.INFLUX_URL ?? this.influxd!.url;
    const credentials = influxCredentials(url, config);
    const influx = influxClient(url, config.INFLUX_DATABASE, credentials);
    const spool = new Spool(config.SPOOL_DIR, { maxBytes: config.SPOOL_MAX_MB * 1024 * 1024 });
    const sink = influxLineSink({ url, database: config.INFLUX_DATABASE, retentionPolicy: RP_RAW, ...credentials });
    const writer = (this.writer = new PointWriter(spool, sink, {
      batchSize: config.INFLUX_BATCH_SIZE,
      flushMs: config.INFLUX_FLUSH_MS,
      log: deps.log.child({ module: 'writer' }),
      metrics: deps.metrics,
    }));
    writer.open();
    const log = deps.log.child({ module: 'influx' });
    const retention = { raw: config.INFLUX_RETENTION_RAW, rollup: config.INFLUX_RETENTION_ROLLUP };
    await ensureSchemaWithin(() => ensureSchema(influx, config.INFLUX_DATABASE, retention), {
      withinMs: SCHEMA_WITHIN_MS,
      retryMs: SCHEMA_RETRY_MS,
      signal: this.stopping.signal,
      onFailure: (err, first) => {
        if (first) log.error({ err: err.message }, `InfluxDB schema set-up failed: retrying for up to ${SCHEMA_WITHIN_MS / 1000} s`);
      },
    }).catch((err: Error) => {
      if (!(err instanceof SchemaTimeoutError)) throw err;
      throw new Error(
        `InfluxDB at ${redactUrl(url)} is not usable (${err.message}): alerts and incidents cannot be rebuilt without it. Check INFLUX_URL and that InfluxDB is running`,
      );
    });
    writer.start();
    return { url, local: this.influxd !== null, influx, writer };
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    try {
      await this.writer?.stop();
    } finally {
      await this.influxd?.stop();
    }
  }
}
