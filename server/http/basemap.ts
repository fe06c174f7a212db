/**
 * The offline basemap (BASEMAP_PMTILES): one PMTiles archive served as bytes,
 * behind the session guard like every other /api route (rule: live:view). The
 * console's map reads it with HTTP Range requests (client/src/map/basemap.ts),
 * so the answers are those of a static file server (`send`, under Express):
 * 206 with Content-Range for a range, 416 for a range past the end, 304 for an
 * unchanged archive. The ETag is strong (size and modification time), so a
 * reader can tell a replaced archive from the one it cached directory pages of.
 * Cache-Control is private (an archive may be the city's own) and asks for
 * revalidation, so a replaced file is picked up without a restart.
 *
 * Without BASEMAP_PMTILES the route answers 404 and the console draws the city
 * pack alone, as it always has.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Router } from 'express';
import type { Logger } from '../log.js';
import { secureRouter } from './paths.js';
import { sendError } from './send.js';

/**
 * Checked at start, with the other files the operator configured: the archive must be readable
 * and a PMTiles v3 archive of vector tiles, or the server stops and says so.
 */
export async function checkBasemapArchive(file: string): Promise<{ bytes: number }> {
  let head: Buffer;
  let bytes: number;
  try {
    const fh = await fs.promises.open(file, 'r');
    try {
      bytes = (await fh.stat()).size;
      head = Buffer.alloc(127);
      await fh.read(head, 0, 127, 0);
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw new Error(`BASEMAP_PMTILES=${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (head.subarray(0, 7).toString('latin1') !== 'PMTiles' || head[7] !== 3) throw new Error(`BASEMAP_PMTILES=${file}: not a PMTiles v3 archive`);
  // Tile type 1 is MVT: the Protomaps style draws vector tiles only.
  if (head[99] !== 1) throw new Error(`BASEMAP_PMTILES=${file}: holds raster tiles (type ${head[99]}), the console draws a vector basemap (Protomaps schema)`);
  return { bytes };
}

/** Relative to /api (permission rule in server/auth/permissions.ts). */
export const BASEMAP_PATH = '/basemap.pmtiles';

export function basemapRoutes(file: string | undefined, log: Logger): Router {
  const r = secureRouter();
  r.get(BASEMAP_PATH, (req, res) => {
    if (!file) return sendError(res, 404, 'not_found', 'no basemap configured (BASEMAP_PMTILES)');
    const abs = path.resolve(file);
    fs.stat(abs, (err, st) => {
      if (err || !st.isFile()) {
        log.warn({ file: abs, err: err?.message }, 'basemap archive not readable');
        return sendError(res, 503, 'unavailable', 'basemap archive not readable');
      }
      res.set('ETag', `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`);
      res.set('Cache-Control', 'private, no-cache');
      res.sendFile(abs, { etag: false, lastModified: true, acceptRanges: true, cacheControl: false, headers: { 'Content-Type': 'application/vnd.pmtiles' } }, (e?: Error & { status?: number }) => {
        if (!e || res.headersSent) return;
        // `send` hands these back as errors; they are answers about the request, not failures.
        if (e.status === 416) {
          res.set('Content-Range', `bytes */${st.size}`);
          return sendError(res, 416, 'bad_request', 'range not satisfiable');
        }
        if (e.status === 412) return sendError(res, 412, 'conflict', 'the archive has changed');
        log.warn({ file: abs, err: e.message }, 'basemap archive not sent');
        sendError(res, 503, 'unavailable', 'basemap archive not readable');
      });
    });
  });
  return r;
}
