/**
 * The InfluxDB client of the app: who it asks as, and whether InfluxDB answers.
 * The query client (node-influx) and the write path (sink.ts) take their credentials
 * from the one function below, so they always ask as the same user.
 */
import { InfluxDB } from 'influx';

export interface InfluxCredentials {
  username: string | undefined;
  password: string | undefined;
}

/**
 * INFLUX_USERNAME / INFLUX_PASSWORD when set, else the user and password written in
 * INFLUX_URL (`http://user:pass@host:8086`, percent-decoded), else none: each on its own.
 */
export function influxCredentials(url: string, config: { INFLUX_USERNAME?: string | undefined; INFLUX_PASSWORD?: string | undefined }): InfluxCredentials {
  const u = new URL(url);
  return {
    username: config.INFLUX_USERNAME ?? (decodeURIComponent(u.username) || undefined),
    password: config.INFLUX_PASSWORD ?? (decodeURIComponent(u.password) || undefined),
  };
}

/**
 * The query client. Without credentials node-influx asks as root:root, which an InfluxDB
 * without authentication ignores.
 */
export function influxClient(url: string, database: string, credentials: InfluxCredentials): InfluxDB {
  const u = new URL(url);
  return new InfluxDB({
    host: u.hostname,
    port: Number(u.port || (u.protocol === 'https:' ? 443 : 8086)),
    protocol: u.protocol === 'https:' ? 'https' : 'http',
    database,
    username: credentials.username,
    password: credentials.password,
    options: { timeout: 10_000 },
  });
}

/** null when InfluxDB answers its ping, else why not. */
export async function pingInflux(influx: InfluxDB): Promise<string | null> {
  try {
    const hosts = await influx.ping(1500);
    const host = hosts[0];
    if (host?.online) return null;
    return host?.res?.statusCode ? `ping answered HTTP ${host.res.statusCode}` : 'no answer to ping within 1.5 s';
  } catch (err) {
    return (err as Error).message;
  }
}
