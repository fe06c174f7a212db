/**
 * Sends line protocol to InfluxDB's v1 /write endpoint (also served by
 * InfluxDB 2.x and 3.x for v1 compatibility).
 */
import http from 'node:http';
import https from 'node:https';

export class WriteRejectedError extends Error {}

export interface LineSink {
  /** `body`: `count` lines of line protocol, each ending in a newline. */
  write(body: Uint8Array, count: number): Promise<void>;
}

export function influxLineSink(opts: { url: string; database: string; retentionPolicy: string; username?: string | undefined; password?: string | undefined }): LineSink {
  const u = new URL('/write', opts.url);
  u.searchParams.set('db', opts.database);
  u.searchParams.set('rp', opts.retentionPolicy);
  u.searchParams.set('precision', 'ns');
  const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8' };
  if (opts.username) headers.Authorization = `Basic ${Buffer.from(`${opts.username}:${opts.password ?? ''}`).toString('base64')}`;
  // node:http rather than fetch: fetch copies the body it is given (a 1 MB batch, twice a
  // second at 10k msg/s), while a request writes the spool's bytes to the socket as they are.
  const lib = u.protocol === 'https:' ? https : http;
  const agent = new lib.Agent({ keepAlive: true, maxSockets: 1 });
  return {
    write(body) {
      return new Promise<void>((resolve, reject) => {
        const req = lib.request(u, { method: 'POST', agent, headers: { ...headers, 'Content-Length': String(body.length) }, signal: AbortSignal.timeout(15_000) }, (res) => {
          if (res.statusCode === 204) {
            res.resume();
            return resolve();
          }
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += text.length < 300 ? c : ''));
          res.on('error', reject);
          res.on('end', () => {
            text = text.slice(0, 300);
            // 400: InfluxDB stored what it could and refused the rest (e.g. a field type conflict).
            // Retrying would fail forever, so the caller counts it and moves on.
            if (res.statusCode === 400) reject(new WriteRejectedError(text));
            else reject(new Error(`InfluxDB /write answered HTTP ${res.statusCode}: ${text}`));
          });
        });
        req.on('error', reject);
        req.end(body);
      });
    },
  };
}
