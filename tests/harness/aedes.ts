import type { AddressInfo, Server } from 'node:net';
import { Aedes } from 'aedes';
import { createServer } from 'aedes-server-factory';

export interface TestAedes {
  /** mqtt://127.0.0.1:PORT */
  url: string;
  port: number;
  broker: Aedes;
  /** Closes the broker (disconnecting its clients) and the TCP server. Idempotent. */
  stop(): Promise<void>;
}

/**
 * In-process aedes broker on a free 127.0.0.1 port (listen on 0, so no race).
 * Remember: aedes speaks MQTT 3.1.1 only and has no shared subscriptions.
 */
export async function startAedes(): Promise<TestAedes> {
  const broker = await Aedes.createBroker();
  const server = createServer(broker) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let stopped = false;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    broker,
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
