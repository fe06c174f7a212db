/**
 * The push layer: Socket.IO with a snapshot on connect, then numbered deltas.
 *
 * Alerts and incident changes go out at once; device state changes are
 * coalesced (latest per device) and sent every `deviceFlushMs`, so that a
 * console gets a few updates per second however fast the devices talk.
 * Recent deltas are kept so a reconnecting client can catch up from its seq.
 */
import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { Change, ClientToServerEvents, Delta, HandshakeAuth, InterServerEvents, ServerToClientEvents, Snapshot, SocketData } from '../../contract/index.js';
import type { EventBus } from '../bus.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Builds the current picture, without seq/serverTime (the hub adds those). */
export type SnapshotSource = () => Omit<Snapshot, 'epoch' | 'seq' | 'serverTime'>;

const OWNER = 'push';
const IMMEDIATE: ReadonlySet<Change['kind']> = new Set(['alert', 'incident', 'unit']);

export class PushHub {
  private io: IoServer | null = null;
  private seq = 0;
  /** This run's identity: sequence numbers restart with the server. */
  readonly epoch = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
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
      /** Registers command handlers on each new socket. */
      onSocket?: (socket: IoSocket) => void;
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
      // A console coming back sends the last seq it applied: give it exactly
      // what it missed when we still hold it, else a fresh snapshot.
      const auth = socket.handshake.auth as HandshakeAuth;
      const missed = auth.epoch === this.epoch && typeof auth.lastSeq === 'number' && Number.isInteger(auth.lastSeq) ? this.deltasSince(auth.lastSeq) : null;
      if (missed) for (const d of missed) socket.emit('state:delta', d);
      else socket.emit('state:snapshot', this.buildSnapshot());
      socket.on('state:resync', (ack) => {
        if (typeof ack !== 'function') return;
        ack({ ok: true, data: this.buildSnapshot() });
      });
      this.opts.onSocket?.(socket);
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
    return { epoch: this.epoch, seq: this.seq, serverTime: Date.now(), ...this.opts.snapshot() };
  }

  /** Deltas after `seq`, or null when they are no longer held (client must take a snapshot). */
  deltasSince(seq: number): Delta[] | null {
    this.flush();
    const first = this.history[0];
    if (seq > this.seq) return null; // a seq from another server's life: start over
    if (seq === this.seq) return [];
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
    case 'unit':
      return c.unit.id;
    case 'kpis':
    case 'feeds':
      return '';
  }
}
