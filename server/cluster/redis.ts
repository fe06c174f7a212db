/**
 * Socket.IO across servers: @socket.io/redis-streams-adapter over the `redis` client.
 *
 * Each server pushes its own picture to its own screens (server/push/hub.ts), so a Redis outage
 * blinds no console. Across servers go the leader's changes, ahead of the event log (relay.ts),
 * the servers' questions to each other (serverSideEmit: how many screens each one serves, in
 * /api/health) and operations on sockets (io.in(room).disconnectSockets, fetchSockets).
 * The client reconnects by itself; while Redis is away each server still serves its own screens.
 */
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createClient } from 'redis';
import type { ServerOptions } from 'socket.io';
import type { Logger } from '../log.js';

export interface RedisLink {
  adapter: ServerOptions['adapter'];
  connected(): boolean;
  lastError(): string | null;
  stop(): Promise<void>;
}

export function connectRedis(url: string, log: Logger): RedisLink {
  let error: string | null = null;
  let down = false;
  const client = createClient({
    url,
    socket: {
      // Retry every second at most: a returning Redis is in use within a second or two.
      reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 1000),
      connectTimeout: 2000,
    },
    // Commands wait while Redis is away. Failing them at once would be worse: the adapter reads
    // its stream in a loop that retries at once, and a loop of instant failures starves the event
    // loop (nothing else would run, /api/health included). Little is queued meanwhile: heartbeats.
  });
  client.on('error', (err: Error) => {
    error = err.message;
    if (!down) log.warn({ err: err.message }, 'Redis unreachable: each server serves its own screens; cross-server operations resume when it returns');
    down = true;
  });
  client.on('ready', () => {
    if (down) log.info('Redis reachable again');
    down = false;
    error = null;
  });
  client.connect().catch((err: Error) => {
    error = err.message;
  });
  return {
    adapter: createAdapter(client, { streamName: 'ioc-console', blockTimeInMs: 2000 }),
    connected: () => client.isReady,
    lastError: () => error,
    stop: async () => {
      // close() lets queued commands finish, which never happens while Redis is away.
      if (client.isReady) await client.close().catch(() => client.destroy());
      else client.destroy();
    },
  };
}
