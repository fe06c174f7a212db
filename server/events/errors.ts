import type { ErrorCode } from '../../contract/index.js';

/** A refused command: only these codes and messages ever reach a client. */
export class CommandError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
