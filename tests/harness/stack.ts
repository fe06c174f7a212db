/**
 * What a browser test of the console stands on: influxd, Mosquitto, the server with
 * the built client, Chromium, and a device-side MQTT client. Started together, stopped
 * in reverse, so that a test file says only what is particular to it (its city pack,
 * its simulators, its clock).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from './app.js';
import { launchChromium } from './chromium.js';
import { requireBuiltClient } from './console.js';
import { devicePublisher, type DeviceSend } from './device.js';
import { startTestInfluxd, type TestInfluxd } from './influxd.js';
import { startMosquitto, type TestMosquitto } from './mosquitto.js';

export interface ConsoleStack {
  influxd: TestInfluxd;
  broker: TestMosquitto;
  browser: Browser;
  app: TestApp;
  /** The device side's MQTT client, and a publisher on it that numbers each device's messages. */
  dev: MqttClient;
  send: DeviceSend;
  /** A temp folder of this stack's own (the server's spool is in it), removed by stop(). */
  dir: string;
  stop(): Promise<void>;
}

export async function startConsoleStack(opts: { env?: Record<string, string>; now?: () => number } = {}): Promise<ConsoleStack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-browser-'));
  const [influxd, broker, browser] = await Promise.all([startTestInfluxd(), startMosquitto(), launchChromium()]);
  let app: TestApp | undefined;
  let dev: MqttClient;
  try {
    app = await startTestApp({
      mqttUrl: broker.url,
      influxUrl: influxd.url,
      env: { STATIC_DIR: requireBuiltClient(), SPOOL_DIR: path.join(dir, 'spool'), ...opts.env },
      ...(opts.now ? { now: opts.now } : {}),
    });
    dev = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
  } catch (err) {
    // Nothing left running behind a failed start.
    await app?.stop();
    await Promise.all([browser.close(), broker.stop(), influxd.stop()]);
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    influxd,
    broker,
    browser,
    app: app!,
    dev,
    send: devicePublisher(dev),
    dir,
    async stop() {
      await dev.endAsync();
      await app!.stop();
      await browser.close();
      await broker.stop();
      await influxd.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
