/**
 * Prometheus metrics, all named ioc_*. One registry per app instance so that
 * tests can build several apps in one process.
 */
import client from 'prom-client';

export function createMetrics() {
  const registry = new client.Registry();
  // Per-message counts are kept as plain numbers on the ingest path and added to their
  // counters when Prometheus (or the health report) reads them: a prom-client inc()
  // hashes labels and checks values, at 10,000 messages a second that shows in profiles.
  const beforeRead: (() => void)[] = [];
  client.collectDefaultMetrics({ register: registry, prefix: 'ioc_process_' });
  const m = {
    registry,
    /** Registers a function that moves counts held back on a hot path into their counters. */
    beforeRead(fn: () => void): void {
      beforeRead.push(fn);
    },
    messages: new client.Counter({
      name: 'ioc_ingest_messages_total',
      help: 'Valid MQTT messages ingested, by feed and kind',
      labelNames: ['feed', 'kind'] as const,
      registers: [registry],
      collect() {
        for (const fn of beforeRead) fn();
      },
    }),
    rejects: new client.Counter({
      name: 'ioc_ingest_rejected_total',
      help: 'MQTT messages rejected at the boundary, by topic family and reason',
      labelNames: ['feed', 'reason'] as const,
      registers: [registry],
    }),
    seqGaps: new client.Counter({
      name: 'ioc_ingest_seq_gaps_total',
      help: 'Messages missing from per-device sequence numbers (lost upstream)',
      labelNames: ['feed'] as const,
      registers: [registry],
    }),
    duplicates: new client.Counter({
      name: 'ioc_ingest_duplicates_total',
      help: 'Duplicate device messages (same device, same seq) ignored',
      labelNames: ['feed'] as const,
      registers: [registry],
    }),
    pointsWritten: new client.Counter({
      name: 'ioc_influx_points_written_total',
      help: 'Points written to InfluxDB',
      registers: [registry],
    }),
    writeErrors: new client.Counter({
      name: 'ioc_influx_write_errors_total',
      help: 'Failed InfluxDB batch writes (retried or spooled)',
      registers: [registry],
    }),
    writeQueue: new client.Gauge({
      name: 'ioc_influx_queue_points',
      help: 'Points waiting to be written to InfluxDB',
      registers: [registry],
    }),
    spoolBytes: new client.Gauge({
      name: 'ioc_spool_bytes',
      help: 'Bytes held in the on-disk spool while InfluxDB is away',
      registers: [registry],
    }),
    spoolDropped: new client.Counter({
      name: 'ioc_spool_dropped_points_total',
      help: 'Points dropped because the spool was full (InfluxDB away too long)',
      registers: [registry],
    }),
    sockets: new client.Gauge({
      name: 'ioc_push_sockets',
      help: 'Connected Socket.IO clients',
      registers: [registry],
    }),
    brokerConnRefused: new client.Counter({
      name: 'ioc_broker_connections_refused_total',
      help: 'Embedded broker connections closed by the socket guard before or around CONNECT, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    brokerConnections: new client.Gauge({
      name: 'ioc_broker_connections',
      help: 'TCP connections open on the embedded broker: public (devices) and loopback (the server, the simulators)',
      labelNames: ['listener'] as const,
      registers: [registry],
    }),
    brokerConnRefusedBytes: new client.Histogram({
      name: 'ioc_broker_refused_read_bytes',
      help: 'Bytes read from a connection the socket guard refused, up to the refusal',
      buckets: [1024, 16_384, 65_536, 262_144, 1_048_576, 16_777_216],
      registers: [registry],
    }),
    deltas: new client.Counter({
      name: 'ioc_push_deltas_total',
      help: 'State deltas pushed (each to all subscribed sockets)',
      registers: [registry],
    }),
    dbWrites: new client.Counter({
      name: 'ioc_db_writes_total',
      help: 'Changes written to PostgreSQL (events, audit rows, statements), by result: ok, or refused by the database',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    dbBatchSeconds: new client.Histogram({
      name: 'ioc_db_batch_seconds',
      help: 'Time to write one batch of changes to PostgreSQL (one transaction)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers: [registry],
    }),
    /** Told by the journal after each batch. */
    dbBatch(written: number, rejected: number, ms: number): void {
      if (written) m.dbWrites.inc({ result: 'ok' }, written);
      if (rejected) m.dbWrites.inc({ result: 'refused' }, rejected);
      m.dbBatchSeconds.observe(ms / 1000);
    },
    /** The journal's state, read when Prometheus scrapes. */
    /** 1 while this instance leads the cluster (or runs alone), else 0. */
    clusterRole(leading: () => boolean): void {
      new client.Gauge({
        name: 'ioc_cluster_leading',
        help: '1 while this instance leads (holds the MQTT session, writes telemetry, runs the rules), 0 while it stands by',
        registers: [registry],
        collect() {
          this.set(leading() ? 1 : 0);
        },
      });
    },
    dbJournal(read: () => { pending: number; available: boolean }): void {
      new client.Gauge({
        name: 'ioc_db_pending',
        help: 'Changes waiting to be written to PostgreSQL (they grow while it is away)',
        registers: [registry],
        collect() {
          this.set(read().pending);
        },
      });
      new client.Gauge({
        name: 'ioc_db_up',
        help: '1 while PostgreSQL takes writes, 0 from a failed write until the next one succeeds',
        registers: [registry],
        collect() {
          this.set(read().available ? 1 : 0);
        },
      });
    },
  };
  return m;
}
export type Metrics = ReturnType<typeof createMetrics>;
