/**
 * The push layer: Socket.IO with a snapshot on connect, then numbered deltas.
 *
 * Alerts and incident changes go out at once, in deltas of their own (with
 * only the state of the devices they concern), so they never wait behind
 * telemetry; the ones raised in the same turn of the event loop (a storm knocking out a
 * district's stations at once) share one delta, so a burst of alerts costs one
 * write per screen, not one per alert and screen. Device state changes are
 * coalesced (latest per device) and sent on a cadence that follows the number
 * of open screens (`flushInterval`): every 15 ms for a room of a few consoles,
 * ten times a second from a thousand up, so that the sends per second stay
 * bounded however fast devices talk and however many screens are open.
 * Recent deltas are kept so a reconnecting client can catch up from its seq.
 * Each audience (the city, a district, a responder unit) has its own stream
 * and Socket.IO room, so each screen gets exactly what it needs.
 */
import { deviceKeys } from '../keys.js';
import type { Server as HttpServer } from 'node:http';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import { liveRowOf, liveValues, type Audience, type ClientToServerEvents, type FullChange, type HandshakeAuth, type InterServerEvents, type LiveEntity, type LiveValue, type ServerToClientEvents, type Snapshot, type SocketData } from '../../contract/index.js';
import type { EventBus } from '../bus.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { audienceKey, filterSnapshot } from './audience.js';
import { AudienceStream, type Wire } from './stream.js';

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Builds the current picture, without seq/serverTime (the hub adds those). */
export type SnapshotSource = () => Omit<Snapshot, 'epoch' | 'seq' | 'serverTime'>;

const OWNER = 'push';
const IMMEDIATE: ReadonlySet<FullChange['kind']> = new Set(['alert', 'incident', 'unit']);

export class PushHub {
  private io: IoServer | null = null;
  /** This run's identity: sequence numbers restart with the server. */
  readonly epoch = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  /** Device changes waiting for the next periodic flush, latest per item. */
  private pending = new Map<string, FullChange>();
  /**
   * Alert, incident and unit changes (and their devices' state), sent together at the end
   * of this turn of the event loop. Devices by their key (latest wins); every other change
   * under a key of its own (`#n`), so that each travels, in order.
   */
  private urgent = new Map<string, FullChange>();
  /** Devices that go out whole at their next send (new, or site data changed); the rest as live fields. */
  private readonly siteChanged = new Set<string>();
  /**
   * The live values last sent of each device (LIVE_FIELDS order), by change key: a delta
   * carries only what differs from them. Every screen holds them already (from its
   * snapshot or an earlier delta), so one baseline serves every audience. An array of
   * five to seven values a device.
   */
  private readonly lastLive = new Map<string, LiveValue[]>();
  private timer: NodeJS.Timeout | null = null;
  /** The send of urgent changes, at the end of this turn of the event loop. */
  private urgentSend: NodeJS.Immediate | null = null;
  /** Makes each immediate change's key in `urgent` its own. */
  private urgentCount = 0;
  /** One stream per audience (city, a district, a unit, the wall), each with its own seq. */
  private readonly streams = new Map<string, AudienceStream>();
  private streamCount = 0;

  /** Audiences held now (the cap's subject; tests read it). */
  get audienceCount(): number {
    return this.streams.size;
  }

  constructor(
    private readonly opts: {
      bus: EventBus;
      snapshot: SnapshotSource;
      log: Logger;
      metrics: Metrics;
      /** The device-change cadence (`flushInterval`); the defaults when unset. */
      cadence?: Partial<FlushCadence>;
      historySize?: number;
      /** Which picture a socket gets; the whole city unless said otherwise. */
      audienceOf?: (socket: IoSocket) => Audience;
      /** Audiences (streams) held at once; a socket that would open one more is refused. */
      maxAudiences?: number;
      /** Registers command handlers on each new socket. */
      onSocket?: (socket: IoSocket) => void;
      /** Handshake check (io.use): a refused socket never reaches 'connection' (server/auth/socket.ts). */
      middleware?: (socket: IoSocket, next: (err?: Error) => void) => void;
      /** Socket.IO's adapter across servers (the Redis streams adapter, server/cluster/redis.ts), or the in-memory one. */
      adapter?: ServerOptions['adapter'];
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
      ...(this.opts.adapter ? { adapter: this.opts.adapter } : {}),
    });
    this.io = io;
    if (this.opts.middleware) io.use(this.opts.middleware);
    // After the handshake check: the socket's audience, within the cap on audiences held.
    io.use((socket, next) => {
      const audience = this.opts.audienceOf?.(socket) ?? { kind: 'city' };
      if (!this.streams.has(audienceKey(audience)) && this.streams.size >= (this.opts.maxAudiences ?? 256)) {
        this.opts.log.warn({ audiences: this.streams.size }, 'socket refused: too many separate live pictures');
        const err = new Error('unavailable') as Error & { data: unknown };
        err.data = { code: 'unavailable', reason: 'audiences', message: 'the server holds too many separate live pictures: watch the whole city, or try later' };
        return next(err);
      }
      socket.data.audience = audience;
      next();
    });
    io.on('connection', (socket) => {
      this.opts.metrics.sockets.inc();
      const audience = socket.data.audience;
      const stream = this.stream(audience);
      // What is waiting goes out first, to the screens already here: this one gets it below,
      // with what it missed or in its snapshot. Sent to the room after the join, it would
      // arrive ahead of the older deltas it missed.
      this.flush();
      void socket.join(stream.room);
      // A console coming back sends the last seq it applied: give it exactly
      // what it missed when we still hold it, else a fresh snapshot.
      const auth = socket.handshake.auth as HandshakeAuth & { epoch?: unknown; lastSeq?: unknown };
      const missed = auth.epoch === stream.epoch && typeof auth.lastSeq === 'number' && Number.isInteger(auth.lastSeq) ? stream.since(auth.lastSeq) : null;
      if (missed) for (const d of missed) socket.emit('state:delta', d);
      else socket.emit('state:snapshot', this.snapshotFor(stream));
      socket.on('state:resync', (ack) => {
        if (typeof ack !== 'function') return;
        ack({ ok: true, data: this.snapshotFor(stream) });
      });
      this.opts.onSocket?.(socket);
      socket.on('disconnect', () => {
        this.opts.metrics.sockets.dec();
        // The last screen of a district or a unit left: its stream goes too (the city's stays).
        if (audience.kind !== 'city' && !io.sockets.adapter.rooms.get(stream.room)?.size) this.streams.delete(audienceKey(audience));
      });
    });
    this.opts.bus.on('state.change', OWNER, (c) => this.onChange(c));
    const cadence = { ...DEFAULT_CADENCE, ...this.opts.cadence };
    // A chain of timeouts, not an interval: each waits as long as the screens open now call for.
    const tick = () => {
      this.flush();
      if (this.timer) this.timer = setTimeout(tick, flushInterval(io.engine.clientsCount, cadence));
    };
    this.timer = setTimeout(tick, flushInterval(0, cadence));
  }

  async stop(): Promise<void> {
    this.opts.bus.removeOwner(OWNER);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.urgentSend) clearImmediate(this.urgentSend);
    this.urgentSend = null;
    const io = this.io;
    this.io = null;
    if (io) {
      io.local.disconnectSockets(true);
      // io.close() would also close the shared HTTP server; the app closes that.
      io.engine.close();
      io.removeAllListeners();
    }
  }

  private stream(audience: Audience): AudienceStream {
    const key = audienceKey(audience);
    let s = this.streams.get(key);
    if (!s) {
      // Its own epoch: a stream dropped and made again restarts its seq, and a console
      // holding a seq of the old one must get a snapshot, not a wrong catch-up.
      s = new AudienceStream(audience, `aud:${key}`, this.opts.historySize ?? 2000, undefined, `${this.epoch}.${(++this.streamCount).toString(36)}`);
      this.streams.set(key, s);
    }
    return s;
  }

  private snapshotFor(stream: AudienceStream): Snapshot {
    // Pending changes are part of the picture: flush them first so that the
    // snapshot's seq and the deltas that follow agree.
    this.flush();
    const full: Snapshot = { epoch: stream.epoch, seq: stream.seq, serverTime: Date.now(), ...this.opts.snapshot() };
    const { snapshot, visible } = filterSnapshot(stream.audience, full);
    stream.init(visible);
    return snapshot;
  }

  private onChange(ev: FullChange & { site?: true }): void {
    // Only a new device or new site data carries the flag (rare): strip it then, copy nothing otherwise.
    let c: FullChange = ev;
    if (ev.site) {
      const { site: _site, ...rest } = ev;
      c = rest as FullChange;
    }
    const key = changeKey(c);
    if (ev.site) this.siteChanged.add(key);
    if (!IMMEDIATE.has(c.kind)) {
      if (this.urgent.has(key)) this.urgent.set(key, c);
      else this.pending.set(key, c);
      return;
    }
    // The device an alert is about goes with it, so that the map agrees with the alert.
    if (c.kind === 'alert') {
      const src = c.alert.source;
      const dev = keyOf(src.kind, src.id);
      const d = this.pending.get(dev);
      if (d) {
        this.pending.delete(dev);
        this.urgent.set(dev, d);
      }
    }
    // A key of its own: a creation and the updates that follow it in the same turn all travel.
    this.urgent.set(`${key}#${++this.urgentCount}`, c);
    // Not sent right here: every alert and incident change of this turn (one MQTT read can
    // raise dozens) goes in one delta, right after it, before any timer.
    this.urgentSend ??= setImmediate(() => {
      this.urgentSend = null;
      this.sendUrgent();
    });
  }

  private sendUrgent(): void {
    if (this.urgent.size === 0) return;
    this.send(this.urgent);
    this.urgent = new Map();
  }

  /** Sends everything waiting: its own tick does, and so does a connection before it joins. */
  private flush(): void {
    this.sendUrgent();
    if (this.pending.size === 0) return;
    this.send(this.pending);
    this.pending = new Map();
  }

  private send(batch: Map<string, FullChange>): void {
    const changes = [...batch.values()];
    const t = Date.now();
    // The wire form of each change, made once for every audience: a device sent whole
    // goes as it is; a known device goes as a live-table row of the fields that differ
    // from the last delta (null: nothing changed, nothing to send).
    const wire = new Map<FullChange, Wire>();
    for (const [key, c] of batch) {
      const d = deviceOf(c);
      if (!d) continue;
      const values = liveValues(d.entity, d.device);
      const prev = this.lastLive.get(key);
      this.lastLive.set(key, values);
      if (this.siteChanged.delete(key)) continue;
      const row = liveRowOf(d.entity, d.device.id, values, prev, t);
      wire.set(c, row ? { entity: d.entity, row } : null);
    }
    for (const stream of this.streams.values()) {
      const delta = stream.next(changes, (c) => (wire.has(c) ? wire.get(c)! : c), t);
      if (!delta) continue;
      // Each server pushes its own picture to its own screens; the adapter is not on this path.
      this.io?.local.to(stream.room).emit('state:delta', delta);
      this.opts.metrics.deltas.inc();
    }
  }
}

export interface FlushCadence {
  /** Shortest wait between device-change sends (few screens). */
  minMs: number;
  /** Longest wait: ten times a second at the default, however many screens. */
  maxMs: number;
  /** Socket writes a second the cadence keeps under (screens × sends a second). */
  sendsPerSecond: number;
}

export const DEFAULT_CADENCE: FlushCadence = { minMs: 15, maxMs: 100, sendsPerSecond: 10_000 };

/**
 * How long coalesced device changes wait before they go out, given the sockets open.
 * Each send is one write per screen, so the wait grows with the screens until it reaches
 * `maxMs`: up to 150 screens get a send every 15 ms (device changes on screen in about
 * 15 ms at p50), a thousand every 100 ms. Alerts never wait for it.
 */
export function flushInterval(sockets: number, c: FlushCadence): number {
  return Math.min(c.maxMs, Math.max(c.minMs, Math.ceil((sockets * 1000) / c.sendsPerSecond)));
}

/** A device change's kind and device, for its live values; null for anything else. */
function deviceOf(c: FullChange): { entity: LiveEntity; device: { id: string } } | null {
  switch (c.kind) {
    case 'camera':
      return { entity: 'camera', device: c.camera };
    case 'station':
      return { entity: 'station', device: c.station };
    case 'link':
      return { entity: 'link', device: c.link };
    default:
      return null;
  }
}
const DEVICE_KEYS: Record<string, (id: string) => string> = { camera: deviceKeys('camera:'), station: deviceKeys('station:'), link: deviceKeys('link:') };

/** `${kind}:${id}`; a device's key is made once (one per device message otherwise, to hash each time). */
function keyOf(kind: string, id: string): string {
  const device = DEVICE_KEYS[kind];
  return device ? device(id) : `${kind}:${id}`;
}

function changeKey(c: FullChange): string {
  return keyOf(c.kind, changeId(c));
}

function changeId(c: FullChange): string {
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
    case 'gone':
      return `${c.entity}:${c.id}`;
    case 'kpis':
    case 'feeds':
      return '';
  }
}
