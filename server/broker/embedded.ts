/**
 * The embedded MQTT broker (aedes) used when MQTT_URL is not set, so that
 * `npm start` needs nothing else. aedes speaks MQTT 3.1.1 only and has no
 * shared subscriptions: past one server instance use Mosquitto 2 or EMQX.
 *
 * With `aedes` hooks from auth.ts, devices must log in and stay in their own
 * topics. With `tls`, the public listener speaks mqtts and a second, plain
 * listener on 127.0.0.1 (random port) serves the server's own client and the
 * in-process simulators, which then need no certificate check against
 * localhost; it requires the same credentials.
 */
import net from 'node:net';
import { Aedes } from 'aedes';
import type { AedesOptions } from 'aedes';
import { createServer } from 'aedes-server-factory';
import type { Logger } from '../log.js';

export interface EmbeddedBroker {
  /** Where devices connect (mqtt:// or mqtts://). */
  url: string;
  /** Where the server and its simulators connect: the plain loopback listener under TLS, else `url`. */
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
}): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker(opts.aedes);
  const servers: net.Server[] = [];
  const close = async () => {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  };
  try {
    const pub = createServer(broker, opts.tls ? { tls: { cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2' } } : {}) as net.Server;
    servers.push(pub);
    const addr = await listen(pub, opts.host, opts.port, opts.tls ? 'mqtts' : 'mqtt');
    const url = `${opts.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${addr.port}`;
    let localUrl = url;
    if (opts.tls) {
      const local = createServer(broker) as net.Server;
      servers.push(local);
      localUrl = `mqtt://127.0.0.1:${(await listen(local, '127.0.0.1', 0, 'loopback')).port}`;
    }
    opts.log.info({ url, localUrl, tls: !!opts.tls, deviceAuth: !!opts.aedes?.authenticate }, 'embedded MQTT broker listening');
    return { url, localUrl, broker, stop: close };
  } catch (err) {
    await close();
    throw err;
  }
}
