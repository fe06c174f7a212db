/**
 * The embedded MQTT broker (aedes) used when MQTT_URL is not set, so that
 * `npm start` needs nothing else. aedes speaks MQTT 3.1.1 only and has no
 * shared subscriptions: past one server instance use Mosquitto 2 or EMQX.
 */
import net from 'node:net';
import { Aedes } from 'aedes';
import type { AedesOptions } from 'aedes';
import { createServer } from 'aedes-server-factory';
import type { Logger } from '../log.js';

export interface EmbeddedBroker {
  url: string;
  broker: Aedes;
  stop(): Promise<void>;
}

export async function startEmbeddedBroker(opts: {
  host: string;
  port: number;
  log: Logger;
  aedes?: AedesOptions;
}): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker(opts.aedes);
  const server = createServer(broker) as net.Server;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(new Error(`embedded MQTT broker cannot listen on ${opts.host}:${opts.port}: ${err.message}`));
    server.once('error', onError);
    server.listen(opts.port, opts.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const addr = server.address() as net.AddressInfo;
  const url = `mqtt://127.0.0.1:${addr.port}`;
  opts.log.info({ url }, 'embedded MQTT broker listening');
  return {
    url,
    broker,
    async stop() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
