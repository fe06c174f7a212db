/**
 * Database, retention policies and continuous queries, created when absent.
 * `raw` (default RP) keeps every point for INFLUX_RETENTION_RAW; `rollup`
 * keeps 1-minute aggregates for INFLUX_RETENTION_ROLLUP; `kpi` keeps the indicators' values
 * (a point a period) forever. See docs/storage.md.
 */
import type { InfluxDB } from 'influx';

export const RP_RAW = 'raw';
export const RP_ROLLUP = 'rollup';
/** Digital-government indicators (server/indicators): a point a period, kept forever. */
export const RP_KPI = 'kpi';

/** 1-minute rollups: what /api/history and the wall's 24 h trends read. */
export function continuousQueries(db: string): { name: string; query: string }[] {
  const into = (m: string) => `"${db}"."${RP_ROLLUP}"."${m}"`;
  const from = (m: string) => `"${db}"."${RP_RAW}"."${m}"`;
  return [
    {
      name: 'cq_station_1m',
      query: `SELECT mean("state_code") AS state_code, mean("load_pct") AS load_pct, min("battery_pct") AS battery_pct INTO ${into('station_status_1m')} FROM ${from('station_status')} GROUP BY time(1m), "station", "operator", "ward"`,
    },
    {
      name: 'cq_camera_1m',
      query: `SELECT mean("state_code") AS state_code, mean("fps") AS fps INTO ${into('camera_status_1m')} FROM ${from('camera_status')} GROUP BY time(1m), "camera", "ward"`,
    },
    {
      name: 'cq_detection_1m',
      query: `SELECT count("confidence") AS count, max("queue_m") AS queue_m INTO ${into('detection_1m')} FROM ${from('detection')} GROUP BY time(1m), "kind", "road"`,
    },
    {
      name: 'cq_link_1m',
      query: `SELECT mean("state_code") AS state_code, mean("latency_ms") AS latency_ms, max("loss_pct") AS loss_pct INTO ${into('link_status_1m')} FROM ${from('link_status')} GROUP BY time(1m), "link"`,
    },
    {
      name: 'cq_incident_1m',
      query: `SELECT count("seq") AS count INTO ${into('incident_report_1m')} FROM ${from('incident_report')} GROUP BY time(1m), "type", "severity"`,
    },
  ];
}

export async function ensureSchema(influx: InfluxDB, db: string, retention: { raw: string; rollup: string }): Promise<void> {
  const names = await influx.getDatabaseNames();
  if (!names.includes(db)) await influx.createDatabase(db);
  const rps = await influx.showRetentionPolicies(db);
  const have = new Set(rps.map((r) => r.name));
  if (!have.has(RP_RAW)) {
    await influx.createRetentionPolicy(RP_RAW, { database: db, duration: retention.raw, replication: 1, isDefault: true });
  }
  if (!have.has(RP_ROLLUP)) {
    await influx.createRetentionPolicy(RP_ROLLUP, { database: db, duration: retention.rollup, replication: 1 });
  }
  if (!have.has(RP_KPI)) {
    await influx.createRetentionPolicy(RP_KPI, { database: db, duration: 'INF', replication: 1 });
  }
  const cqs = await influx.showContinousQueries(db);
  const haveCq = new Set(cqs.map((c) => c.name));
  for (const cq of continuousQueries(db)) {
    // RESAMPLE … FOR 15m: a backlog replayed from the spool within 15 minutes still reaches the rollups.
    if (!haveCq.has(cq.name)) await influx.createContinuousQuery(cq.name, cq.query, db, 'RESAMPLE EVERY 1m FOR 15m');
  }
}

/** Why the schema could not be set up within its bound: the last error, or that nothing answered. */
export class SchemaTimeoutError extends Error {
  constructor(readonly lastError: string | null, withinMs: number) {
    super(lastError ?? `no answer within ${withinMs / 1000} s`);
    this.name = 'SchemaTimeoutError';
  }
}

/**
 * `attempt` (ensureSchema) until it succeeds, tried again `retryMs` after each failure, for at
 * most `withinMs` from the first try. It always ends: resolved on success; rejected with a
 * SchemaTimeoutError naming the last error once the bound has passed, even while an attempt
 * still hangs; rejected at once when `signal` aborts (the app stopping). Start-up waits on it:
 * without the schema, the open alerts and incidents cannot be rebuilt.
 */
export function ensureSchemaWithin(
  attempt: () => Promise<void>,
  o: { withinMs: number; retryMs: number; signal?: AbortSignal; onFailure?: (err: Error, first: boolean) => void },
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let lastError: string | null = null;
    let retry: NodeJS.Timeout | undefined;
    let deadline: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      clearTimeout(retry);
      o.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const onAbort = () => finish(new Error('stopped before the InfluxDB schema was ready'));
    if (o.signal?.aborted) return onAbort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    deadline = setTimeout(() => finish(new SchemaTimeoutError(lastError, o.withinMs)), o.withinMs);
    const tryOnce = (first: boolean) => {
      attempt().then(
        () => finish(),
        (err: Error) => {
          if (done) return;
          lastError = err.message;
          o.onFailure?.(err, first);
          retry = setTimeout(() => tryOnce(false), o.retryMs);
        },
      );
    };
    tryOnce(true);
  });
}
