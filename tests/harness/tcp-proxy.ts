import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  /** The 127.0.0.1 port to connect to instead of the target's. */
  port: number;
  /** Destroys every open connection, both sides, and closes each new one as soon as it is accepted, until restore(). */
  cut(): void;
  /** Accepts and pipes new connections again. */
  restore(): void;
  /** Connections piped to the target right now. */
  connections(): number;
  /** Destroys every connection and stops listening. Idempotent. */
  close(): Promise<void>;
}

/**
 * A TCP relay from a free 127.0.0.1 port to `targetHost:targetPort`, so that a test can break one
 * client's connection (e.g. one server's PostgreSQL) while the target itself stays up for the others.
 */
export function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  let isCut = false;

  // allowHalfOpen: a side that ends its writing (FIN) is passed on as such, not taken for a close of both directions.
  const server = createServer({ allowHalfOpen: true }, (client) => {
    if (isCut) {
      client.destroy();
      return;
    }
    const upstream = connect({ host: targetHost, port: targetPort, allowHalfOpen: true });
    const pair = { client, upstream };
    pairs.add(pair);
    // Either side failing or closing ends both: the client learns the target went away, and no socket leaks.
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const sock of [client, upstream]) {
      sock.on('error', drop);
      sock.on('close', drop);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });

  const destroyAll = () => {
    for (const { client, upstream } of [...pairs]) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
  };

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // Port 0: the kernel picks a free port as it binds, so there is no race to retry.
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      server.removeListener('error', reject);
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      let closed: Promise<void> | undefined;
      resolve({
        port,
        cut() {
          isCut = true;
          destroyAll();
        },
        restore() {
          isCut = false;
        },
        connections: () => pairs.size,
        close() {
          closed ??= new Promise<void>((done) => {
            isCut = true;
            server.close(() => done());
            destroyAll();
          });
          return closed;
        },
      });
    });
  });
}
