/**
 * Video over HTTP (docs/video.md):
 *   GET  /api/cameras/{id}/stream[?view=]   a stream grant for the caller (video:view, then access.ts)
 *   POST /api/cameras/{id}/stream/{view}/end  the player closed: the view's audit row gets its length
 *   GET  /api/video/hls/{id}/{file}?token=  a simulated camera's playlist and segments (the token is the pass)
 *   POST /api/video/auth                     MediaMTX's HTTP auth hook (authHTTPAddress): 200 lets a read through
 */
import fs from 'node:fs';
import type { Request, Response } from 'express';
import { STREAM_TOKEN_PARAM } from '../../contract/index.js';
import { principalOf } from '../auth/guard.js';
import { secureRouter } from '../http/paths.js';
import { sendError } from '../http/send.js';
import type { Logger } from '../log.js';
import { SIM_FILE } from './sim-hls.js';
import type { VideoService } from './service.js';

/** How long a first fetch waits for a stream that is starting (ffmpeg writes the playlist after one segment). */
const FIRST_FILE_WAIT_MS = 8000;
const ID = /^[A-Za-z0-9_.-]{1,64}$/;

export function videoRoutes(video: VideoService) {
  const r = secureRouter();
  r.get('/cameras/:id/stream', (req, res) => {
    const view = typeof req.query.view === 'string' && /^[0-9a-f-]{36}$/.test(req.query.view) ? req.query.view : undefined;
    const g = video.grant(principalOf(res), req.params.id, view, req.ip);
    if (!g.ok) return sendError(res, g.status, g.code, g.message);
    res.json({ ok: true, data: g.grant });
  });
  r.post('/cameras/:id/stream/:view/end', (req, res) => {
    const ended = video.views.close(req.params.view, principalOf(res).id);
    if (!ended) return sendError(res, 404, 'not_found', 'no such view of yours');
    res.json({ ok: true, data: { ended: true } });
  });
  return r;
}

/** Routes that carry their own pass (a stream token), mounted before the session guard's routes. */
export function videoPublicRoutes(video: VideoService, log: Logger) {
  const r = secureRouter();
  r.get('/api/video/hls/:camera/:file', async (req, res) => {
    const { camera, file } = req.params;
    const token = req.query[STREAM_TOKEN_PARAM];
    const check = ID.test(camera) && SIM_FILE.test(file) ? video.check(camera, token) : ({ ok: false, reason: 'malformed' } as const);
    if (!check.ok) {
      video.countFetch('refused');
      return sendError(res, check.reason === 'expired' ? 401 : 403, check.reason === 'expired' ? 'unauthorized' : 'forbidden', `stream token ${check.reason}`);
    }
    const sim = video.sim;
    if (!sim || !video.isSimulated(camera)) return sendError(res, 404, 'not_found', 'this camera does not play from this server');
    // A player that paused past the idle time brings its stream back.
    const refused = sim.ensure(camera, video.label(camera));
    if (refused) return sendError(res, 503, 'unavailable', refused === 'busy' ? 'every simulated stream is in use: close one' : 'no video: ffmpeg is not installed');
    const p = await sim.file(camera, file, file === 'index.m3u8' ? FIRST_FILE_WAIT_MS : 0);
    if (!p) {
      video.countFetch('missing');
      return sendError(res, 404, 'not_found', 'no such segment (it has rolled off the playlist)');
    }
    video.countFetch('ok');
    if (file === 'index.m3u8') return sendPlaylist(res, p, String(token));
    res.type('video/mp2t');
    fs.createReadStream(p)
      .on('error', () => {
        if (!res.headersSent) sendError(res, 404, 'not_found', 'no such segment (it has rolled off the playlist)');
        else res.destroy();
      })
      .pipe(res);
  });

  // MediaMTX asks before every read, publish and API call (authMethod: http). Reads of a camera's path
  // with a token for that camera pass; nothing else does (MediaMTX pulls the cameras itself).
  r.post('/api/video/auth', (req: Request, res: Response) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const action = typeof b.action === 'string' ? b.action : '';
    const cameraId = typeof b.path === 'string' ? video.cameraAtPath(b.path) : undefined;
    const fromQuery = typeof b.query === 'string' ? new URLSearchParams(b.query).get(STREAM_TOKEN_PARAM) : null;
    const token = [b.token, fromQuery, b.password].find((t) => typeof t === 'string' && t !== '');
    const ok = (action === 'read' || action === 'playback') && cameraId !== undefined && video.check(cameraId, token).ok;
    if (!ok) {
      log.debug({ action, path: b.path, protocol: b.protocol }, 'media server auth refused');
      return sendError(res, 401, 'unauthorized', 'not allowed');
    }
    res.status(200).json({ ok: true, data: { camera: cameraId } });
  });
  return r;
}

/** The playlist with the token on every segment line, so the player needs nothing but the URL. */
function sendPlaylist(res: Response, p: string, token: string): void {
  let text: string;
  try {
    text = fs.readFileSync(p, 'utf8');
  } catch {
    return sendError(res, 404, 'not_found', 'playlist not ready');
  }
  const q = `?${STREAM_TOKEN_PARAM}=${encodeURIComponent(token)}`;
  const out = text
    .split('\n')
    .map((l) => (l !== '' && !l.startsWith('#') ? `${l.trim()}${q}` : l))
    .join('\n');
  res.type('application/vnd.apple.mpegurl').send(out);
}
