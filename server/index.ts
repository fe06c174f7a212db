/**
 * Entry point: read config, build the app, start it, stop on signals.
 * Everything else lives in app.ts. Started by `npm start` (scripts/start.mjs), it tells its
 * parent over the IPC channel when it is up, where a local client reaches the broker and what
 * the demo simulators should run (SIMULATORS, SIM_*): the parent starts them as a process
 * of their own beside this one, so that the server runs without them.
 */
import { createApp } from './app.js';
import { ConfigError, loadConfig, removedVariableWarnings } from './config.js';
import { createLogger } from './log.js';

/** What the server tells `npm start` once it is up (scripts/start.mjs reads it). */
export interface ServerReady {
  type: 'ready';
  url: string;
  /** null: SIMULATORS is off. */
  simulators: {
    mqttUrl: string;
    /** The embedded broker with device authentication: log in as this user with SIM_MQTT_PASSWORD. */
    username: string | null;
    pack: string;
    scenario: string;
    seed: number | null;
    speed: number;
  } | null;
}

async function main(): Promise<void> {
  // Everything the server and its children (influxd) write under data/ is theirs alone: 0600 files, 0700 folders.
  process.umask(0o077);
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.LOG_LEVEL);
  for (const w of removedVariableWarnings()) log.warn(w);
  const app = createApp(config, { log });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  try {
    const running = await app.start();
    process.stdout.write(`\n  ioc-console is running: open ${running.url}\n\n`);
    const ready: ServerReady = {
      type: 'ready',
      url: running.url,
      simulators: config.SIMULATORS
        ? {
            mqttUrl: running.localMqttUrl,
            username: running.simulatorUsername,
            pack: config.CITY_PACK,
            scenario: config.SIM_SCENARIO,
            seed: config.SIM_SEED ?? null,
            speed: config.SIM_SPEED,
          }
        : null,
    };
    process.send?.(ready);
  } catch (err) {
    // A start failure is an operator problem (missing influxd, port taken, bad city pack): say what, not a stack trace.
    log.fatal({ err: (err as Error).message }, 'cannot start');
    process.stderr.write(`\nioc-console cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

void main();
