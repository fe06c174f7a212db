/**
 * What an operator sees when a service is not there: the real entry point
 * (`node --import tsx server/index.ts`) started against an unreachable
 * PostgreSQL or InfluxDB stops with a plain message and a non-zero exit; against an
 * unreachable broker it runs degraded and /api/health says why. Never a
 * stack trace, never a silent hang.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testDatabase } from '../harness/app.js';
import { startTestInfluxd, type TestInfluxd } from '../harness/influxd.js';
import { freePort } from '../harness/ports.js';
import { waitFor } from '../harness/wait.js';

const ROOT = path.join(import.meta.dirname, '..', '..');
let influxd: TestInfluxd;
let databaseUrl: string;
const dirs: string[] = [];
beforeAll(async () => {
  influxd = await startTestInfluxd();
  databaseUrl = await testDatabase(`ioc_startup_${process.pid}`);
});
afterAll(async () => {
  await influxd?.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function start(env: Record<string, string>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-startup-'));
  dirs.push(dir);
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dir,
      SIMULATORS: 'off',
      CITY_PACK: path.join(ROOT, 'citypacks', 'test-town'),
      SPOOL_DIR: path.join(dir, 'spool'),
      AUTH_DIR: path.join(dir, 'auth'),
      LOG_LEVEL: 'info',
      DATABASE_URL: databaseUrl,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { text: '', code: null as number | null };
  child.stdout.on('data', (b: Buffer) => (out.text += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out.text += b.toString()));
  child.on('exit', (code) => (out.code = code ?? -1));
  return { child, out };
}

/** A stack trace has lines like "    at fn (file.ts:12:3)". */
const STACK = /\n\s+at .+:\d+:\d+/;

it('an unreachable PostgreSQL: a clear message naming it (password masked), and a non-zero exit', async () => {
  const { out } = start({ DATABASE_URL: 'postgres://ioc:s3cret-pw@127.0.0.1:1/ioc', INFLUX_URL: influxd.url, MQTT_EMBEDDED_PORT: String(await freePort()), PORT: String(await freePort()) });
  await waitFor(() => out.code !== null, { timeoutMs: 30_000, message: 'the server neither exited nor said anything' });
  expect(out.code).not.toBe(0);
  expect(out.text).toMatch(/ioc-console cannot start: PostgreSQL at DATABASE_URL postgres:\/\/ioc:\*\*\*@127\.0\.0\.1:1\/ioc cannot be reached: .*ECONNREFUSED/);
  expect(out.text).not.toContain('s3cret-pw');
  expect(out.text).not.toMatch(STACK);
});

it('an unreachable InfluxDB: a clear message naming it, and a non-zero exit', async () => {
  const { out } = start({ INFLUX_URL: 'http://127.0.0.1:1', MQTT_EMBEDDED_PORT: String(await freePort()), PORT: String(await freePort()) });
  await waitFor(() => out.code !== null, { timeoutMs: 30_000, message: 'the server neither exited nor said anything' });
  expect(out.code).not.toBe(0);
  expect(out.text).toMatch(/ioc-console cannot start: InfluxDB at http:\/\/127\.0\.0\.1:1/);
  expect(out.text).not.toMatch(STACK);
});

it('an unreachable broker: running degraded, and /api/health says why', async () => {
  const port = await freePort();
  const { child, out } = start({ MQTT_URL: 'mqtt://127.0.0.1:1', INFLUX_URL: influxd.url, INFLUX_DATABASE: `ioc_startup_${process.pid}`, PORT: String(port) });
  try {
    await waitFor(() => out.text.includes('ioc-console is running'), { timeoutMs: 30_000, message: `never came up:\n${out.text}` });
    const res = await fetch(`http://127.0.0.1:${port}/api/health`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; warnings: string[]; broker: { connected: boolean; error: string } };
    expect(body).toMatchObject({ status: 'degraded', broker: { connected: false } });
    expect(body.warnings.join(' ')).toMatch(/MQTT broker not connected: .*ECONNREFUSED/);
    expect(out.text).not.toMatch(STACK);
  } finally {
    child.kill('SIGTERM');
    await waitFor(() => out.code !== null, { timeoutMs: 15_000 });
  }
  expect(out.code).toBe(0); // a clean stop on SIGTERM
});

it('a bad setting stops the start with the variable named', async () => {
  const { out } = start({ PORT: 'eighty', INFLUX_URL: influxd.url });
  await waitFor(() => out.code !== null, { timeoutMs: 20_000 });
  expect(out.code).toBe(2);
  expect(out.text).toMatch(/PORT="eighty"/);
  expect(out.text).not.toMatch(STACK);
});
