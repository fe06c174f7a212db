import pino from 'pino';
import { redactRecord, redactText } from './redact.js';

export type Logger = pino.Logger;

/** The root logger. Modules take a child: `logger.child({ module: 'ingest' })`. */
export function createLogger(level: string, dest?: pino.DestinationStream): Logger {
  return pino({
    level,
    base: { app: 'ioc-console' },
    // Secrets never reach the log, whatever a module passes in.
    redact: ['password', '*.password', 'token', '*.token', 'secret', '*.secret', 'authorization'],
    // Credentials inside URLs and error messages (an INFLUX_URL with user:pass@) are masked too.
    formatters: { log: (o) => redactRecord(o) },
    hooks: {
      logMethod(args, method) {
        const i = typeof args[0] === 'string' ? 0 : 1;
        if (typeof args[i] === 'string') args[i] = redactText(args[i]);
        method.apply(this, args);
      },
    },
  }, dest);
}
