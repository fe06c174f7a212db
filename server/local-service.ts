/**
 * What the embedded services (server/db/postgres.ts, server/influx/influxd.ts) need to run a
 * local binary: find it, pick and check a loopback port, and keep the last lines it wrote for
 * the error that says why it did not start.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { pino, type Logger } from 'pino';

export function isExecutableFile(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The first executable `name` on PATH, or null. */
export function findOnPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

/** Whether nothing listens on 127.0.0.1:`port` (exclusive bind, released at once). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A loopback port the kernel says is free now (another process may still take it first). */
export function pickFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host: '127.0.0.1' }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('could not read a free port'))));
    });
  });
}

let fallbackLogger: Logger | undefined;
/** The logger of a service started without one (a CLI, a script). */
export function defaultLogger(): Logger {
  fallbackLogger ??= pino({ level: 'info' });
  return fallbackLogger;
}

/** How many of a service's last output lines its start error quotes. */
export const TAIL_LINES = 40;

/** Collects a child's output into `tail` (the last TAIL_LINES lines) and logs each line at debug. */
export function tailCollector(tail: string[], log: Logger, fields: Record<string, string>): (chunk: Buffer) => void {
  let partial = '';
  return (chunk) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      log.debug(fields, line);
    }
  };
}
