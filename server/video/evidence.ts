/**
 * Evidence (issue #22, docs/video.md): the images and clips behind a detection's alert.
 *   - A camera publishes a JPEG on ioc/v1/camera/{id}/snapshot/{snapshotId} and names it in its
 *     detection (`snapshotId`); the image is kept in PostgreSQL (table `evidence`), so every
 *     server of a cluster can serve it.
 *   - A Frigate event's snapshot and clip stay in Frigate and come through this server (FRIGATE_URL).
 *   - A `snapshot` URL is fetched by this server, only from EVIDENCE_ORIGINS, never by a browser.
 * GET /api/alerts/{id}/snapshot.jpg and /clip.mp4 serve them to whoever may read alerts.
 */
import { Readable } from 'node:stream';
import type pg from 'pg';
import type { Response } from 'express';
import { alertEvidence, parseTopic, SNAPSHOT_ID, type Alert } from '../../contract/index.js';
import { secureRouter } from '../http/paths.js';
import { sendError } from '../http/send.js';
import type { ForeignHandler } from '../ingest/router.js';
import type { Logger } from '../log.js';

const JPEG = Buffer.from([0xff, 0xd8, 0xff]);
const FETCH_TIMEOUT_MS = 10_000;
const MAX_REMOTE_IMAGE_BYTES = 10 * 1024 * 1024;

export class EvidenceStore {
  private timer: NodeJS.Timeout | null = null;
  stored = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly retentionDays: number,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    const prune = () => void this.prune().catch((err: Error) => this.log.warn({ err: err.message }, 'evidence prune failed'));
    this.timer = setInterval(prune, 3600_000);
    this.timer.unref();
    prune();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** The ingest handler of the snapshot topic: a JPEG, or a reject the feed health shows. */
  handler(): ForeignHandler {
    return (topic, payload, reject) => {
      const t = parseTopic(topic);
      if (t?.kind !== 'cameraSnapshot') return reject('unknown_topic', 'not a snapshot topic');
      if (payload.length < 4 || !payload.subarray(0, 3).equals(JPEG)) return reject('schema', 'a snapshot must be a JPEG image (starts with FF D8 FF)');
      this.put(t.id, t.snapshotId, payload).catch((err: Error) => this.log.warn({ camera: t.id, snapshot: t.snapshotId, err: err.message }, 'evidence image not stored'));
    };
  }

  async put(cameraId: string, snapshotId: string, bytes: Buffer): Promise<void> {
    await this.pool.query('INSERT INTO evidence (camera_id, snapshot_id, at, mime, bytes) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [cameraId, snapshotId, new Date(this.now()), 'image/jpeg', bytes]);
    this.stored++;
  }

  async get(cameraId: string, snapshotId: string): Promise<{ mime: string; bytes: Buffer } | null> {
    const r = await this.pool.query<{ mime: string; bytes: Buffer }>('SELECT mime, bytes FROM evidence WHERE camera_id = $1 AND snapshot_id = $2', [cameraId, snapshotId]);
    return r.rows[0] ?? null;
  }

  async prune(): Promise<number> {
    const r = await this.pool.query('DELETE FROM evidence WHERE at < $1', [new Date(this.now() - this.retentionDays * 86_400_000)]);
    return r.rowCount ?? 0;
  }
}

export interface EvidenceRouteDeps {
  alert: (id: string) => Alert | undefined;
  store: EvidenceStore;
  frigateUrl: string | undefined;
  /** Origins a `snapshot` URL may be fetched from. */
  origins: ReadonlySet<string>;
  log: Logger;
}

export function evidenceRoutes(d: EvidenceRouteDeps) {
  const r = secureRouter();
  r.get('/alerts/:id/snapshot.jpg', async (req, res) => {
    const a = d.alert(req.params.id);
    if (!a) return sendError(res, 404, 'not_found', 'no such alert');
    const e = alertEvidence(a);
    if (e?.snapshotId !== undefined && a.source.kind === 'camera') {
      const img = await d.store.get(a.source.id, e.snapshotId).catch(() => null);
      if (!img) return sendError(res, 404, 'not_found', 'the camera’s image has not arrived (or is past its retention)');
      return res.type(img.mime).set('Cache-Control', 'private, max-age=3600').send(img.bytes);
    }
    if (e?.frigateEventId !== undefined) return proxy(res, frigate(d, e.frigateEventId, 'snapshot.jpg?bbox=1'), undefined, 'image/', d.log);
    if (e?.snapshotUrl !== undefined) {
      let u: URL;
      try {
        u = new URL(e.snapshotUrl);
      } catch {
        return sendError(res, 404, 'not_found', 'the detection’s image URL is not a URL');
      }
      if (!d.origins.has(u.origin)) return sendError(res, 404, 'not_found', `images from ${u.origin} are not fetched (EVIDENCE_ORIGINS)`);
      return proxy(res, u.href, undefined, 'image/', d.log);
    }
    sendError(res, 404, 'not_found', 'this alert has no image');
  });
  // A violation's image, from its row in the camera's detection history: the evidence of a fine.
  r.get('/cameras/:id/snapshots/:file', async (req, res) => {
    const m = /^(.+)\.jpg$/.exec(req.params.file);
    if (!m || !SNAPSHOT_ID.test(m[1]!)) return sendError(res, 404, 'not_found', 'no such image');
    const img = await d.store.get(req.params.id, m[1]!).catch(() => null);
    if (!img) return sendError(res, 404, 'not_found', 'no such image (or past its retention)');
    res.type(img.mime).set('Cache-Control', 'private, max-age=3600').send(img.bytes);
  });
  r.get('/alerts/:id/clip.mp4', (req, res) => {
    const a = d.alert(req.params.id);
    if (!a) return sendError(res, 404, 'not_found', 'no such alert');
    const e = alertEvidence(a);
    if (e?.frigateEventId === undefined) return sendError(res, 404, 'not_found', 'this alert has no clip');
    return proxy(res, frigate(d, e.frigateEventId, 'clip.mp4'), req.get('range'), 'video/', d.log);
  });
  return r;
}

function frigate(d: EvidenceRouteDeps, eventId: string, file: string): string | null {
  return d.frigateUrl ? `${d.frigateUrl.replace(/\/+$/, '')}/api/events/${encodeURIComponent(eventId)}/${file}` : null;
}

/** Streams a remote image or clip to the caller (Range passed on for clips); no redirects followed. */
async function proxy(res: Response, url: string | null, range: string | undefined, mimePrefix: string, log: Logger): Promise<void> {
  if (!url) return sendError(res, 404, 'not_found', 'Frigate is not configured (FRIGATE_URL)');
  let up: globalThis.Response;
  try {
    up = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), headers: range ? { range } : {} });
  } catch (err) {
    log.warn({ url, err: (err as Error).message }, 'evidence fetch failed');
    return sendError(res, 502, 'unavailable', 'the evidence source did not answer');
  }
  const type = up.headers.get('content-type') ?? '';
  if ((up.status !== 200 && up.status !== 206) || !type.startsWith(mimePrefix) || !up.body) {
    await up.body?.cancel();
    return sendError(res, up.status === 404 ? 404 : (502), up.status === 404 ? 'not_found' : 'unavailable', up.status === 404 ? 'the evidence source has no such file' : `the evidence source answered ${up.status} ${type}`);
  }
  const len = Number(up.headers.get('content-length') ?? '0');
  if (mimePrefix === 'image/' && len > MAX_REMOTE_IMAGE_BYTES) {
    await up.body.cancel();
    return sendError(res, 502, 'unavailable', 'the evidence image is too large');
  }
  res.status(up.status).type(type).set('Cache-Control', 'private, max-age=3600');
  for (const h of ['content-length', 'content-range', 'accept-ranges']) {
    const v = up.headers.get(h);
    if (v) res.set(h, v);
  }
  Readable.fromWeb(up.body as never)
    .on('error', () => res.destroy())
    .pipe(res);
}
