/**
 * `npm start` runs the demo simulators as a process of their own (scripts/simulators.mjs):
 * what the server's `ready` message turns into, and the one password both processes share.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulatorPassword, simulatorsCommand } from '../../scripts/simulators.mjs';
import type { ServerReady } from '../../server/index.js';

const ready: NonNullable<ServerReady['simulators']> = {
  mqttUrl: 'mqtt://127.0.0.1:40123',
  username: 'ioc-simulator',
  pack: '/srv/packs/town',
  scenario: 'typhoon',
  seed: 7,
  speed: 30,
};

describe('simulatorsCommand', () => {
  it('runs the CLI against the broker the server names, with the scenario, seed and speed of SIM_*, stopping without signing off', () => {
    const { args } = simulatorsCommand(ready, {}, 'pw');
    expect(args.slice(0, 3)).toEqual(['--import', 'tsx', 'simulators/cli.ts']);
    const opt = (name: string) => args[args.indexOf(name) + 1];
    expect([opt('--url'), opt('--pack'), opt('--scenario'), opt('--seed'), opt('--speed')]).toEqual(['mqtt://127.0.0.1:40123', '/srv/packs/town', 'typhoon', '7', '30']);
    expect(args).toContain('--keep-online');
  });

  it('logs in as the simulators with the shared password, through the environment, never on the command line', () => {
    const { args, env } = simulatorsCommand(ready, { MQTT_USERNAME: 'ioc-server', MQTT_PASSWORD: 'server-pw', PATH: '/bin' }, 'sim-pw');
    expect(env).toMatchObject({ MQTT_USERNAME: 'ioc-simulator', MQTT_PASSWORD: 'sim-pw', PATH: '/bin' });
    expect(args.join(' ')).not.toContain('sim-pw');
  });

  it('connects without the server credentials when the broker asks for none', () => {
    const { env } = simulatorsCommand({ ...ready, username: null }, { MQTT_USERNAME: 'ioc-server', MQTT_PASSWORD: 'server-pw' }, 'sim-pw');
    expect(env.MQTT_USERNAME).toBeUndefined();
    expect(env.MQTT_PASSWORD).toBeUndefined();
  });

  it('draws a seed when SIM_SEED is unset', () => {
    const { args } = simulatorsCommand({ ...ready, seed: null }, {}, 'pw', () => 1_234_567_890);
    expect(args[args.indexOf('--seed') + 1]).toBe('567890');
  });
});

describe('simulatorPassword', () => {
  it('is SIM_MQTT_PASSWORD from the environment, else from .env, else a new one each run', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-start-'));
    try {
      const envFile = path.join(dir, '.env');
      fs.writeFileSync(envFile, 'PORT=8080\nSIM_MQTT_PASSWORD=from-file\n');
      expect(simulatorPassword({ SIM_MQTT_PASSWORD: 'from-env' }, envFile)).toBe('from-env');
      expect(simulatorPassword({}, envFile)).toBe('from-file');
      const a = simulatorPassword({}, path.join(dir, 'missing'));
      const b = simulatorPassword({});
      expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(b).not.toBe(a);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
