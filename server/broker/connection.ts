/**
 * The server's own MQTT connection: one persistent session (clean: false,
 * fixed client id) with QoS 1 subscriptions, so that messages published while
 * the server is down are delivered when it returns. Subscribes on every
 * connect, so that a broker that lost our session still feeds us.
 */
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import type { Logger } from '../log.js';

export interface MqttConnectionOptions {
  url: string;
  clientId: string;
  username?: string | undefined;
  password?: string | undefined;
  subscriptions: readonly string[];
  /** Prefix subscriptions with $share/GROUP/ (clustered brokers, MQTT 5). */
  sharedGroup?: string | undefined;
  log: Logger;
  onMessage: (topic: string, payload: Buffer) => void;
  /**
   * Where onMessage stores what it accepts (the point writer). Writes made inside
   * onMessage are held and put on disk once, just before the PUBACKs they owe leave.
   */
  durable?: { hold(): void; release(): void; sync(): void } | undefined;
  /**
   * PUBACKs of one batch: at most this many messages, under the broker's in-flight window
   * (MQTT_ACK_BATCH) …
   */
  ackBatch: number;
  /** … held at most this long, ms (MQTT_ACK_WAIT_MS). */
  ackWaitMs: number;
  /** A persistent session (the default), or a clean one that the broker forgets (a standby's view). */
  clean?: boolean;
  /** QoS of the subscriptions. Default 1. */
  qos?: 0 | 1;
  /**
   * Where a batch's PUBACKs wait once handled: a cluster's leader acknowledges only what the
   * next leader will find (InfluxDB and PostgreSQL, server/app.ts). Rejected: the PUBACKs never
   * leave and the link is cut, so the broker gives the messages to whoever holds the session next.
   */
  ackAfter?: () => Promise<void>;
}

export class MqttConnection {
  private client: MqttClient | null = null;
  private lastError: string | null = null;

  constructor(private readonly opts: MqttConnectionOptions) {}

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  status(): { connected: boolean; url: string; error: string | null } {
    return { connected: this.connected, url: redactUrl(this.opts.url), error: this.connected ? null : (this.lastError ?? 'not connected') };
  }

  /**
   * Connects and subscribes. Resolves true once subscribed, or false when the
   * broker is not reachable within timeoutMs; the client keeps retrying either way.
   */
  async start(timeoutMs = 5_000): Promise<boolean> {
    const { opts } = this;
    const log = opts.log;
    const url = redactUrl(opts.url);
    const client = mqtt.connect(opts.url, {
      clientId: opts.clientId,
      clean: opts.clean ?? false,
      // Shared subscriptions need MQTT 5; aedes only speaks 3.1.1.
      protocolVersion: opts.sharedGroup ? 5 : 4,
      username: opts.username,
      password: opts.password,
      reconnectPeriod: 2000,
      connectTimeout: Math.min(timeoutMs, 10_000),
      resubscribe: false,
      // mqtt-packet otherwise keeps 65,536 two-byte Buffers for message ids (6 MB of heap, and
      // 65k objects the GC walks); PUBACKs leave in one buffer per batch anyway (below).
      writeCache: false,
      // mqtt.js traces every packet through `debug` (about ten calls each); off unless asked for.
      ...(process.env.DEBUG?.includes('mqttjs') ? {} : { log: () => undefined }),
      ...(opts.sharedGroup ? { properties: { sessionExpiryInterval: 3600 } } : {}),
    });
    this.client = client;
    const topics = opts.subscriptions.map((t) => (opts.sharedGroup ? `$share/${opts.sharedGroup}/${t}` : t));
    let subscribed!: () => void;
    const ready = new Promise<void>((r) => (subscribed = r));

    // mqtt.js sends the PUBACK only after handleMessage's callback: handling the
    // message here (validate, then append to the spool) means an acknowledged
    // message is stored. Packets are handled one by one, so this stays synchronous.
    // One write(2) per spool line and three socket writes per PUBACK cost a quarter
    // of the CPU at 10k msg/s, and corking the socket instead left tens of thousands
    // of 4-byte chunks queued in it under load. So while the packets of one read
    // from the broker are handled (mqtt.js chains them with process.nextTick, so a
    // setImmediate runs after the last), whatever mqtt.js writes to the socket is
    // collected; then the spool is synced once and the PUBACKs leave as one buffer.
    let batch: AckBatch | null = null;
    let count = 0;
    const { ackBatch, ackWaitMs } = opts;
    let ackTimer: NodeJS.Timeout | null = null;
    let acks: Promise<void> = Promise.resolve();
    const release = () => {
      const b = batch;
      batch = null;
      count = 0;
      if (ackTimer) clearTimeout(ackTimer);
      ackTimer = null;
      opts.durable?.sync();
      if (!b) return;
      if (!opts.ackAfter) return b.flush();
      // Handling goes on; these PUBACKs leave, in order, once what they stand for is stored.
      const send = b.detach();
      const stored = opts.ackAfter();
      acks = acks
        .then(() => stored)
        .then(send)
        .catch(() => undefined);
      stored.catch((err: Error) => {
        log.warn({ err: err.message }, 'MQTT: messages not acknowledged (not stored where the next leader reads); the broker redelivers them');
        client.stream.destroy();
      });
    };
    client.handleMessage = (packet, callback) => {
      if (!batch) {
        batch = new AckBatch(client.stream);
        // Acknowledgements wait at most ackWaitMs (or ackBatch messages): handling is not
        // delayed, only the PUBACKs. A batch at or past the broker's in-flight window stalls
        // the feed until the timer releases it, hence the limit (config.ts, MQTT_ACK_BATCH).
        ackTimer = setTimeout(release, ackWaitMs);
      }
      if (++count === ackBatch) setImmediate(release);
      opts.durable?.hold();
      try {
        opts.onMessage(packet.topic, packet.payload as Buffer);
      } finally {
        opts.durable?.release();
      }
      callback();
    };
    client.on('connect', () => {
      this.lastError = null;
      client
        .subscribeAsync(topics, { qos: opts.qos ?? 1 })
        .then(() => {
          log.info({ url, topics: topics.length }, 'MQTT connected and subscribed');
          subscribed();
        })
        .catch((err: Error) => {
          this.lastError = `subscribe failed: ${err.message}`;
          log.error({ err: err.message }, 'MQTT subscribe failed');
        });
    });
    // Log a broken link once, not at every 2 s retry; say when it is back.
    let down = false;
    client.on('error', (err) => {
      this.lastError = err.message;
      if (!down) log.warn({ url, err: err.message }, 'MQTT error');
      down = true;
    });
    client.on('offline', () => {
      this.lastError ??= 'broker unreachable';
      if (!down) log.warn({ url }, 'MQTT broker unreachable, retrying every 2 s');
      down = true;
    });
    client.on('connect', () => {
      if (down) log.info({ url }, 'MQTT broker reachable again');
      down = false;
    });

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((r) => (timer = setTimeout(() => r(false), timeoutMs)));
    const ok = await Promise.race([ready.then(() => true as const), timedOut]);
    clearTimeout(timer);
    if (!ok) {
      this.lastError ??= 'no answer';
      log.error({ url, err: this.lastError }, `MQTT broker not reachable within ${timeoutMs} ms: running degraded, still retrying`);
    }
    return ok;
  }

  /** Cuts the link now, without a word to the broker: PUBACKs still waiting never leave, and the broker redelivers. */
  abort(): void {
    const c = this.client;
    if (!c) return;
    c.options.reconnectPeriod = 0;
    c.stream?.destroy();
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) await c.endAsync(true);
  }
}

type WriteCallback = (err?: Error | null) => void;

/**
 * Holds what is written to a stream until flush(), then writes it as one buffer.
 * Installed as the stream's own `write` for the length of one batch.
 */
class AckBatch {
  private readonly chunks: Buffer[] = [];
  private readonly callbacks: WriteCallback[] = [];

  constructor(private readonly stream: NodeJS.WritableStream & { write: unknown }) {
    (stream as { write: unknown }).write = (chunk: Buffer | string, enc?: BufferEncoding | WriteCallback, cb?: WriteCallback) => {
      this.chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, typeof enc === 'string' ? enc : 'utf8') : chunk);
      const done = typeof enc === 'function' ? enc : cb;
      if (done) this.callbacks.push(done);
      return true;
    };
  }

  /** Back to the prototype's write now; returns what writes the collected bytes later. */
  detach(): () => void {
    delete (this.stream as { write?: unknown }).write;
    const chunks = this.chunks.splice(0);
    const cbs = this.callbacks.splice(0);
    return () => {
      if (chunks.length === 0 || (this.stream as { destroyed?: boolean }).destroyed) return;
      const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      this.stream.write(data, cbs.length === 0 ? undefined : (err?: Error | null) => cbs.forEach((f) => f(err)));
    };
  }

  flush(): void {
    // Back to the prototype's write, then one write of everything collected, in order.
    delete (this.stream as { write?: unknown }).write;
    // A link that died meanwhile: these PUBACKs are lost with it, and the broker redelivers.
    if (this.chunks.length === 0 || (this.stream as { destroyed?: boolean }).destroyed) return;
    const cbs = this.callbacks;
    const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.stream.write(data, cbs.length === 0 ? undefined : (err?: Error | null) => cbs.forEach((f) => f(err)));
  }
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
