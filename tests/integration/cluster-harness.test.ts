import { existsSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../harness/redis.js';
import { startTcpProxy, type TcpProxy } from '../harness/tcp-proxy.js';
import { waitFor } from '../harness/wait.js';
import { processAlive } from '../harness/proc.js';


/** Sends `request` on a fresh connection to 127.0.0.1:port; the first reply line, or the connection error's code. */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (result: string) => {
      sock.destroy();
      resolve(result);
    };
    sock.setEncoding('utf8');
    sock.setTimeout(2000, () => done('timeout'));
    sock.once('connect', () => sock.write(request));
    sock.on('data', (chunk: string) => {
      reply += chunk;
      if (reply.includes('\r\n')) done(reply.slice(0, reply.indexOf('\r\n')));
    });
    sock.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
    sock.once('close', () => done(reply ? reply : 'closed'));
  });
}

/** A client connection that records what it receives and when it is closed. */
interface Client {
  sock: Socket;
  received(): string;
  closed: Promise<void>;
  isClosed(): boolean;
}

function openClient(port: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const sock = connect({ port, host: '127.0.0.1' });
    let data = '';
    let isClosed = false;
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => (data += chunk));
    // A cut may show as an error (ECONNRESET) before the close: both are the expected outcome here.
    sock.on('error', () => {});
    const closed = new Promise<void>((r) =>
      sock.once('close', () => {
        isClosed = true;
        r();
      }),
    );
    sock.once('connect', () => resolve({ sock, received: () => data, closed, isClosed: () => isClosed }));
    sock.once('error', reject);
  });
}

/** Sends `text` and waits until the client has received `expected` in all. */
async function exchange(client: Client, text: string, expected: string): Promise<void> {
  client.sock.write(text);
  await waitFor(() => client.received() === expected, { timeoutMs: 5000, message: `the reply "${expected}"` });
}

describe('redis harness', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('answers PING on its port, at its URL', async () => {
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(processAlive(redis.pid)).toBe(true);
    expect(await rawRequest(redis.port, 'PING\r\n')).toBe('+PONG');
    expect(await rawRequest(redis.port, '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv1\r\n')).toBe('+OK');
    expect(await rawRequest(redis.port, '*2\r\n$3\r\nGET\r\n$1\r\nk\r\n')).toBe('$2');
  });

  it('kill() takes it down: the pid is gone and connections are refused', async () => {
    const pid = redis.pid;
    await redis.kill();
    expect(processAlive(pid)).toBe(false);
    expect(await rawRequest(redis.port, 'PING\r\n')).toBe('ECONNREFUSED');
    expect(existsSync(redis.dir)).toBe(true);
    await redis.kill(); // already down: returns
  });

  it('restart() brings it back on the same port, empty (nothing is persisted)', async () => {
    const before = redis.pid;
    const port = redis.port;
    await redis.restart();
    expect(redis.port).toBe(port);
    expect(redis.pid).not.toBe(before);
    expect(processAlive(redis.pid)).toBe(true);
    expect(await rawRequest(port, 'PING\r\n')).toBe('+PONG');
    expect(await rawRequest(port, '*2\r\n$3\r\nGET\r\n$1\r\nk\r\n')).toBe('$-1');
    expect(redis.logTail().join('\n')).toMatch(/Ready to accept connections/);
  });

  it('kill("SIGTERM") shuts it down cleanly, and restart() works after it too', async () => {
    await redis.kill('SIGTERM');
    expect(await rawRequest(redis.port, 'PING\r\n')).toBe('ECONNREFUSED');
    await redis.restart();
    expect(await rawRequest(redis.port, 'PING\r\n')).toBe('+PONG');
  });

  it('stop() ends it and removes its folder, twice without harm; restart() is refused after it', async () => {
    const own = await startRedis();
    expect(own.port).not.toBe(redis.port);
    const pid = own.pid;
    await own.stop();
    await own.stop();
    expect(processAlive(pid)).toBe(false);
    expect(existsSync(own.dir)).toBe(false);
    expect(await rawRequest(own.port, 'PING\r\n')).toBe('ECONNREFUSED');
    await expect(own.restart()).rejects.toThrow(/stopped/);
  });
});

describe('tcp proxy', () => {
  let echo: Server;
  let echoPort: number;
  let echoAccepted = 0;
  let proxy: TcpProxy;

  beforeAll(async () => {
    // Replies with what it got, upper-cased: a reply proves the bytes reached it and came back.
    echo = createServer((sock) => {
      echoAccepted++;
      sock.on('error', () => {});
      sock.on('data', (chunk) => sock.write(chunk.toString().toUpperCase()));
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    echoPort = (echo.address() as AddressInfo).port;
    proxy = await startTcpProxy('127.0.0.1', echoPort);
  });
  afterAll(async () => {
    await proxy?.close();
    await new Promise<void>((r) => (echo ? echo.close(() => r()) : r()));
  });

  it('passes bytes both ways', async () => {
    expect(proxy.port).not.toBe(echoPort);
    const client = await openClient(proxy.port);
    try {
      await exchange(client, 'hello', 'HELLO');
      await exchange(client, ' world', 'HELLO WORLD');
      expect(proxy.connections()).toBe(1);
    } finally {
      client.sock.destroy();
    }
    await waitFor(() => proxy.connections() === 0, { message: 'the proxy to drop the closed connection' });
  });

  it('cut() breaks open connections and closes new ones at once; restore() lets new ones through', async () => {
    const a = await openClient(proxy.port);
    const b = await openClient(proxy.port);
    await exchange(a, 'a', 'A');
    await exchange(b, 'b', 'B');
    expect(proxy.connections()).toBe(2);

    proxy.cut();
    await Promise.all([a.closed, b.closed]);
    expect(proxy.connections()).toBe(0);

    const acceptedBefore = echoAccepted;
    const refused = await openClient(proxy.port);
    refused.sock.write('x');
    await refused.closed;
    expect(refused.received()).toBe('');
    expect(echoAccepted).toBe(acceptedBefore);
    expect(proxy.connections()).toBe(0);

    proxy.restore();
    const c = await openClient(proxy.port);
    try {
      await exchange(c, 'back', 'BACK');
      expect(proxy.connections()).toBe(1);
      expect(c.isClosed()).toBe(false);
    } finally {
      c.sock.destroy();
    }
  });

  it('a target that refuses the connection gets the client closed too', async () => {
    const own = createServer((sock) => sock.on('error', () => {}));
    await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
    const ownProxy = await startTcpProxy('127.0.0.1', (own.address() as AddressInfo).port);
    const port = (own.address() as AddressInfo).port;
    await new Promise<void>((r) => own.close(() => r()));
    try {
      // Nothing listens on the target port now: the proxy accepts, fails upstream, and closes the client.
      const client = await openClient(ownProxy.port);
      await client.closed;
      expect(client.received()).toBe('');
      expect(ownProxy.connections()).toBe(0);
      expect(await rawRequest(port, 'x')).toBe('ECONNREFUSED');
    } finally {
      await ownProxy.close();
    }
  });

  it('close() stops listening, twice without harm', async () => {
    const own = await startTcpProxy('127.0.0.1', echoPort);
    const open = await openClient(own.port);
    await exchange(open, 'q', 'Q');
    await Promise.all([own.close(), own.close()]);
    await open.closed;
    expect(await rawRequest(own.port, 'x')).toBe('ECONNREFUSED');
  });
});
