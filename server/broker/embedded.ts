/**
 * The embedded MQTT broker (aedes) used when MQTT_URL is not set, so that
 * `npm start` needs nothing else. aedes speaks MQTT 3.1.1 only and has no
 * shared subscriptions: past one server instance use Mosquitto 2 or EMQX.
 *
 * With `aedes` hooks from auth.ts, devices must log in and stay in their own
 * topics. Every connection passes socket-guard.ts first (size of the CONNECT and of
 * later packets, CONNECT deadline, connections per address). The public listener
 * (mqtts with `tls`) is for devices; a second, plain listener on 127.0.0.1 (random
 * port) serves the server's own client and the demo simulators: they need no
 * certificate check against localhost, and the ~100 connections of the simulators
 * do not count against the per-address cap. It requires the same credentials and
 * has the same size and deadline limits.
 */
import type net from 'node:net';
import { Aedes } from 'aedes';
import type { AedesOptions } from 'aedes';
import type { Logger } from '../log.js';
import { createGuardedServer, type GuardedServer, type GuardLimits, type GuardRefusal } from './socket-guard.js';

export interface EmbeddedBroker {
  /** Where devices connect (mqtt:// or mqtts://). */
  url: string;
  /** Where the server and its simulators connect: the plain loopback listener. */
  localUrl: string;
  broker: Aedes;
  stop(): Promise<void>;
}

function listen(server: net.Server, host: string, port: number, what: string): Promise<net.AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(new Error(`embedded MQTT broker cannot listen on ${host}:${port} (${what}): ${err.message}`));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as net.AddressInfo);
    });
  });
}

export async function startEmbeddedBroker(opts: {
  host: string;
  port: number;
  log: Logger;
  aedes?: AedesOptions;
  /** PEM certificate chain and key: the public listener speaks MQTT over TLS. */
  tls?: { cert: Buffer; key: Buffer };
  /** Socket limits (socket-guard.ts); the loopback listener has no per-address cap. */
  limits: GuardLimits;
  onRefuse?: (reason: GuardRefusal, bytesRead: number) => void;
  onOpen?: (listener: 'public' | 'loopback', open: number) => void;
}): Promise<EmbeddedBroker> {
  // aedes' own CONNECT timer starts at the hand-over, once the guard has the whole CONNECT.
  const broker = await Aedes.createBroker({ connectTimeout: opts.limits.connectTimeoutMs, ...opts.aedes });
  const servers: GuardedServer[] = [];
  const close = async () => {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await Promise.all(servers.map((s) => s.close()));
  };
  const guarded = (listener: 'public' | 'loopback', limits: GuardLimits) => {
    const tls = listener === 'public';
    const g = createGuardedServer({
      limits,
      handle: (stream) => broker.handle(stream),
      log: opts.log,
      ...(tls && opts.tls ? { tls: { cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2' as const } } : {}),
      ...(opts.onRefuse ? { onRefuse: opts.onRefuse } : {}),
      onOpen: (n) => opts.onOpen?.(listener, n),
    });
    servers.push(g);
    return g.server;
  };
  try {
    const pub = guarded('public', opts.limits);
    const addr = await listen(pub, opts.host, opts.port, opts.tls ? 'mqtts' : 'mqtt');
    const url = `${opts.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${addr.port}`;
    const local = guarded('loopback', { ...opts.limits, maxPerAddress: 0 });
    const localUrl = `mqtt://127.0.0.1:${(await listen(local, '127.0.0.1', 0, 'loopback')).port}`;
    opts.log.info({ url, localUrl, tls: !!opts.tls, deviceAuth: !!opts.aedes?.authenticate, limits: opts.limits }, 'embedded MQTT broker listening');
    return { url, localUrl, broker, stop: close };
  } catch (err) {
    await close();
    throw err;
  }
}
