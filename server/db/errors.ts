/** Errors of the local PostgreSQL cluster (server/db/postgres.ts) and of DATABASE_URL (server/db/database.ts). */

export const POSTGRES_MISSING_MESSAGE =
  "PostgreSQL not found: install Debian's package (apt-get install postgresql; the server binaries go to /usr/lib/postgresql/<version>/bin), set DATABASE_URL to an existing PostgreSQL, or use docker compose up";

export class PostgresMissingError extends Error {
  constructor(detail = '') {
    super(POSTGRES_MISSING_MESSAGE + detail);
    this.name = 'PostgresMissingError';
  }
}

/** The cluster could not be created or started: port taken, bad data dir, early exit, not ready in time. */
export class PostgresStartError extends Error {
  readonly outputTail: string[];
  constructor(message: string, outputTail: string[] = []) {
    const tail = outputTail.length > 0 ? `\n--- last PostgreSQL output ---\n${outputTail.join('\n')}` : '';
    super(message + tail);
    this.name = 'PostgresStartError';
    this.outputTail = outputTail;
  }
}
