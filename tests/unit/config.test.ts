/**
 * server/config.ts and .env.example stay in step, and loadConfig behaves as documented:
 * defaults, ConfigError naming the variable, empty optional values meaning "unset".
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configSchema, loadConfig, REMOVED_VARIABLES, removedVariableWarnings } from '../../server/config.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ENV_EXAMPLE = readFileSync(path.join(ROOT, '.env.example'), 'utf8');

/** Variable names of `.env.example`, in file order: lines `NAME=...` or `# NAME=...`. */
function exampleVariables(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^(?:#\s*)?([A-Z][A-Z0-9_]*)=/.exec(line.trim());
    if (m && !names.includes(m[1]!)) names.push(m[1]!);
  }
  return names;
}

/** The value shown for NAME in .env.example (commented or not). */
function exampleValue(name: string): string | undefined {
  const m = new RegExp(`^(?:#\\s*)?${name}=(.*)$`, 'm').exec(ENV_EXAMPLE);
  return m?.[1]?.trim();
}

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig(${JSON.stringify(env)}) did not throw`);
}

describe('.env.example', () => {
  const schemaKeys = Object.keys(configSchema.shape);
  const documented = exampleVariables(ENV_EXAMPLE);

  it('lists every configSchema variable', () => {
    expect(schemaKeys.length).toBeGreaterThan(20);
    expect(schemaKeys.filter((k) => !documented.includes(k))).toEqual([]);
  });

  it('lists no variable the schema does not know', () => {
    expect(documented.filter((k) => !schemaKeys.includes(k))).toEqual([]);
  });

  it('keeps the schema order', () => {
    expect(documented).toEqual(schemaKeys);
  });

  it('changes nothing when copied as is: every line is commented out', () => {
    const active = ENV_EXAMPLE.split('\n').filter((l) => /^[A-Z][A-Z0-9_]*=/.test(l.trim()));
    expect(active).toEqual([]);
  });

  it('shows the real default for variables with a fixed default', () => {
    const d = loadConfig({});
    for (const name of [
      'PORT',
      'HOST',
      'LOG_LEVEL',
      'MQTT_EMBEDDED_PORT',
      'INFLUX_DATABASE',
      'INFLUX_LOCAL_PORT',
      'INFLUX_LOCAL_RPC_PORT',
      'INFLUX_BATCH_SIZE',
      'INFLUX_FLUSH_MS',
      'INFLUX_RETENTION_RAW',
      'INFLUX_RETENTION_ROLLUP',
      'SIM_SCENARIO',
      'SIM_SPEED',
      'MAX_PAYLOAD_BYTES',
      'MAX_FUTURE_SKEW_S',
      'DEAD_LETTER_SIZE',
      'DEVICE_STALE_S',
    ] as const) {
      expect(exampleValue(name), name).toBe(String(d[name]));
      // ...and that value parses back to the default.
      expect(loadConfig({ [name]: exampleValue(name) })[name], name).toEqual(d[name]);
    }
    // SIMULATORS is a boolean shown as on/off.
    expect(d.SIMULATORS).toBe(true);
    expect(exampleValue('SIMULATORS')).toBe('on');
    expect(loadConfig({ SIMULATORS: exampleValue('SIMULATORS') }).SIMULATORS).toBe(true);
  });

  it('shows example values that parse, for variables without a fixed default', () => {
    for (const name of ['MQTT_URL', 'INFLUX_URL', 'MAP_STYLE_URL', 'SIM_SEED', 'MQTT_SHARED_GROUP', 'MQTT_USERNAME', 'INFLUX_USERNAME']) {
      const v = exampleValue(name);
      expect(v, name).toBeDefined();
      expect(() => loadConfig({ [name]: v }), name).not.toThrow();
    }
  });
});

describe('loadConfig defaults', () => {
  const c = loadConfig({});

  it('gives the documented defaults', () => {
    expect(c.PORT).toBe(8080);
    expect(c.HOST).toBe('0.0.0.0');
    expect(c.LOG_LEVEL).toBe('info');
    expect(c.MQTT_EMBEDDED_PORT).toBe(1883);
    expect(c.INFLUX_DATABASE).toBe('ioc');
    expect(c.INFLUX_BATCH_SIZE).toBe(5000);
    expect(c.INFLUX_FLUSH_MS).toBe(1000);
    expect(c.INFLUX_RETENTION_RAW).toBe('30d');
    expect(c.INFLUX_RETENTION_ROLLUP).toBe('400d');
    expect(c.SIMULATORS).toBe(true);
    expect(c.SIM_SCENARIO).toBe('normal-day');
    expect(c.SIM_SPEED).toBe(1);
    expect(c.MAX_PAYLOAD_BYTES).toBe(64 * 1024);
    expect(c.MAX_FUTURE_SKEW_S).toBe(300);
    expect(c.DEAD_LETTER_SIZE).toBe(200);
    expect(c.DEVICE_STALE_S).toBe(120);
  });

  it('leaves the optional variables unset (embedded broker, local influxd)', () => {
    expect(c.MQTT_URL).toBeUndefined();
    expect(c.INFLUX_URL).toBeUndefined();
    expect(c.MQTT_SHARED_GROUP).toBeUndefined();
    expect(c.SIM_SEED).toBeUndefined();
    expect(c.MAP_STYLE_URL).toBeUndefined();
    expect(c.MAPBOX_TOKEN).toBeUndefined();
  });

  it('puts default paths under the repository', () => {
    expect(c.CITY_PACK).toBe(path.join(ROOT, 'citypacks', 'phan-rang-thap-cham'));
    expect(c.STATIC_DIR).toBe(path.join(ROOT, 'dist', 'client'));
    expect(c.INFLUX_DATA_DIR).toBe(path.join(ROOT, 'data', 'influxdb'));
  });

  it('ignores variables it does not know', () => {
    expect(() => loadConfig({ SOMETHING_ELSE: 'x', PATH: '/usr/bin' })).not.toThrow();
  });
});

describe('loadConfig parses the documented forms', () => {
  it('coerces numbers and booleans', () => {
    const c = loadConfig({ PORT: '9090', SIMULATORS: 'off', SIM_SEED: '42', SIM_SPEED: '2.5', INFLUX_BATCH_SIZE: '100' });
    expect(c.PORT).toBe(9090);
    expect(c.SIMULATORS).toBe(false);
    expect(c.SIM_SEED).toBe(42);
    expect(c.SIM_SPEED).toBe(2.5);
    expect(c.INFLUX_BATCH_SIZE).toBe(100);
    for (const [v, b] of [['on', true], ['true', true], ['1', true], ['yes', true], ['off', false], ['false', false], ['0', false], ['no', false]] as const) {
      expect(loadConfig({ SIMULATORS: v }).SIMULATORS, v).toBe(b);
    }
  });

  it('accepts the docker-compose values', () => {
    const c = loadConfig({
      MQTT_URL: 'mqtt://mosquitto:1883',
      MQTT_USERNAME: 'ioc-server',
      MQTT_PASSWORD: 'secret',
      INFLUX_URL: 'http://influxdb:8086',
      INFLUX_USERNAME: 'admin',
      INFLUX_PASSWORD: 'secret',
      SIMULATORS: 'off',
    });
    expect(c.MQTT_URL).toBe('mqtt://mosquitto:1883');
    expect(c.INFLUX_URL).toBe('http://influxdb:8086');
    expect(c.SIMULATORS).toBe(false);
  });

  it('accepts every MQTT URL scheme it documents', () => {
    for (const url of ['mqtt://broker:1883', 'mqtts://broker:8883', 'ws://broker:8083/mqtt', 'wss://broker.example.vn/mqtt']) {
      expect(loadConfig({ MQTT_URL: url }).MQTT_URL).toBe(url);
    }
    expect(loadConfig({ INFLUX_URL: 'https://influx.example.vn:8086' }).INFLUX_URL).toBe('https://influx.example.vn:8086');
  });

  it('accepts INF and h/d/w retention durations', () => {
    expect(loadConfig({ INFLUX_RETENTION_RAW: '72h', INFLUX_RETENTION_ROLLUP: 'INF' })).toMatchObject({
      INFLUX_RETENTION_RAW: '72h',
      INFLUX_RETENTION_ROLLUP: 'INF',
    });
    expect(loadConfig({ INFLUX_RETENTION_RAW: '4w' }).INFLUX_RETENTION_RAW).toBe('4w');
  });
});

describe('loadConfig rejects bad values with a ConfigError naming the variable', () => {
  const cases: [string, string][] = [
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '80.5'],
    ['MQTT_URL', 'ftp://x'],
    ['MQTT_URL', 'not a url'],
    ['INFLUX_URL', 'mqtt://influxdb:8086'],
    ['MAP_STYLE_URL', 'file:///etc/passwd'],
    ['SIMULATORS', 'maybe'],
    ['INFLUX_DATABASE', 'a-b'],
    ['INFLUX_RETENTION_RAW', '30 days'],
    ['LOG_LEVEL', 'verbose'],
    ['INFLUX_BATCH_SIZE', '0'],
    ['MAX_FUTURE_SKEW_S', '-5'],
    ['SIM_SPEED', '5000'],
    ['SIM_SEED', 'seed'],
  ];
  for (const [name, value] of cases) {
    it(`${name}=${value}`, () => {
      const err = configError({ [name]: value });
      expect(err.message).toContain(`${name}=${JSON.stringify(value)}`);
      expect(err.message).toContain('.env.example');
    });
  }

  it('names every bad variable at once, and only those', () => {
    const err = configError({ PORT: 'abc', SIMULATORS: 'maybe', INFLUX_DATABASE: 'ok_name' });
    expect(err.message).toMatch(/^ {2}PORT=/m);
    expect(err.message).toMatch(/^ {2}SIMULATORS=/m);
    expect(err.message).not.toMatch(/INFLUX_DATABASE=/);
  });

  it('keeps PUBACK batches to 1–1000 messages held 1–100 ms', () => {
    expect(loadConfig({})).toMatchObject({ MQTT_ACK_BATCH: 16, MQTT_ACK_WAIT_MS: 1 });
    expect(loadConfig({ MQTT_ACK_BATCH: '64', MQTT_ACK_WAIT_MS: '3' })).toMatchObject({ MQTT_ACK_BATCH: 64, MQTT_ACK_WAIT_MS: 3 });
    expect(configError({ MQTT_ACK_BATCH: '0' }).message).toMatch(/^ {2}MQTT_ACK_BATCH="0"/m);
    expect(configError({ MQTT_ACK_BATCH: '1001' }).message).toMatch(/^ {2}MQTT_ACK_BATCH="1001"/m);
    expect(configError({ MQTT_ACK_WAIT_MS: '0' }).message).toMatch(/^ {2}MQTT_ACK_WAIT_MS="0"/m);
  });

  it('refuses a push cadence whose shortest wait is longer than its longest', () => {
    const err = configError({ PUSH_FLUSH_MIN_MS: '200', PUSH_FLUSH_MAX_MS: '100' });
    expect(err.message).toMatch(/^ {2}PUSH_FLUSH_MIN_MS="200": more than PUSH_FLUSH_MAX_MS \(100\)$/m);
    expect(loadConfig({ PUSH_FLUSH_MIN_MS: '100', PUSH_FLUSH_MAX_MS: '100' }).PUSH_FLUSH_MIN_MS).toBe(100);
  });
});

describe('empty values', () => {
  it('mean unset for the optional URLs', () => {
    const c = loadConfig({ MQTT_URL: '', INFLUX_URL: '', MAP_STYLE_URL: '' });
    expect(c.MQTT_URL).toBeUndefined();
    expect(c.INFLUX_URL).toBeUndefined();
    expect(c.MAP_STYLE_URL).toBeUndefined();
  });

  it('mean unset for blank optional URLs too (trimmed)', () => {
    expect(loadConfig({ MQTT_URL: '   ' }).MQTT_URL).toBeUndefined();
    expect(loadConfig({ INFLUX_URL: ' http://influxdb:8086 ' }).INFLUX_URL).toBe('http://influxdb:8086');
  });

  it('mean unset for the optional strings (compose passes ${VAR:-} as "")', () => {
    const c = loadConfig({ MQTT_USERNAME: '', MQTT_PASSWORD: '', MQTT_CLIENT_ID: '', MQTT_SHARED_GROUP: '', INFLUX_USERNAME: '', INFLUX_PASSWORD: '', MAPBOX_TOKEN: '' });
    expect(c.MQTT_USERNAME).toBeUndefined();
    expect(c.MQTT_PASSWORD).toBeUndefined();
    expect(c.MQTT_CLIENT_ID).toBeUndefined();
    expect(c.MQTT_SHARED_GROUP).toBeUndefined();
    expect(c.INFLUX_USERNAME).toBeUndefined();
    expect(c.INFLUX_PASSWORD).toBeUndefined();
    expect(c.MAPBOX_TOKEN).toBeUndefined();
  });

  it('mean unset for numbers too: the default, never 0 (`PORT=` in a .env)', () => {
    const c = loadConfig({ INFLUX_BATCH_SIZE: '', PORT: '', MQTT_EMBEDDED_PORT: '', SIM_SEED: '' });
    expect(c.INFLUX_BATCH_SIZE).toBe(5000);
    expect(c.PORT).toBe(8080);
    expect(c.MQTT_EMBEDDED_PORT).toBe(1883);
    expect(c.SIM_SEED).toBeUndefined();
  });

  it('accept on/off in any case', () => {
    expect(loadConfig({ SIMULATORS: 'OFF' }).SIMULATORS).toBe(false);
    expect(loadConfig({ SIMULATORS: 'On' }).SIMULATORS).toBe(true);
  });
});

describe('removed variables', () => {
  it('INGEST_TOKEN is gone from the schema; set, it is warned about with what replaced it (issue #19)', () => {
    expect('INGEST_TOKEN' in configSchema.shape).toBe(false);
    expect(Object.keys(REMOVED_VARIABLES).filter((k) => k in configSchema.shape)).toEqual([]);
    expect(removedVariableWarnings({ INGEST_TOKEN: 'old-shared-secret' })).toEqual([expect.stringMatching(/^INGEST_TOKEN is set but no longer read: .*ingest-token add/)]);
    expect(removedVariableWarnings({ INGEST_TOKEN: '' })).toEqual([]);
    expect(removedVariableWarnings({})).toEqual([]);
  });
});
