/**
 * PostgreSQL, the system of record, as one component: DATABASE_URL or a supervised local
 * cluster, which must answer now (nothing can be rebuilt without it); the schema brought up
 * to date; the pool; and the journal that writes every change in order.
 */
import type pg from 'pg';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { openDatabase, type Database } from './database.js';
import { Journal, type JournalOptions } from './journal.js';
import { migrate } from './migrate.js';
import { createPool } from './pool.js';

export interface SystemOfRecordStarted {
  url: string;
  /** DATABASE_URL: nothing of it was started here. */
  external: boolean;
  pool: pg.Pool;
  journal: Journal;
}

export class SystemOfRecord {
  private database: Database | null = null;
  private pool: pg.Pool | null = null;
  private journal: Journal | null = null;

  constructor(
    private readonly config: Config,
    private readonly deps: { log: Logger; metrics: Metrics; now: () => number } & Pick<JournalOptions, 'fence' | 'onRejected'>,
  ) {}

  async start(): Promise<SystemOfRecordStarted> {
    const { config, deps } = this;
    const database = (this.database = await openDatabase(config, deps.log.child({ module: 'postgres' })));
    await migrate(database.url, deps.log);
    const pool = (this.pool = createPool(database.url, { logger: deps.log, max: config.PG_POOL_MAX }));
    if (!config.CLUSTER) await refuseBesideCluster(pool);
    const journal = (this.journal = new Journal(pool, {
      log: deps.log.child({ module: 'journal' }),
      now: deps.now,
      onBatch: (written, rejected, ms) => deps.metrics.dbBatch(written, rejected, ms),
      ...(deps.fence ? { fence: deps.fence } : {}),
      ...(deps.onRejected ? { onRejected: deps.onRejected } : {}),
    }));
    deps.metrics.dbJournal(() => journal.snapshot());
    return { url: database.url, external: database.external, pool, journal };
  }

  /** The journal's last writes first, then the pool, then the local cluster. */
  async stop(): Promise<void> {
    try {
      await this.journal?.stop();
    } finally {
      try {
        await this.pool?.end();
      } finally {
        await this.database?.stop();
      }
    }
  }
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
