/**
 * The simulated cameras' live video: a test pattern per camera with its id, name and the city's
 * clock burnt in, encoded by ffmpeg (Debian package) into HLS in a temp folder, and served by
 * this server (server/video/routes.ts). A stream starts when someone asks for it and stops once
 * nobody has fetched from it for VIDEO_SIM_IDLE_S; at most VIDEO_SIM_MAX_STREAMS encode at once,
 * since each takes a share of a core.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testPatternFilter } from '../../contract/video.js';
import type { Logger } from '../log.js';

export interface SimVideoOptions {
  ffmpeg: string;
  maxStreams: number;
  idleMs: number;
  /** The city's time zone, for the clock in the picture. */
  timeZone: string;
  log: Logger;
  now?: () => number;
}

interface Running {
  proc: ChildProcess;
  dir: string;
  lastFetch: number;
  startedAt: number;
}

export type StartRefusal = 'unavailable' | 'busy';

/** Segment length, s: HLS players start after about two or three of them. */
const SEGMENT_S = 1;
const FPS = 15;
/** Files a player may fetch: the playlist and the numbered segments, nothing else in the folder. */
export const SIM_FILE = /^(index\.m3u8|seg\d{1,9}\.ts)$/;

/** Whether an ffmpeg that can draw text is here (drawtext needs libfreetype, as Debian's has). */
export function ffmpegAvailable(ffmpeg: string): boolean {
  const r = spawnSync(ffmpeg, ['-hide_banner', '-filters'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 && /\bdrawtext\b/.test(r.stdout) && /\btestsrc2\b/.test(r.stdout);
}

/** The test pattern's video filter for one camera (contract/video.ts), its label written beside the stream. */
export function patternFilter(dir: string, label: string): string {
  const file = path.join(dir, 'label.txt');
  fs.writeFileSync(file, label);
  return testPatternFilter(file);
}

export class SimVideo {
  private readonly running = new Map<string, Running>();
  private readonly root: string;
  private sweep: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  private found: boolean | null = null;

  constructor(private readonly opts: SimVideoOptions) {
    this.now = opts.now ?? Date.now;
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-video-'));
  }

  /**
   * Whether ffmpeg can make the test pattern: asked when a simulated camera is first watched, not at
   * start-up, so a server nobody watches never runs it (a spawn of about 0.1 s of CPU).
   */
  get available(): boolean {
    if (this.found === null) {
      this.found = ffmpegAvailable(this.opts.ffmpeg);
      if (!this.found) this.opts.log.warn({ ffmpeg: this.opts.ffmpeg }, 'ffmpeg with drawtext not found: simulated cameras have no video (apt-get install ffmpeg)');
    }
    return this.found;
  }

  start(): void {
    this.sweep = setInterval(() => this.stopIdle(), 2000);
    this.sweep.unref();
  }

  async stop(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    await Promise.all([...this.running.keys()].map((id) => this.end(id)));
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  /** Streams encoding now, with how long each has run (for metrics and the benchmark). */
  streams(): { cameraId: string; pid: number | undefined; sinceMs: number }[] {
    const now = this.now();
    return [...this.running].map(([cameraId, r]) => ({ cameraId, pid: r.proc.pid, sinceMs: now - r.startedAt }));
  }

  /** Makes sure the camera's stream runs; refused when ffmpeg is missing or the cap is reached. */
  ensure(cameraId: string, label: string): StartRefusal | null {
    const r = this.running.get(cameraId);
    if (r) {
      r.lastFetch = this.now();
      return null;
    }
    if (!this.available) return 'unavailable';
    if (this.running.size >= this.opts.maxStreams) {
      // Room is made by streams nobody watches any more, before a viewer is refused.
      this.stopIdle();
      if (this.running.size >= this.opts.maxStreams) return 'busy';
    }
    const dir = fs.mkdtempSync(path.join(this.root, `${cameraId.replace(/[^A-Za-z0-9_-]/g, '_')}-`));
    const args = [
      '-hide_banner', '-loglevel', 'error', '-nostdin',
      '-re', '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=${FPS}`,
      '-vf', patternFilter(dir, label),
      '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p',
      '-g', String(FPS * SEGMENT_S), '-keyint_min', String(FPS * SEGMENT_S), '-sc_threshold', '0', '-b:v', '500k',
      '-f', 'hls', '-hls_time', String(SEGMENT_S), '-hls_list_size', '6',
      '-hls_flags', 'delete_segments+independent_segments+temp_file',
      '-hls_segment_filename', path.join(dir, 'seg%d.ts'),
      path.join(dir, 'index.m3u8'),
    ];
    const proc = spawn(this.opts.ffmpeg, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TZ: this.opts.timeZone } });
    let err = '';
    proc.stderr?.on('data', (d: Buffer) => {
      err = (err + d.toString('utf8')).slice(-2000);
    });
    proc.on('exit', (code, signal) => {
      if (this.running.get(cameraId)?.proc === proc) {
        this.running.delete(cameraId);
        fs.rmSync(dir, { recursive: true, force: true });
        if (signal !== 'SIGTERM') this.opts.log.warn({ cameraId, code, signal, err }, 'simulated video stream ended by itself');
      }
    });
    proc.on('error', (e) => this.opts.log.warn({ cameraId, err: e.message }, 'ffmpeg failed to start'));
    const now = this.now();
    this.running.set(cameraId, { proc, dir, lastFetch: now, startedAt: now });
    this.opts.log.info({ cameraId, streams: this.running.size }, 'simulated video stream started');
    return null;
  }

  /** The path of one of a running stream's files, once it exists (the playlist appears after the first segment). */
  async file(cameraId: string, name: string, waitMs: number): Promise<string | null> {
    const r = this.running.get(cameraId);
    if (!r || !SIM_FILE.test(name)) return null;
    r.lastFetch = this.now();
    const p = path.join(r.dir, name);
    const until = Date.now() + waitMs;
    for (;;) {
      if (fs.existsSync(p)) return p;
      if (Date.now() >= until || !this.running.has(cameraId)) return null;
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  isRunning(cameraId: string): boolean {
    return this.running.has(cameraId);
  }

  private stopIdle(): void {
    const cutoff = this.now() - this.opts.idleMs;
    for (const [id, r] of this.running) if (r.lastFetch < cutoff) void this.end(id);
  }

  private end(cameraId: string): Promise<void> {
    const r = this.running.get(cameraId);
    if (!r) return Promise.resolve();
    this.running.delete(cameraId);
    this.opts.log.info({ cameraId, streams: this.running.size }, 'simulated video stream stopped (nobody watching)');
    return new Promise((resolve) => {
      const done = () => {
        fs.rmSync(r.dir, { recursive: true, force: true });
        resolve();
      };
      if (r.proc.exitCode !== null || r.proc.signalCode !== null) return done();
      const kill = setTimeout(() => r.proc.kill('SIGKILL'), 3000);
      r.proc.once('exit', () => {
        clearTimeout(kill);
        done();
      });
      r.proc.kill('SIGTERM');
    });
  }
}
