import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { InfluxDB, FieldType } from 'influx';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findInfluxd,
  InfluxdMissingError,
  InfluxdStartError,
  INFLUXD_MISSING_MESSAGE,
  startInfluxd,
} from '../../server/influx/influxd.js';
import { startAedes } from '../harness/aedes.js';
import { assertNoExternalRequests, isLocalUrl, launchChromium, screenshot, watchPage } from '../harness/chromium.js';
import { startTestInfluxd } from '../harness/influxd.js';
import { startMosquitto } from '../harness/mosquitto.js';
import { freePort } from '../harness/ports.js';
import { findBinary } from '../../scripts/ensure-deps.mjs';
import { requireService } from '../harness/services.js';
import { waitFor } from '../harness/wait.js';
import { processAlive } from '../harness/proc.js';


/** Publishes one QoS1 message through the broker at `url` and returns what the subscriber got. */
async function relayQos1(url: string, protocolVersion: 4 | 5): Promise<{ topic: string; payload: string; qos: number }> {
  const sub = await mqtt.connectAsync(url, { protocolVersion, clientId: `sub-${process.pid}-${Date.now()}`, reconnectPeriod: 0 });
  const pub = await mqtt.connectAsync(url, { protocolVersion, clientId: `pub-${process.pid}-${Date.now()}`, reconnectPeriod: 0 });
  try {
    const got: { topic: string; payload: string; qos: number }[] = [];
    sub.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), qos: packet.qos }));
    const grants = await sub.subscribeAsync('ioc/test/+', { qos: 1 });
    expect(grants[0]?.qos).toBe(1);
    await pub.publishAsync('ioc/test/relay', 'hello-qos1', { qos: 1 });
    return await waitFor(() => got[0], { timeoutMs: 5000, message: 'subscriber to receive the QoS1 message' });
  } finally {
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  }
}

describe('ports and waitFor', () => {
  it('freePort returns a port that can be listened on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(1023);
    const srv = createNetServer();
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', resolve);
    });
    expect((srv.address() as AddressInfo).port).toBe(port);
    await new Promise<void>((r) => srv.close(() => r()));
  });

  it('waitFor returns the first truthy value and times out with the message', async () => {
    let n = 0;
    await expect(waitFor(() => (++n >= 3 ? n : 0), { intervalMs: 1 })).resolves.toBe(3);
    await expect(waitFor(() => false, { timeoutMs: 30, intervalMs: 5, message: 'never' })).rejects.toThrow(
      /waitFor: never not met within 30 ms/,
    );
  });

  it('requireService throws (never skips) with an install hint', () => {
    expect(() => requireService('mosquitto', () => null)).toThrow(/apt-get install mosquitto/);
    expect(requireService('x', () => '/bin/x')).toBe('/bin/x');
  });
});

describe('influxd', () => {
  let influx: Awaited<ReturnType<typeof startTestInfluxd>>;
  beforeAll(async () => {
    influx = await startTestInfluxd();
  });
  afterAll(async () => {
    await influx?.stop();
  });

  it('answers /ping', async () => {
    const res = await fetch(`${influx.url}/ping`);
    expect(res.status).toBe(204);
    expect(res.headers.get('x-influxdb-version')).toMatch(/^1\./);
  });

  it('accepts a write and a query back through the influx client', async () => {
    const client = new InfluxDB({
      host: influx.host,
      port: influx.port,
      database: 'harness',
      schema: [
        { measurement: 'air', fields: { pm25: FieldType.FLOAT }, tags: ['station'] },
      ],
    });
    await client.createDatabase('harness');
    expect(await client.getDatabaseNames()).toContain('harness');
    const t0 = Date.now() - 60_000;
    await client.writePoints(
      [
        { measurement: 'air', tags: { station: 's1' }, fields: { pm25: 12.5 }, timestamp: new Date(t0) },
        { measurement: 'air', tags: { station: 's1' }, fields: { pm25: 30 }, timestamp: new Date(t0 + 1000) },
        { measurement: 'air', tags: { station: 's2' }, fields: { pm25: 7 }, timestamp: new Date(t0 + 2000) },
      ],
      { precision: 'ms' },
    );
    const rows = await client.query<{ station: string; last: number }>(
      `SELECT last(pm25) FROM air WHERE time > now() - 1h GROUP BY station`,
    );
    const byStation = Object.fromEntries(rows.map((r) => [r.station, r.last]));
    expect(byStation).toEqual({ s1: 30, s2: 7 });
  });

  it('stop() ends the process and removes the temp folder', async () => {
    const extra = await startTestInfluxd();
    expect(processAlive(extra.pid)).toBe(true);
    expect(existsSync(extra.dataDir)).toBe(true);
    await extra.stop();
    expect(processAlive(extra.pid)).toBe(false);
    expect(existsSync(extra.dataDir)).toBe(false);
    await extra.stop(); // idempotent
  });

  it('throws with the port when the HTTP port is taken', async () => {
    const srv = createNetServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ioc-test-influxd-taken-'));
    try {
      const err = await startInfluxd({ dataDir: dir, httpPort: port }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InfluxdStartError);
      expect((err as Error).message).toContain(`127.0.0.1:${port} is already in use`);
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('throws with the last stderr lines when influxd exits early', async () => {
    // Same port for RPC and HTTP: influxd binds RPC first, then fails on HTTP and exits.
    const port = await freePort();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ioc-test-influxd-early-'));
    try {
      const err = await startInfluxd({ dataDir: dir, httpPort: port, rpcPort: port }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InfluxdStartError);
      expect((err as Error).message).toMatch(/exited before answering \/ping/);
      expect((err as InfluxdStartError).stderrTail.join('\n')).toMatch(/address already in use/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('throws InfluxdMissingError with instructions when the binary is not on PATH', async () => {
    const savedPath = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(findInfluxd()).toBeNull();
      const err = await startInfluxd({ dataDir: os.tmpdir(), httpPort: 1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InfluxdMissingError);
      expect((err as Error).message).toBe(INFLUXD_MISSING_MESSAGE);
      expect(INFLUXD_MISSING_MESSAGE).toBe(
        "influxd not found: install Debian's package (apt-get install influxdb), set INFLUX_URL to an existing InfluxDB 1.8 (or 2.x/3.x v1 API), or use docker compose up",
      );
    } finally {
      process.env.PATH = savedPath;
    }
    expect(findInfluxd()).toMatch(/influxd$/);
  });
});

describe('mosquitto', () => {
  it('relays a QoS1 message between two mqtt.js clients (MQTT 5)', async () => {
    const broker = await startMosquitto();
    try {
      expect(readFileSync(broker.configFile, 'utf8')).toMatch(/^max_queued_messages 100000$/m);
      const msg = await relayQos1(broker.url, 5);
      expect(msg).toEqual({ topic: 'ioc/test/relay', payload: 'hello-qos1', qos: 1 });
    } finally {
      await broker.stop();
    }
    expect(processAlive(broker.pid)).toBe(false);
  });

  it('enforces a password file (works although started as root)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ioc-test-mosq-pw-'));
    const pwFile = path.join(dir, 'passwd');
    writeFileSync(pwFile, '', { mode: 0o600 });
    execFileSync(requireService('mosquitto', () => findBinary('mosquitto_passwd')), ['-b', pwFile, 'alice', 's3cret']);
    const broker = await startMosquitto({ passwordFile: pwFile });
    try {
      const anon = await mqtt
        .connectAsync(broker.url, { reconnectPeriod: 0, connectTimeout: 5000 })
        .then((c) => c.endAsync().then(() => 'connected'), (e: Error) => e.message);
      expect(anon).toMatch(/Not authorized|Bad username or password/i);
      const alice = await mqtt.connectAsync(broker.url, { username: 'alice', password: 's3cret', reconnectPeriod: 0 });
      expect(alice.connected).toBe(true);
      await alice.endAsync();
    } finally {
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('aedes', () => {
  it('relays a QoS1 message between two mqtt.js clients (MQTT 3.1.1)', async () => {
    const broker = await startAedes();
    try {
      const msg = await relayQos1(broker.url, 4);
      expect(msg).toEqual({ topic: 'ioc/test/relay', payload: 'hello-qos1', qos: 1 });
    } finally {
      await broker.stop();
    }
  });
});

describe('chromium', () => {
  let server: HttpServer;
  let base: string;
  beforeAll(async () => {
    server = createHttpServer((req, res) => {
      if (req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          '<!doctype html><html><head><title>harness</title><link rel="icon" href="data:,"></head>' +
            '<body style="background:#123;color:#fff;font:24px sans-serif"><h1 id="t">IOC harness</h1>' +
            '<script>document.getElementById("t").dataset.ok = "yes"</script></body></html>',
        );
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server?.close(() => r()));
  });

  function profileDirs(): Set<string> {
    const dirs = new Set<string>();
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        for (const a of args) if (a.startsWith('--user-data-dir=')) dirs.add(a.slice('--user-data-dir='.length));
      } catch {
        /* process gone */
      }
    }
    return dirs;
  }

  it('opens a local page with a fresh profile, screenshots it, and makes no external request', async () => {
    const before = profileDirs();
    const browser = await launchChromium();
    let ours: string[] = [];
    try {
      ours = [...profileDirs()].filter((d) => !before.has(d));
      expect(ours).toHaveLength(1);
      expect(ours[0]!.startsWith(os.tmpdir())).toBe(true);
      expect(existsSync(ours[0]!)).toBe(true);

      const page = await browser.newPage({ viewport: { width: 640, height: 360 } });
      const watch = watchPage(page);
      await page.goto(`${base}/`);
      await page.waitForSelector('#t[data-ok="yes"]');
      const file = await screenshot(page, 'harness-smoke', { artifact: true });
      expect(file).toMatch(/tests\/\.artifacts\/harness-smoke\.png$/);
      const png = readFileSync(file);
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      expect(png.length).toBeGreaterThan(1000);
      expect(watch.requests).toContain(`${base}/`);
      watch.assertNoErrors();
      watch.assertNoExternalRequests();
    } finally {
      await browser.close();
    }
    expect(existsSync(ours[0]!)).toBe(false);
  });

  it('watchPage reports console errors and failed requests', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const watch = watchPage(page);
      await page.goto(`${base}/`);
      await page.evaluate(async () => {
        await fetch('/missing').catch(() => undefined);
        console.error('boom');
      });
      await waitFor(() => watch.consoleErrors.length > 0 && watch.failedRequests.length > 0, {
        message: 'console error and 404 to be recorded',
      });
      expect(watch.consoleErrors.join('\n')).toContain('boom');
      expect(watch.failedRequests.join('\n')).toContain('HTTP 404');
      expect(() => watch.assertNoErrors()).toThrow(/problem/);
    } finally {
      await browser.close();
    }
  });

  it('flags URLs that leave the machine', () => {
    for (const u of ['http://127.0.0.1:1/x', 'ws://localhost:2/socket.io/', 'data:,', 'blob:http://127.0.0.1/abc', 'http://[::1]:3/']) {
      expect(isLocalUrl(u), u).toBe(true);
    }
    for (const u of ['https://tiles.example.org/a.png', 'http://10.0.0.1/', 'https://fonts.googleapis.com/css']) {
      expect(isLocalUrl(u), u).toBe(false);
    }
    expect(() => assertNoExternalRequests(['http://127.0.0.1/', 'https://example.com/x'])).toThrow(/example\.com/);
  });
});
