/**
 * Digital-government indicators over HTTP (server/indicators):
 *   GET  /api/indicators               every indicator, its latest value against its target and its last
 *                                      12 periods (the wall's "Chuyển đổi số" panel; permission wall:view)
 *   POST /api/indicators/{id}/values   { period, value, demo? } or a list of them, with an ingest token of
 *                                      scope `kpi` (Authorization: Bearer ing_…); 201 once InfluxDB has them
 */
import express from 'express';
import { kpiValueBody, kpiValueList } from '../../contract/indicators.js';
import type { Indicators } from '../indicators/indicators.js';
import { ingestGate, ingestTokenOf } from '../ingest/http-gate.js';
import { ingestActor, type IngestTokens } from '../ingest/tokens.js';
import type { Logger } from '../log.js';
import { secureRouter } from './paths.js';
import { sendError } from './send.js';

const STATUS = { unknown_indicator: 404, wrong_period: 400, computed: 409 } as const;

/** POST /api/indicators/{id}/values: a full-path router, before the session guard's routes. */
export function indicatorIngestRoutes(d: { indicators: Indicators; tokens: IngestTokens; leads: () => boolean; log: Logger }): express.Router {
  const r = secureRouter();
  r.post('/api/indicators/:id/values', ingestGate(d.tokens, 'kpi'), async (req, res) => {
    if (!d.leads()) return sendError(res, 503, 'unavailable', 'this instance stands by; send indicator values to the leader');
    // One value or a list: each parsed as what it is, so an error names the field.
    const body = Array.isArray(req.body) ? kpiValueList.safeParse(req.body) : kpiValueBody.safeParse(req.body);
    if (!body.success) {
      return sendError(res, 400, 'bad_request', body.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
    }
    const id = String(req.params.id);
    const values = Array.isArray(body.data) ? body.data : [body.data];
    for (const v of values) {
      const refused = d.indicators.refusal(id, v);
      if (refused) return sendError(res, STATUS[refused.reason], refused.reason === 'unknown_indicator' ? 'not_found' : refused.reason === 'computed' ? 'conflict' : 'bad_request', refused.detail);
    }
    try {
      for (const v of values) await d.indicators.accept(id, v);
    } catch (err) {
      d.log.warn({ err: (err as Error).message, indicator: id }, 'indicator values not stored');
      return sendError(res, 503, 'unavailable', 'InfluxDB is not answering: send again later');
    }
    d.log.info({ indicator: id, values: values.length, by: ingestActor(ingestTokenOf(res)) }, 'indicator values stored');
    res.status(201).json({ ok: true, data: { indicator: id, stored: values.length } });
  });
  return r;
}

/** GET /api/indicators, mounted under /api behind the guard. */
export function indicatorReadRoutes(d: { indicators: Indicators }): express.Router {
  const r = secureRouter();
  r.get('/indicators', async (_req, res) => {
    try {
      res.json({ ok: true, data: await d.indicators.list() });
    } catch (err) {
      sendError(res, 503, 'unavailable', `InfluxDB: ${(err as Error).message.slice(0, 200)}`);
    }
  });
  return r;
}
