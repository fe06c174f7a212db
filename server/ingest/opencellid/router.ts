/**
 * POST /api/ingest/stations: an OpenCelliD CSV, streamed straight from the
 * request into importOpenCellId (never buffered whole), then `stations.imported`
 * on the bus. Optional `?bbox=w,s,e,n` keeps only the city's cells.
 */
import express from 'express';
import type { EventBus } from '../../bus.js';
import { sendError } from '../../http/api.js';
import type { Logger } from '../../log.js';
import { bearerOk } from './auth.js';
import { ImportTooLargeError, importOpenCellId } from './import.js';

export const MAX_STATIONS_CSV_BYTES = 200 * 1024 * 1024;
const CSV_TYPES = ['text/csv', 'application/csv'];

export function stationsRouter(opts: { bus: EventBus; log: Logger; now?: () => number; token?: string; maxBytes?: number }): express.Router {
  const now = opts.now ?? Date.now;
  const maxBytes = opts.maxBytes ?? MAX_STATIONS_CSV_BYTES;
  const router = express.Router();
  router.post('/api/ingest/stations', async (req, res) => {
    if (!bearerOk(req, opts.token)) return sendError(res, 401, 'unauthorized', 'a valid Authorization: Bearer token is required');
    if (!req.is(CSV_TYPES)) return sendError(res, 415, 'bad_request', `Content-Type must be ${CSV_TYPES.join(' or ')}`);
    const declared = Number(req.get('content-length') ?? 0);
    if (declared > maxBytes) return sendError(res, 413, 'bad_request', `CSV larger than ${maxBytes} bytes`);
    let bbox: [number, number, number, number] | undefined;
    if (typeof req.query.bbox === 'string') {
      const b = req.query.bbox.split(',').map(Number);
      if (b.length !== 4 || b.some((n) => !Number.isFinite(n))) return sendError(res, 400, 'bad_request', 'bbox must be w,s,e,n in degrees');
      bbox = b as [number, number, number, number];
    }
    try {
      const r = await importOpenCellId(req, { bbox, maxBytes });
      // An import that produced nothing must not wipe the known stations.
      if (r.imported > 0) opts.bus.emit('stations.imported', { sites: r.sites, receivedAt: now() });
      opts.log.info({ rows: r.rows, imported: r.imported, errors: r.errorCount }, 'stations imported');
      res.json({ ok: true, data: { rows: r.rows, imported: r.imported, errors: r.errors.slice(0, 100), errorCount: r.errorCount } });
    } catch (err) {
      if (res.headersSent || req.socket.destroyed) return;
      if (err instanceof ImportTooLargeError) {
        // Stop the upload instead of reading the rest of an oversize body.
        res.set('Connection', 'close');
        return sendError(res, 413, 'bad_request', err.message);
      }
      opts.log.warn({ err: (err as Error).message }, 'station import failed');
      sendError(res, 400, 'bad_request', `cannot read CSV: ${(err as Error).message}`);
    }
  });
  return router;
}
