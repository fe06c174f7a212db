/**
 * POST /api/ingest/stations: an OpenCelliD CSV, streamed straight from the
 * request into importOpenCellId (never buffered whole), then `stations.imported`
 * on the bus. Optional `?bbox=w,s,e,n` keeps only the city's cells.
 *
 * Off (503) while no ingest token has scope `stations`. Capped in bytes and rows
 * (STATION_IMPORT_MAX_BYTES, STATION_IMPORT_MAX_ROWS: 413 past either), and every
 * import, refused or not, is audited (entity `ingest`, type `stations_import`):
 * which token, rows accepted and rejected, bytes, result.
 */
import { secureRouter } from '../../http/paths.js';
import express from 'express';
import type { Response } from 'express';
import type { EventBus } from '../../bus.js';
import { sendError } from '../../http/send.js';
import type { Logger } from '../../log.js';
import { ingestGate, ingestTokenOf } from '../http-gate.js';
import { ingestActor, type IngestTokens } from '../tokens.js';
import { ImportTooLargeError, importOpenCellId } from './import.js';

const CSV_TYPES = ['text/csv', 'application/csv'];
/** The import CLI says who it is (server/ingest/opencellid/cli.ts), for the audit only. */
export const IMPORT_CLI_AGENT = 'ioc-console-import-stations';

export interface StationsRouterOptions {
  bus: EventBus;
  log: Logger;
  tokens: IngestTokens;
  maxBytes: number;
  maxRows: number;
  now?: () => number;
}

export function stationsRouter(opts: StationsRouterOptions): express.Router {
  const now = opts.now ?? Date.now;
  const router = secureRouter();
  router.post('/api/ingest/stations', ingestGate(opts.tokens, 'stations'), async (req, res) => {
    const t = ingestTokenOf(res);
    const via = (req.get('user-agent') ?? '').startsWith(IMPORT_CLI_AGENT) ? 'CLI' : 'HTTP';
    const audit = (result: 'ok' | 'refused', note: string) =>
      opts.tokens.audit({ type: 'stations_import', id: t.id, by: ingestActor(t), result, note: `via ${via}; ${note}` });
    if (!req.is(CSV_TYPES)) return sendError(res, 415, 'bad_request', `Content-Type must be ${CSV_TYPES.join(' or ')}`);
    const declared = Number(req.get('content-length') ?? 0);
    if (declared > opts.maxBytes) {
      audit('refused', `${declared} bytes declared, over STATION_IMPORT_MAX_BYTES ${opts.maxBytes}`);
      return tooLarge(res, `station list larger than ${opts.maxBytes} bytes (STATION_IMPORT_MAX_BYTES): split it, or import only the city (?bbox=w,s,e,n)`);
    }
    let bbox: [number, number, number, number] | undefined;
    if (typeof req.query.bbox === 'string') {
      const b = req.query.bbox.split(',').map(Number);
      if (b.length !== 4 || b.some((n) => !Number.isFinite(n))) return sendError(res, 400, 'bad_request', 'bbox must be w,s,e,n in degrees');
      bbox = b as [number, number, number, number];
    }
    try {
      const r = await importOpenCellId(req, { bbox, maxBytes: opts.maxBytes, maxRows: opts.maxRows });
      // An import that produced nothing must not wipe the known stations.
      if (r.imported > 0) opts.bus.emit('stations.imported', { sites: r.sites, receivedAt: now() });
      opts.log.info({ token: t.id, rows: r.rows, imported: r.imported, errors: r.errorCount, bytes: r.bytes }, 'stations imported');
      audit('ok', `rows ${r.rows}; accepted ${r.imported}; rejected ${r.errorCount}; bytes ${r.bytes}`);
      res.json({ ok: true, data: { rows: r.rows, imported: r.imported, errors: r.errors.slice(0, 100), errorCount: r.errorCount } });
    } catch (err) {
      if (err instanceof ImportTooLargeError) {
        const what = err.limit === 'rows' ? `more than ${opts.maxRows} rows (STATION_IMPORT_MAX_ROWS)` : `larger than ${opts.maxBytes} bytes (STATION_IMPORT_MAX_BYTES)`;
        audit('refused', `${what}; stopped at row ${err.rows}, byte ${err.bytes}; nothing imported`);
        if (res.headersSent || req.socket.destroyed) return;
        return tooLarge(res, `station list ${what}: nothing imported; split it, or import only the city (?bbox=w,s,e,n)`);
      }
      audit('refused', `unreadable: ${(err as Error).message.slice(0, 200)}`);
      if (res.headersSent || req.socket.destroyed) return;
      opts.log.warn({ err: (err as Error).message }, 'station import failed');
      sendError(res, 400, 'bad_request', `cannot read CSV: ${(err as Error).message}`);
    }
  });
  return router;
}

/** 413, and stop the upload instead of reading the rest of an oversize body. */
function tooLarge(res: Response, message: string): void {
  res.set('Connection', 'close');
  sendError(res, 413, 'bad_request', message);
}
