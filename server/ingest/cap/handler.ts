/**
 * CAP alerts in: over MQTT (`ioc/v1/cap/{senderId}`, registered with the ingest
 * router) and over HTTP (`POST /api/ingest/cap`, for agencies that push by
 * webhook). Both parse with parseCap and emit `cap.alert` on the bus.
 */
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { EventBus } from '../../bus.js';
import { sendError } from '../../http/api.js';
import type { Logger } from '../../log.js';
import { bearerOk } from '../opencellid/auth.js';
import type { ForeignHandler } from '../router.js';
import { parseCap, type CapParseResult } from './parse.js';
import { MAX_CAP_BYTES } from './xml.js';

export const CAP_CONTENT_TYPES = ['application/cap+xml', 'application/xml', 'text/xml'];

/** parseCap, never throwing: a bug in the parser must not reach the MQTT client or the HTTP stack. */
function safeParse(xml: string): CapParseResult {
  try {
    return parseCap(xml);
  } catch (err) {
    return { ok: false, reason: 'bad_xml', detail: `parser failed: ${(err as Error).message}` };
  }
}

export function createCapHandler(opts: { bus: EventBus; now?: () => number }): ForeignHandler {
  const now = opts.now ?? Date.now;
  return (_topic, payload, reject) => {
    const r = safeParse(payload.toString('utf8'));
    if (!r.ok) return reject(r.reason, r.detail);
    opts.bus.emit('cap.alert', { alert: r.alert, receivedAt: now(), via: 'mqtt' });
  };
}

/** `token`, when set, is required as `Authorization: Bearer <token>`. */
export function capRouter(opts: { bus: EventBus; log: Logger; now?: () => number; token?: string }): express.Router {
  const now = opts.now ?? Date.now;
  const router = express.Router();
  router.post(
    '/api/ingest/cap',
    (req, res, next) => {
      if (!bearerOk(req, opts.token)) return sendError(res, 401, 'unauthorized', 'a valid Authorization: Bearer token is required');
      if (!req.is(CAP_CONTENT_TYPES)) return sendError(res, 415, 'bad_request', `Content-Type must be one of ${CAP_CONTENT_TYPES.join(', ')}`);
      next();
    },
    express.text({ type: CAP_CONTENT_TYPES, limit: MAX_CAP_BYTES }),
    (req, res) => {
      const r = safeParse(typeof req.body === 'string' ? req.body : '');
      if (!r.ok) {
        opts.log.warn({ reason: r.reason, detail: r.detail.slice(0, 300) }, 'CAP alert rejected');
        return sendError(res, 400, 'bad_request', r.detail);
      }
      opts.bus.emit('cap.alert', { alert: r.alert, receivedAt: now(), via: 'http' });
      res.status(202).json({ ok: true, data: { identifier: r.alert.identifier, msgType: r.alert.msgType } });
    },
  );
  // Body-parser errors (too large, bad charset) answered here so the router stands alone.
  router.use('/api/ingest/cap', (err: Error & { type?: string; status?: number }, _req: Request, res: Response, next: NextFunction) => {
    if (err.type === 'entity.too.large') return sendError(res, 413, 'bad_request', `CAP document larger than ${MAX_CAP_BYTES / 1024} KB`);
    if (err.type === 'charset.unsupported' || err.type === 'encoding.unsupported') return sendError(res, 415, 'bad_request', err.message);
    if (err.status && err.status < 500) return sendError(res, err.status, 'bad_request', err.message);
    next(err);
  });
  return router;
}
