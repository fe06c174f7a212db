import pino from 'pino';

export type Logger = pino.Logger;

/** The root logger. Modules take a child: `logger.child({ module: 'ingest' })`. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { app: 'ioc-console' },
    // Secrets never reach the log, whatever a module passes in.
    redact: ['password', '*.password', 'token', '*.token', 'secret', '*.secret', 'authorization'],
  });
}
