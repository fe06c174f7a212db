/**
 *   GET /api/replay/state?at=<ms|ISO>            the picture at that moment
 *   GET /api/replay/events?from=&to=[&limit=]    the changes in a window, paged (`next`)
 * Bounded: within the raw retention (30 days), a window of at most 24 h per call.
 */
import { secureRouter } from '../http/paths.js';
import express from 'express';
import type { InfluxDB } from 'influx';
import { sendError } from '../http/send.js';
import { parseTime } from '../http/operations-routes.js';
import { MAX_PAGE, replayEvents } from './events.js';
import { replayState, type DeviceBase } from './state.js';

const MAX_AGE_MS = 30 * 86_400_000;
const MAX_WINDOW_MS = 24 * 3_600_000;

export function replayRoutes(deps: { influx: InfluxDB; base: () => DeviceBase; staleMs: number; now: () => number }): express.Router {
  const r = secureRouter();
  const fail = (res: express.Response, err: unknown) => sendError(res, 503, 'unavailable', `InfluxDB: ${(err as Error).message.slice(0, 200)}`);

  r.get('/replay/state', async (req, res) => {
    const now = deps.now();
    const at = parseTime(req.query.at, now);
    if (at === null || at > now + 60_000 || at < now - MAX_AGE_MS) return sendError(res, 400, 'bad_request', 'at: epoch ms or ISO 8601 within the last 30 days');
    try {
      res.json({ ok: true, data: await replayState(deps.influx, deps.base(), at, deps.staleMs) });
    } catch (err) {
      fail(res, err);
    }
  });

  r.get('/replay/events', async (req, res) => {
    const now = deps.now();
    const from = parseTime(req.query.from, NaN);
    const to = parseTime(req.query.to, NaN);
    if (from === null || to === null || !Number.isFinite(from) || !Number.isFinite(to) || from > to) return sendError(res, 400, 'bad_request', 'from/to: epoch ms or ISO 8601, from ≤ to');
    if (from < now - MAX_AGE_MS) return sendError(res, 400, 'bad_request', 'from: within the last 30 days');
    if (to - from > MAX_WINDOW_MS) return sendError(res, 400, 'bad_request', 'window: at most 24 h per call (page through longer ones)');
    const limitRaw = Number(req.query.limit ?? MAX_PAGE);
    const limit = Number.isInteger(limitRaw) && limitRaw >= 10 && limitRaw <= MAX_PAGE ? limitRaw : MAX_PAGE;
    try {
      res.json({ ok: true, data: await replayEvents(deps.influx, deps.base(), from, to, deps.staleMs, limit) });
    } catch (err) {
      fail(res, err);
    }
  });
  return r;
}
