/**
 * What a test file stands on, started together and stopped in reverse, so that the file
 * says only what is particular to it (its broker, its city pack, its settings, its clock):
 *  - AppStack: influxd, a broker (aedes in-process or Mosquitto), the server, and a
 *    device-side MQTT client with a publisher that numbers each device's messages;
 *  - ConsoleStack: the same with the built client served and Chromium to open it.
 * Nothing is left running behind a start that fails half way.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { beforeAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { startAedes, type TestAedes } from './aedes.js';
import { startTestApp, type TestApp } from './app.js';
import { launchChromium } from './chromium.js';
import { requireBuiltClient } from './console.js';
import { devicePublisher, type DeviceSend } from './device.js';
import { startTestInfluxd, type TestInfluxd } from './influxd.js';
import { startMosquitto, type TestMosquitto } from './mosquitto.js';

type BrokerKind = 'aedes' | 'mosquitto';
type BrokerOf<K extends BrokerKind> = K extends 'aedes' ? TestAedes : TestMosquitto;

export interface AppStack<B = TestMosquitto> {
  influxd: TestInfluxd;
  broker: B;
  app: TestApp;
  /** The device side's MQTT client, and a publisher on it that numbers each device's messages. */
  dev: MqttClient;
  send: DeviceSend;
  /** A temp folder of this stack's own (the server's spool is in it), removed by stop(). */
  dir: string;
  stop(): Promise<void>;
}

export interface AppStackOptions<K extends BrokerKind> {
  broker?: K;
  env?: Record<string, string>;
  now?: () => number;
}

export async function startAppStack<K extends BrokerKind = 'mosquitto'>(opts: AppStackOptions<K> = {}): Promise<AppStack<BrokerOf<K>>> {
  return startStack(opts, async () => undefined);
}

export interface ConsoleStack extends AppStack {
  browser: Browser;
}

export async function startConsoleStack(opts: { env?: Record<string, string>; now?: () => number } = {}): Promise<ConsoleStack> {
  let browser: Browser | undefined;
  const stack = await startStack<'mosquitto'>({ ...opts, env: { STATIC_DIR: requireBuiltClient(), ...opts.env } }, async () => {
    browser = await launchChromium();
    return () => browser!.close();
  });
  return { ...stack, browser: browser! };
}

/** The stack, with `extra` started beside the services (its stop runs after the server's). */
async function startStack<K extends BrokerKind>(opts: AppStackOptions<K>, extra: () => Promise<(() => Promise<void>) | undefined>): Promise<AppStack<BrokerOf<K>>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-stack-'));
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [influxd, broker, extraStop] = await Promise.all([
      startTestInfluxd().then((s) => (stops.push(() => s.stop()), s)),
      ((opts.broker ?? 'mosquitto') === 'aedes' ? startAedes() : startMosquitto()).then((s) => (stops.push(() => s.stop()), s)),
      extra(),
    ]);
    if (extraStop) stops.push(extraStop);
    const app = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env: { SPOOL_DIR: path.join(dir, 'spool'), ...opts.env }, ...(opts.now ? { now: opts.now } : {}) });
    stops.push(() => app.stop());
    const dev = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    stops.push(() => dev.endAsync());
    return { influxd, broker: broker as BrokerOf<K>, app, dev, send: devicePublisher(dev), dir, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * Something a whole test file shares (an influxd, a browser), started before its tests and stopped after
 * them; read it through the returned function once the file has started.
 */
export function forFile<T>(start: () => Promise<T>, stop: (it: T) => Promise<unknown>): () => T {
  let value: T | undefined;
  beforeAll(async () => {
    const it = await start();
    value = it;
    return async () => {
      await stop(it);
    };
  });
  return () => {
    if (value === undefined) throw new Error('forFile: read before the file started it');
    return value;
  };
}

/** The file's influxd and Chromium, for files whose describes each start a server of their own. */
export function influxdAndBrowserForFile(): { influxd: () => TestInfluxd; browser: () => Browser } {
  return { influxd: forFile(startTestInfluxd, (i) => i.stop()), browser: forFile(launchChromium, (b) => b.close()) };
}

/** startAppStack for the whole file: started before its tests, stopped after them. */
export function appStackForFile<K extends BrokerKind = 'mosquitto'>(opts: AppStackOptions<K> = {}): () => AppStack<BrokerOf<K>> {
  return forFile(() => startAppStack(opts), (s) => s.stop());
}

/** startConsoleStack for the whole file (its pages close with its browser). */
export function consoleStackForFile(opts: { env?: Record<string, string>; now?: () => number } = {}): () => ConsoleStack {
  return forFile(() => startConsoleStack(opts), (s) => s.stop());
}
