/**
 * CAP alerts in: over MQTT (`ioc/v1/cap/{senderId}`, registered with the ingest
 * router) and over HTTP (`POST /api/ingest/cap`, for agencies that push by
 * webhook, with an ingest token naming the CAP senders it may send as). Both
 * parse with parseCap, ask the incident layer whether the message may be
 * applied (`check`: an Update or Cancel only from the sender of the alert it
 * references, issue #19), and only then emit `cap.alert` on the bus.
 */
import { secureRouter } from '../../http/paths.js';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { EventBus } from '../../bus.js';
import { sendError } from '../../http/send.js';
import type { Logger } from '../../log.js';
import { ingestGate, ingestTokenOf } from '../http-gate.js';
import type { ForeignHandler } from '../router.js';
import { ingestActor, type IngestTokens } from '../tokens.js';
import { parseCap, type CapParseResult } from './parse.js';
import type { CapAlert } from '../../../contract/cap.js';
import { MAX_CAP_BYTES } from './xml.js';

/** Why a parsed alert may not be applied (a reason for feed health, a detail for people), or null. */
export type CapCheck = (alert: CapAlert) => { reason: string; detail: string } | null;

export const CAP_CONTENT_TYPES = ['application/cap+xml', 'application/xml', 'text/xml'];

/** parseCap, never throwing: a bug in the parser must not reach the MQTT client or the HTTP stack. */
function safeParse(xml: string): CapParseResult {
  try {
    return parseCap(xml);
  } catch (err) {
    return { ok: false, reason: 'bad_xml', detail: `parser failed: ${(err as Error).message}` };
  }
}

/**
 * Over MQTT a refused message is rejected (logged, counted in feed health with its reason), never applied.
 * `maySendAs`: with device authentication, the source device publishing on `ioc/v1/cap/{id}` may send
 * only as the CAP senders registered for it (server/broker/devices.ts), as an ingest token does over HTTP.
 */
export function createCapHandler(opts: { bus: EventBus; now?: () => number; check?: CapCheck; maySendAs?: (sourceId: string, sender: string) => boolean }): ForeignHandler {
  const now = opts.now ?? Date.now;
  return (topic, payload, reject) => {
    const r = safeParse(payload.toString('utf8'));
    if (!r.ok) return reject(r.reason, r.detail);
    const sourceId = topic.slice(topic.lastIndexOf('/') + 1);
    if (opts.maySendAs && !opts.maySendAs(sourceId, r.alert.sender)) {
      return reject('sender_not_allowed', `source ${sourceId} may not send CAP alerts as ${r.alert.sender.slice(0, 120)}`);
    }
    const refused = opts.check?.(r.alert);
    if (refused) return reject(refused.reason, refused.detail);
    opts.bus.emit('cap.alert', { alert: r.alert, receivedAt: now(), via: 'mqtt' });
  };
}

/**
 * POST /api/ingest/cap: off (503) while no ingest token has scope `cap`; a token
 * may send only as the CAP senders it names (403 otherwise); refusals are audited.
 */
export function capRouter(opts: { bus: EventBus; log: Logger; tokens: IngestTokens; now?: () => number; check?: CapCheck }): express.Router {
  const now = opts.now ?? Date.now;
  const router = secureRouter();
  const refuse = (res: Response, reason: string, detail: string) => {
    const t = ingestTokenOf(res);
    opts.log.warn({ reason, token: t.id, detail: detail.slice(0, 300) }, 'CAP alert refused');
    opts.tokens.audit({ type: 'cap_refused', id: t.id, by: ingestActor(t), result: 'refused', note: `${reason}: ${detail}` });
    sendError(res, 403, 'forbidden', detail);
  };
  router.post(
    '/api/ingest/cap',
    ingestGate(opts.tokens, 'cap'),
    (req, res, next) => {
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
      const t = ingestTokenOf(res);
      if (!t.senders.includes(r.alert.sender)) {
        return refuse(res, 'sender_not_allowed', `token "${t.name}" may not send as ${r.alert.sender.slice(0, 256)} (its senders: ${t.senders.join(', ')})`);
      }
      const refused = opts.check?.(r.alert);
      if (refused) return refuse(res, refused.reason, refused.detail);
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
