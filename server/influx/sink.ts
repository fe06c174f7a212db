/**
 * Sends line protocol to InfluxDB's v1 /write endpoint (also served by
 * InfluxDB 2.x and 3.x for v1 compatibility).
 */
export class WriteRejectedError extends Error {}

export interface LineSink {
  /** `body`: `count` lines of line protocol, each ending in a newline. */
  write(body: Uint8Array<ArrayBuffer>, count: number): Promise<void>;
}

export function influxLineSink(opts: { url: string; database: string; retentionPolicy: string; username?: string | undefined; password?: string | undefined }): LineSink {
  const u = new URL('/write', opts.url);
  u.searchParams.set('db', opts.database);
  u.searchParams.set('rp', opts.retentionPolicy);
  u.searchParams.set('precision', 'ns');
  const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8' };
  if (opts.username) headers.Authorization = `Basic ${Buffer.from(`${opts.username}:${opts.password ?? ''}`).toString('base64')}`;
  return {
    async write(body) {
      const res = await fetch(u, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
      if (res.status === 204) return;
      const text = (await res.text()).slice(0, 300);
      // 400: InfluxDB stored what it could and refused the rest (e.g. a field type conflict).
      // Retrying would fail forever, so the caller counts it and moves on.
      if (res.status === 400) throw new WriteRejectedError(text);
      throw new Error(`InfluxDB /write answered HTTP ${res.status}: ${text}`);
    },
  };
}
