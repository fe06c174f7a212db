/**
 * This server's MQTT feed and its role, as one component. Alone, it leads at once; in a
 * cluster, the lease decides (roles.ts). The leader holds the MQTT session whose messages
 * feed the rules; a standby keeps its device picture warm with a clean session of its own:
 * nothing queued for it, nothing acknowledged that matters, no write. The leader's session
 * is untouched by a standby.
 */
import type { Config } from '../config.js';
import { MqttConnection, type MqttConnectionOptions } from '../broker/connection.js';
import type { Journal } from '../db/journal.js';
import type { StreamType } from '../db/sor.js';
import type { FeedHealthTracker } from '../ingest/health.js';
import type { Recorder } from '../influx/recorder.js';
import type { PointWriter } from '../influx/writer.js';
import type { Logger } from '../log.js';
import type { Operations } from '../operations.js';
import type { EventFollower } from './follower.js';
import type { LeaderLease } from './lease.js';
import { Roles, type Role } from './roles.js';

export interface FeedDeps {
  /** Where and as whom to connect, what to subscribe to, where messages go: every connection's part. */
  connection: Omit<MqttConnectionOptions, 'clientId' | 'ackAfter' | 'clean' | 'qos'>;
  /** The client id of the server's own session (broker.ts serverClientId). */
  clientId: string;
  journal: Journal;
  writer: PointWriter;
  recorder: Recorder;
  operations: Operations;
  health: FeedHealthTracker;
  follower: EventFollower | null;
  /** Re-read streams from PostgreSQL and push them (what this server decided as leader and the database did not take). */
  reread: (ids: { stream: StreamType; id: string }[]) => Promise<void>;
  log: Logger;
}

export class Feed {
  /** The connection that feeds this server now: the leader's session, or a standby's own view. */
  private conn: MqttConnection;
  private roles: Roles | null = null;
  private lease: LeaderLease | null = null;
  /** The journal's sequence acknowledged to the broker so far (cluster). */
  private ackedSeq = 0;

  constructor(
    private readonly config: Config,
    private readonly deps: FeedDeps,
  ) {
    this.conn = new MqttConnection({ ...deps.connection, clientId: deps.clientId });
  }

  get role(): Role {
    return this.roles?.role ?? 'stopped';
  }

  /** Epoch ms of the last switch of role, or null before the first. */
  get since(): number | null {
    return this.roles?.since ?? null;
  }

  status(): ReturnType<MqttConnection['status']> {
    return this.conn.status();
  }

  /** Takes its role: at once alone (`lease` null), or as the lease decides. */
  async start(lease: LeaderLease | null): Promise<void> {
    const { deps } = this;
    this.lease = lease;
    this.roles = new Roles(
      lease,
      {
        lead: async () => {
          await this.conn.stop();
          // Everything the last leader wrote is in this picture before the rules run on it.
          await deps.follower?.catchUp();
          deps.recorder.start();
          deps.operations.lead();
          // The session holds what the last leader left unacknowledged, older than what this
          // server's standby view saw: each device's counter starts over, so none is taken for a repeat.
          deps.health.forgetSequences();
          this.conn = this.leaderConnection();
          await this.conn.start();
        },
        follow: async (why) => {
          const was = this.conn;
          // Cut first: no PUBACK of this server's may leave once another can lead.
          was.abort();
          await was.stop();
          deps.operations.follow();
          deps.recorder.stop();
          if (why !== 'starting') {
            // What this server decided as leader and the database did not take must not stay on screens.
            await deps.follower?.catchUp().catch(() => undefined);
            await deps.reread(deps.operations.held()).catch((err: Error) => deps.log.error({ err: err.message }, 'could not re-read the picture after stepping down'));
          }
          this.conn = this.standbyConnection();
          await this.conn.start();
        },
      },
      deps.log.child({ module: 'cluster' }),
    );
    await this.roles.start();
  }

  /** At once, not at the next renewal: the PUBACKs still waiting must never leave. */
  stepDown(why: string): void {
    this.conn.abort();
    this.lease?.depose(why);
  }

  async stop(): Promise<void> {
    try {
      await this.roles?.stop();
    } finally {
      await this.conn.stop();
    }
  }

  private leaderConnection(): MqttConnection {
    const { config, deps } = this;
    return config.CLUSTER
      ? new MqttConnection({ ...deps.connection, clientId: config.MQTT_CLUSTER_CLIENT_ID, ackAfter: () => this.storedForCluster() })
      : new MqttConnection({ ...deps.connection, clientId: deps.clientId });
  }

  private standbyConnection(): MqttConnection {
    const { config, deps } = this;
    return new MqttConnection({ ...deps.connection, clientId: `${config.MQTT_CLIENT_ID ?? 'ioc-console'}-${config.INSTANCE_ID}`, clean: true, qos: 0, durable: undefined });
  }

  /**
   * In a cluster a message is acknowledged once the next leader can find what it caused:
   * its points in InfluxDB and its alert and incident changes in PostgreSQL. Alone, the
   * spool on this disk is enough: this same server reads it back when it restarts.
   */
  private storedForCluster(): Promise<void> {
    const { journal, writer } = this.deps;
    const from = this.ackedSeq + 1;
    const seq = journal.lastSeq;
    this.ackedSeq = Math.max(this.ackedSeq, seq);
    return Promise.all([writer.written(writer.mark()), journal.flushed(seq, { fromSeq: from, fencedOnly: true })]).then(() => undefined);
  }
}
