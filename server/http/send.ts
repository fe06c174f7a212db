/** The one shape of an HTTP error answer: a known code and a message, no internals. */
import type { Response } from 'express';
import type { ErrorCode } from '../../contract/index.js';

export function sendError(res: Response, status: number, code: ErrorCode, message: string): void {
  res.status(status).json({ ok: false, error: { code, message } });
}
