/**
 * The MQTT broker the app listens to, as one component: the embedded aedes broker (with
 * device authentication unless MQTT_DEVICE_AUTH is off) when MQTT_URL is not set, or the
 * external one MQTT_URL names, which this app neither starts nor stops.
 */
import os from 'node:os';
import type { Config } from '../config.js';
import type { AccountsDb } from '../db/accounts-sync.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { brokerAuth, type BrokerAuth } from './auth.js';
import { openDeviceRegistry, type DeviceRegistry } from './devices.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded.js';
import { GUARD_REFUSALS } from './socket-guard.js';

export interface BrokerStarted {
  /** Where devices connect. */
  url: string;
  /** Where the server and the demo simulators connect: the embedded broker's plain loopback listener, or MQTT_URL. */
  localUrl: string;
  /** Whether the broker is this app's own. */
  embedded: boolean;
  /** With device authentication on the embedded broker: the server's and the simulators' own credentials. */
  deviceAuth: BrokerAuth | null;
  /** With device authentication: who each device is, and what it may send as. */
  devices: DeviceRegistry | null;
}

/** The client id of the server's own MQTT session (one owner per client id: auth.ts). */
export function serverClientId(config: Pick<Config, 'MQTT_CLIENT_ID'>): string {
  return config.MQTT_CLIENT_ID ?? `ioc-console-${os.hostname()}`;
}

export class Broker {
  private embedded: EmbeddedBroker | null = null;
  /** The device registry's own stop, run after the broker that asks it is gone. */
  private readonly closers: (() => Promise<void>)[] = [];

  constructor(
    private readonly config: Config,
    private readonly deps: { log: Logger; metrics: Metrics; accounts: AccountsDb; tls: { cert: Buffer; key: Buffer } | undefined },
  ) {}

  async start(): Promise<BrokerStarted> {
    const { config, deps } = this;
    if (config.MQTT_URL) return { url: config.MQTT_URL, localUrl: config.MQTT_URL, embedded: false, deviceAuth: null, devices: null };
    // Devices prove who they are and stay in their own topics (docs/security.md); off = a lab broker.
    const devices = config.MQTT_DEVICE_AUTH ? await openDeviceRegistry({ ...deps.accounts, onStop: (fn) => this.closers.push(fn) }) : null;
    const deviceAuth = devices
      ? brokerAuth({
          registry: devices,
          server: { ...(config.MQTT_USERNAME ? { username: config.MQTT_USERNAME } : {}), ...(config.MQTT_PASSWORD ? { password: config.MQTT_PASSWORD } : {}) },
          ...(config.SIM_MQTT_PASSWORD ? { simulatorPassword: config.SIM_MQTT_PASSWORD } : {}),
          serverClientId: serverClientId(config),
          log: deps.log.child({ module: 'broker' }),
          metrics: deps.metrics,
        })
      : null;
    const metrics = deps.metrics;
    this.embedded = await startEmbeddedBroker({
      host: config.MQTT_EMBEDDED_HOST,
      port: config.MQTT_EMBEDDED_PORT,
      log: deps.log.child({ module: 'broker' }),
      ...(deviceAuth ? { aedes: deviceAuth.hooks } : {}),
      ...(deps.tls ? { tls: deps.tls } : {}),
      limits: {
        maxConnectBytes: config.MQTT_MAX_CONNECT_BYTES,
        maxPacketBytes: config.MQTT_MAX_PACKET_BYTES,
        connectTimeoutMs: config.MQTT_CONNECT_TIMEOUT_MS,
        maxPerAddress: config.MQTT_MAX_CONN_PER_ADDRESS,
      },
      onRefuse: (reason, bytesRead) => {
        metrics.brokerConnRefused.inc({ reason });
        metrics.brokerConnRefusedBytes.observe(bytesRead);
      },
      onOpen: (listener, open) => metrics.brokerConnections.set({ listener }, open),
    });
    for (const reason of GUARD_REFUSALS) metrics.brokerConnRefused.inc({ reason }, 0);
    return { url: this.embedded.url, localUrl: this.embedded.localUrl, embedded: true, deviceAuth, devices };
  }

  async stop(): Promise<void> {
    try {
      await this.embedded?.stop();
    } finally {
      for (const close of this.closers.splice(0).reverse()) await close();
    }
  }
}
