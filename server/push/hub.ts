/**
 * The push layer: Socket.IO with a snapshot on connect, then numbered deltas.
 *
 * Alerts and incident changes go out at once; device state changes are
 * coalesced (latest per device) and sent every `deviceFlushMs`, so that a
 * console gets a few updates per second however fast the devices talk.
 * Recent deltas are kept so a reconnecting client can catch up from its seq.
 */
import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { Change, ClientToServerEvents, Delta, InterServerEvents, ServerToClientEvents, Snapshot, SocketData } from '../../contract/index.js';
import type { EventBus } from '../bus.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Builds the current picture, without seq/serverTime (the hub adds those). */
export type SnapshotSource = () => Omit<Snapshot, 'seq' | 'serverTime'>;

const OWNER = 'push';
const IMMEDIATE: ReadonlySet<Change['kind']> = new Set(['alert', 'incident']);

export class PushHub {
  private io: IoServer | null = null;
  private seq = 0;
  /** Device changes waiting for the next flush, latest per device. */
  private pending = new Map<string, Change>();
  private timer: NodeJS.Timeout | null = null;
  private readonly history: Delta[] = [];

  constructor(
    private readonly opts: {
      bus: EventBus;
      snapshot: SnapshotSource;
      log: Logger;
      metrics: Metrics;
      deviceFlushMs?: number;
      historySize?: number;
    },
  ) {}

  get server(): IoServer {
    if (!this.io) throw new Error('push hub not started');
    return this.io;
  }

  start(http: HttpServer): void {
    const io: IoServer = new Server(http, {
      serveClient: false,
      // A closed network: same-origin only unless configured otherwise (security issue).
      cors: { origin: false },
      maxHttpBufferSize: 64 * 1024,
    });
    this.io = io;
    io.on('connection', (socket) => {
      this.opts.metrics.sockets.inc();
      socket.emit('state:snapshot', this.buildSnapshot());
      socket.on('state:resync', (ack) => {
        if (typeof ack !== 'function') return;
        ack({ ok: true, data: this.buildSnapshot() });
      });
      socket.on('disconnect', () => this.opts.metrics.sockets.dec());
    });
    this.opts.bus.on('state.change', OWNER, (c) => this.onChange(c));
    this.timer = setInterval(() => this.flush(), this.opts.deviceFlushMs ?? 250);
  }

  async stop(): Promise<void> {
    this.opts.bus.removeOwner(OWNER);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const io = this.io;
    this.io = null;
    if (io) {
      io.disconnectSockets(true);
      // io.close() would also close the shared HTTP server; the app closes that.
      io.removeAllListeners();
    }
  }

  buildSnapshot(): Snapshot {
    // Pending device changes are part of the picture: flush them first so that
    // the snapshot's seq and the deltas that follow agree.
    this.flush();
    return { seq: this.seq, serverTime: Date.now(), ...this.opts.snapshot() };
  }

  /** Deltas after `seq`, or null when they are no longer held (client must take a snapshot). */
  deltasSince(seq: number): Delta[] | null {
    const first = this.history[0];
    if (seq >= this.seq) return [];
    if (!first || first.seq > seq + 1) return null;
    return this.history.filter((d) => d.seq > seq);
  }

  private onChange(c: Change): void {
    if (IMMEDIATE.has(c.kind)) {
      this.pending.set(`${c.kind}:${changeId(c)}`, c);
      this.flush();
    } else {
      this.pending.set(`${c.kind}:${changeId(c)}`, c);
    }
  }

  private flush(): void {
    if (this.pending.size === 0 || !this.io) return;
    const delta: Delta = { seq: ++this.seq, changes: [...this.pending.values()] };
    this.pending = new Map();
    this.history.push(delta);
    const max = this.opts.historySize ?? 2000;
    if (this.history.length > max) this.history.splice(0, this.history.length - max);
    this.io.emit('state:delta', delta);
    this.opts.metrics.deltas.inc();
  }
}

function changeId(c: Change): string {
  switch (c.kind) {
    case 'camera':
      return c.camera.id;
    case 'station':
      return c.station.id;
    case 'link':
      return c.link.id;
    case 'alert':
      return c.alert.id;
    case 'incident':
      return c.incident.id;
    case 'kpis':
    case 'feeds':
      return '';
  }
}
