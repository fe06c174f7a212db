/**
 * Live video (docs/video.md): who may watch (access.ts), the short-lived tokens the media
 * server checks (tokens.ts), the audit of every view (views.ts), and where each camera's
 * pictures come from:
 *   1. its own `stream.hls` in the city pack;
 *   2. else the media server the city runs, VIDEO_HLS_URL with the camera's path;
 *   3. else, with VIDEO_SIMULATED, this server's test pattern (sim-hls.ts).
 * The browser gets only playable URLs with a token in them: never a camera's own address.
 */
import client from 'prom-client';
import type { CityPack, StreamGrant, StreamSource } from '../../contract/index.js';
import { STREAM_TOKEN_PARAM } from '../../contract/index.js';
import type { Principal } from '../auth/service.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { videoRefusal, type VideoAccessDeps } from './access.js';
import { SimVideo } from './sim-hls.js';
import { signStreamToken, verifyStreamToken, type StreamTokenCheck } from './tokens.js';
import { LiveViews, type ViewAudit } from './views.js';

type CameraSite = CityPack['sites']['cameras'][number];

export type GrantResult = { ok: true; grant: StreamGrant } | { ok: false; status: 403 | 404 | 503; code: 'forbidden' | 'not_found' | 'unavailable'; message: string };

export interface VideoServiceDeps {
  config: Config;
  pack: CityPack;
  key: Buffer;
  access: Omit<VideoAccessDeps, 'videoOnWall'>;
  audit: ViewAudit;
  log: Logger;
  metrics: Metrics;
  now: () => number;
}

/** The simulated stream's playlist on this server, for one camera. */
export const simPlaylistPath = (cameraId: string) => `/api/video/hls/${encodeURIComponent(cameraId)}/index.m3u8`;

export class VideoService {
  readonly sim: SimVideo | null;
  readonly views: LiveViews;
  private readonly cameras: Map<string, CameraSite>;
  /** Stream path on the media server → camera id (for the media server's auth hook). */
  private readonly byPath = new Map<string, string>();
  private readonly grants: client.Counter<'result'>;
  private readonly segments: client.Counter<'result'>;

  constructor(private readonly d: VideoServiceDeps) {
    const c = d.config;
    this.cameras = new Map(d.pack.sites.cameras.map((x) => [x.id, x]));
    for (const x of d.pack.sites.cameras) this.byPath.set(x.stream?.path ?? x.id, x.id);
    this.sim = c.VIDEO_SIMULATED
      ? new SimVideo({ ffmpeg: c.FFMPEG_PATH, maxStreams: c.VIDEO_SIM_MAX_STREAMS, idleMs: c.VIDEO_SIM_IDLE_S * 1000, timeZone: d.pack.meta.timezone, log: d.log, now: d.now })
      : null;
    this.views = new LiveViews(d.audit, 2 * c.VIDEO_TOKEN_TTL_S * 1000, d.now);
    this.grants = new client.Counter({ name: 'ioc_video_grants_total', help: 'Stream grants asked for, by result (ok, forbidden, not_found, unavailable)', labelNames: ['result'], registers: [d.metrics.registry] });
    this.segments = new client.Counter({ name: 'ioc_video_fetches_total', help: 'Simulated-stream playlist and segment fetches, by result (ok, refused, missing)', labelNames: ['result'], registers: [d.metrics.registry] });
    const sim = this.sim;
    new client.Gauge({
      name: 'ioc_video_simulated_streams',
      help: 'Simulated camera streams encoding now',
      registers: [d.metrics.registry],
      collect() {
        this.set(sim?.streams().length ?? 0);
      },
    });
  }

  start(): void {
    this.sim?.start();
    this.views.start();
  }

  async stop(): Promise<void> {
    this.views.stop();
    await this.sim?.stop();
  }

  /** Playable URLs for `cameraId`, for `p`, renewing view `viewId` when it is theirs. */
  grant(p: Principal, cameraId: string, viewId: string | undefined, address: string | undefined): GrantResult {
    const r = this.grantOf(p, cameraId, viewId, address);
    this.grants.inc({ result: r.ok ? 'ok' : r.code });
    return r;
  }

  private grantOf(p: Principal, cameraId: string, viewId: string | undefined, address: string | undefined): GrantResult {
    const cam = this.cameras.get(cameraId);
    if (!cam) return { ok: false, status: 404, code: 'not_found', message: 'no such camera' };
    const refusal = videoRefusal(p, cameraId, { ...this.d.access, videoOnWall: this.d.config.VIDEO_ON_WALL });
    if (refusal) return { ok: false, status: 403, code: 'forbidden', message: refusal };
    const base = this.playlistOf(cam);
    if (!base) {
      const why = this.sim && !this.sim.available ? 'no video: ffmpeg is not installed on the server' : 'no video stream is configured for this camera';
      return { ok: false, status: this.sim ? 503 : 404, code: this.sim ? 'unavailable' : 'not_found', message: why };
    }
    const view = this.views.open(viewId, cameraId, { userId: p.id, by: p.username, role: p.role, address });
    const expiresAt = this.d.now() + this.d.config.VIDEO_TOKEN_TTL_S * 1000;
    const token = signStreamToken({ cam: cameraId, view, exp: expiresAt }, this.d.key);
    const sources: StreamSource[] = [{ kind: 'hls', url: withToken(base.url, token) }];
    return { ok: true, grant: { cameraId, viewId: view, token, expiresAt, origin: base.origin, sources } };
  }

  /** The playlist of a camera without its token, and whether it is simulated; null when it has none. */
  private playlistOf(cam: CameraSite): { url: string; origin: StreamGrant['origin'] } | null {
    if (cam.stream?.hls) return { url: cam.stream.hls, origin: 'media-server' };
    const tpl = this.d.config.VIDEO_HLS_URL;
    if (tpl) return { url: tpl.replace('{path}', (cam.stream?.path ?? cam.id).split('/').map(encodeURIComponent).join('/')), origin: 'media-server' };
    if (this.sim?.available) return { url: simPlaylistPath(cam.id), origin: 'simulated' };
    return null;
  }

  check(cameraId: string, token: unknown): StreamTokenCheck {
    const r = verifyStreamToken(token, cameraId, this.d.key, this.d.now());
    if (r.ok) this.views.touch(r.claims.view);
    return r;
  }

  /** The camera a media-server path belongs to (MediaMTX's auth hook names paths, not cameras). */
  cameraAtPath(p: string): string | undefined {
    return this.byPath.get(p.replace(/^\/+|\/+$/g, ''));
  }

  /** A simulated camera's label in its picture. */
  label(cameraId: string): string {
    const c = this.cameras.get(cameraId);
    return c ? `${c.id} · ${c.name}` : cameraId;
  }

  /** Whether this camera plays from this server's test pattern. */
  isSimulated(cameraId: string): boolean {
    const c = this.cameras.get(cameraId);
    return !!c && !!this.sim && this.playlistOf(c)?.origin === 'simulated';
  }

  countFetch(result: 'ok' | 'refused' | 'missing'): void {
    this.segments.inc({ result });
  }
}

/** `url` with the stream token in its query. */
export function withToken(url: string, token: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${STREAM_TOKEN_PARAM}=${encodeURIComponent(token)}`;
}
