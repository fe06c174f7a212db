/**
 * One live camera in a <video>, outside React (a component only mounts it): asks the server for
 * a stream grant (GET /api/cameras/{id}/stream), plays its HLS with hls.js (or the browser's own
 * HLS), renews the token at half its life while the viewer watches, says what it shows
 * (connecting, live, stalled, offline), and reconnects by itself with a growing pause. Stopping
 * tells the server the view ended, for the audit trail.
 */
import Hls from 'hls.js';
import { STREAM_TOKEN_PARAM, type StreamGrant, type VideoState } from '../../../contract/video.js';
import { authHeader } from '../live/socket.js';

export type PlayerProblem = 'refused' | 'busy' | 'none' | null;

export interface PlayerStatus {
  state: VideoState;
  problem: PlayerProblem;
  origin: StreamGrant['origin'] | null;
}

/**
 * No new frame for this long while playing: stalled. A watchdog, not the video's `waiting`
 * events: those fire for every short wait at the live edge and would make the label flicker.
 */
const STALL_MS = 3000;
const RETRY_MIN_MS = 2000;
const RETRY_MAX_MS = 30_000;

export class LivePlayer {
  private hls: Hls | null = null;
  private grant: StreamGrant | null = null;
  private renewTimer: number | undefined;
  private retryTimer: number | undefined;
  private watchdog: number | undefined;
  private retryMs = RETRY_MIN_MS;
  private lastTime = -1;
  private lastProgress = 0;
  private stopped = false;
  private status: PlayerStatus = { state: 'connecting', problem: null, origin: null };

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly cameraId: string,
    private readonly onStatus: (s: PlayerStatus) => void,
  ) {}

  start(): void {
    this.video.muted = true;
    this.video.playsInline = true;
    for (const e of ['playing', 'timeupdate']) this.video.addEventListener(e, this.progress);
    this.watchdog = window.setInterval(() => {
      if (this.status.state === 'live' && Date.now() - this.lastProgress > STALL_MS) this.set('stalled');
    }, 1000);
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.renewTimer);
    window.clearTimeout(this.retryTimer);
    window.clearInterval(this.watchdog);
    for (const e of ['playing', 'timeupdate']) this.video.removeEventListener(e, this.progress);
    this.hls?.destroy();
    this.hls = null;
    this.video.removeAttribute('src');
    const g = this.grant;
    // keepalive: the request outlives a closing tab or panel.
    if (g) void fetch(`/api/cameras/${encodeURIComponent(this.cameraId)}/stream/${g.viewId}/end`, { method: 'POST', keepalive: true, headers: authHeader() }).catch(() => undefined);
  }

  private readonly progress = () => {
    const t = this.video.currentTime;
    if (t !== this.lastTime) {
      this.lastTime = t;
      this.lastProgress = Date.now();
      this.retryMs = RETRY_MIN_MS;
      this.set('live');
    }
  };

  private set(state: VideoState, problem: PlayerProblem = null): void {
    if (this.stopped || (state === this.status.state && problem === this.status.problem)) return;
    this.status = { state, problem, origin: this.grant?.origin ?? null };
    this.onStatus(this.status);
  }

  /** A grant for this camera: a new view, or the same one renewed. null when refused (said through the status). */
  private async fetchGrant(): Promise<StreamGrant | null> {
    const view = this.grant ? `?view=${this.grant.viewId}` : '';
    let res: Response;
    try {
      res = await fetch(`/api/cameras/${encodeURIComponent(this.cameraId)}/stream${view}`, { headers: { accept: 'application/json', ...authHeader() } });
    } catch {
      return null;
    }
    if (res.status === 403 || res.status === 401) this.set('offline', 'refused');
    else if (res.status === 503) this.set('offline', 'busy');
    else if (res.status === 404) this.set('offline', 'none');
    if (!res.ok) return null;
    return ((await res.json()) as { data: StreamGrant }).data;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.set('connecting');
    const g = await this.fetchGrant();
    if (this.stopped) return;
    if (!g) {
      // A refusal stays (the right to watch is gone); anything else is tried again.
      if (this.status.problem !== 'refused' && this.status.problem !== 'none') this.retry();
      return;
    }
    this.grant = g;
    this.scheduleRenew();
    const url = g.sources[0]!.url;
    this.hls?.destroy();
    if (Hls.isSupported()) {
      const hls = new Hls({
        lowLatencyMode: true,
        // Three segments behind the live edge (hls.js's default): about 3 s with 1-s segments, and no stutter.
        liveSyncDurationCount: 3,
        manifestLoadingMaxRetry: 2,
        // Every request carries the current token, so a renewal reaches the playlist reloads and the segments.
        xhrSetup: (xhr, u) => {
          const withToken = new URL(u, window.location.href);
          withToken.searchParams.set(STREAM_TOKEN_PARAM, this.grant?.token ?? '');
          xhr.open('GET', withToken.href, true);
        },
      });
      this.hls = hls;
      hls.on(Hls.Events.ERROR, (_e, data) => {
        if (!data.fatal) return;
        hls.destroy();
        if (this.hls === hls) this.hls = null;
        this.set('offline');
        this.retry();
      });
      hls.loadSource(url);
      hls.attachMedia(this.video);
    } else {
      this.video.src = url;
    }
    void this.video.play().catch(() => undefined);
  }

  private retry(): void {
    window.clearTimeout(this.retryTimer);
    this.retryTimer = window.setTimeout(() => void this.connect(), this.retryMs);
    this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
  }

  private scheduleRenew(): void {
    window.clearTimeout(this.renewTimer);
    const g = this.grant!;
    this.renewTimer = window.setTimeout(async () => {
      const next = await this.fetchGrant();
      if (this.stopped) return;
      if (next) {
        this.grant = next;
        this.scheduleRenew();
      } else if (this.status.problem === 'refused') {
        // The right to watch ended (a responder released from the incident): the picture goes.
        this.hls?.destroy();
        this.hls = null;
        this.video.removeAttribute('src');
        this.video.load();
      } else {
        this.scheduleRenew();
      }
    }, Math.max(2000, (g.expiresAt - Date.now()) / 2));
  }
}
