/**
 * Entry point: read config, build the app, start it, stop on signals.
 * Everything else lives in app.ts.
 */
import { createApp } from './app.js';
import { ConfigError, loadConfig, removedVariableWarnings } from './config.js';
import { createLogger } from './log.js';

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
  } catch (err) {
    // A start failure is an operator problem (missing influxd, port taken, bad city pack): say what, not a stack trace.
    log.fatal({ err: (err as Error).message }, 'cannot start');
    process.stderr.write(`\nioc-console cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

void main();
