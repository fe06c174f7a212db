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
      clean: false,
      // Shared subscriptions need MQTT 5; aedes only speaks 3.1.1.
      protocolVersion: opts.sharedGroup ? 5 : 4,
      username: opts.username,
      password: opts.password,
      reconnectPeriod: 2000,
      connectTimeout: Math.min(timeoutMs, 10_000),
      resubscribe: false,
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
    // One write(2) per PUBACK and one per spool line cost a quarter of the CPU at
    // 10k msg/s: the socket is corked from the first message of a read until the
    // packets of that read are handled (setImmediate runs after mqtt.js's
    // nextTick chain), then the spool is synced once and the PUBACKs leave together.
    let batch: { uncork(): void } | null = null;
    const release = () => {
      const s = batch;
      batch = null;
      opts.durable?.sync();
      s?.uncork();
    };
    client.handleMessage = (packet, callback) => {
      if (!batch) {
        batch = client.stream;
        client.stream.cork();
        setImmediate(release);
      }
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
        .subscribeAsync(topics, { qos: 1 })
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

  async stop(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) await c.endAsync(true);
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
