/**
 * Live video of the simulated cameras (issue #22), on the demo city with the simulators off:
 *
 * - Time to first frame, as the officer lives it: a camera picked on the map, "Xem trực tiếp"
 *   clicked, and the time until the player shows a moving picture ("live": the video's clock
 *   advanced), in the built console in headless Chromium. Each camera is a cold start: ffmpeg
 *   starts, writes its first 1-s segment, hls.js loads it. p50 and p95 over `cameras` cameras.
 * - The cost of each watched camera: with 1 and then 4 cameras watched (viewers that fetch the
 *   playlist and each new segment, as a player does), the CPU of the ffmpeg processes (per
 *   stream) and of the server, read from /proc over `sampleS` seconds.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { StreamGrant } from '../../contract/index.js';
import { loadCityPack } from '../../contract/citypack-load.js';
import { login } from '../../tests/harness/auth.js';
import { openConsole, waitForMapIdle } from '../../tests/harness/console.js';
import { BENCH_USER } from '../lib/auth.js';
import { Histogram } from '../lib/histogram.js';
import { REPO } from '../lib/paths.js';
import { readProc } from '../lib/proc.js';
import { startServer, workDir } from '../lib/server.js';
import type { Stack } from '../lib/stack.js';

const DEMO_PACK = path.join(REPO, 'citypacks', 'phan-rang-thap-cham');

export interface VideoResult {
  cameras: number;
  firstFrame: { p50Ms: number; p95Ms: number; maxMs: number };
  /** Per number of cameras watched at once. */
  cost: { watched: number; ffmpegCpuPctEach: number; serverCpuPct: number; segmentsFetched: number }[];
  loadAvg: number[];
}

/** Clicks the camera on the map and "Xem trực tiếp"; ms from the click to a moving picture. */
async function timeToLive(page: Page, cameraId: string, at: [number, number]): Promise<number> {
  await page.keyboard.press('Escape');
  await page.evaluate((c) => (window as unknown as { __iocMap: { jumpTo(o: object): void } }).__iocMap.jumpTo({ center: c, zoom: 17 }), at);
  await waitForMapIdle(page);
  const box = (await page.locator('.maplibregl-canvas').boundingBox())!;
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  const panel = page.locator(`[data-testid="camera-detail"]`);
  await panel.waitFor({ timeout: 5000 });
  const t0 = Date.now();
  await panel.locator('[data-testid="camera-watch"]').click();
  await panel.locator(`[data-testid="live-video"][data-camera-id="${cameraId}"][data-state="live"]`).waitFor({ timeout: 30_000 });
  const ms = Date.now() - t0;
  await panel.locator('[data-testid="camera-watch"]').click();
  return ms;
}

/** A viewer as a player is: the playlist every second, and each segment it has not fetched. */
function viewer(url: string, token: string, grant: StreamGrant): { stop(): void; fetched: () => number } {
  const seen = new Set<string>();
  let n = 0;
  let on = true;
  const loop = async () => {
    while (on) {
      try {
        const res = await fetch(new URL(grant.sources[0]!.url, url), { headers: { authorization: `Bearer ${token}` } });
        const text = await res.text();
        for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
          if (seen.has(line)) continue;
          seen.add(line);
          const seg = await fetch(new URL(line, new URL(grant.sources[0]!.url, url)));
          await seg.arrayBuffer();
          n++;
        }
      } catch {
        /* a missed round is a missed round */
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  void loop();
  return { stop: () => void (on = false), fetched: () => n };
}

const ffmpegPids = (serverPid: number): number[] => {
  try {
    return execFileSync('pgrep', ['-P', String(serverPid), 'ffmpeg'], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
};
const cpuOf = (pids: number[]) => pids.reduce((s, p) => s + (readProc(p)?.cpuS ?? 0), 0);

export async function runVideo(o: { stack: Stack; browser: Browser; clientDir: string; cameras: number; sampleS: number; log: (s: string) => void }): Promise<VideoResult> {
  const pack = await loadCityPack(DEMO_PACK);
  const server = await startServer({
    mqttUrl: o.stack.mosquitto.url,
    influxUrl: o.stack.influxd.url,
    cityPack: DEMO_PACK,
    spoolDir: workDir('spool-video'),
    database: 'video',
    clientId: 'ioc-video',
    env: { STATIC_DIR: o.clientDir, SIMULATORS: 'off', VIDEO_SIM_MAX_STREAMS: '8', VIDEO_SIM_IDLE_S: '5' },
  });
  try {
    const con = await openConsole(o.browser, { url: server.url, login: () => login(server.url, BENCH_USER.username, BENCH_USER.password) }, { width: 1600, height: 900, timeoutMs: 60_000 });
    const h = new Histogram();
    try {
      for (const cam of pack.sites.cameras.slice(0, o.cameras)) {
        const ms = await timeToLive(con.page, cam.id, cam.position);
        h.add(ms);
        o.log(`  ${cam.id}: first frame in ${ms} ms`);
      }
    } finally {
      await con.close();
    }
    // Let the console's streams stop (VIDEO_SIM_IDLE_S) before the cost is read.
    await new Promise((r) => setTimeout(r, 8000));
    const token = server.token!;
    const cost: VideoResult['cost'] = [];
    for (const watched of [1, 4]) {
      const viewers = [];
      for (const cam of pack.sites.cameras.slice(10, 10 + watched)) {
        const g = (await (await fetch(`${server.url}/api/cameras/${cam.id}/stream`, { headers: { authorization: `Bearer ${token}` } })).json()) as { data: StreamGrant };
        viewers.push(viewer(server.url, token, g.data));
      }
      await new Promise((r) => setTimeout(r, 4000));
      const pids = ffmpegPids(server.pid);
      const f0 = cpuOf(pids);
      const s0 = readProc(server.pid)?.cpuS ?? 0;
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, o.sampleS * 1000));
      const dt = (performance.now() - t0) / 1000;
      const row = {
        watched,
        ffmpegCpuPctEach: Math.round(((cpuOf(pids) - f0) / dt / Math.max(1, pids.length)) * 1000) / 10,
        serverCpuPct: Math.round((((readProc(server.pid)?.cpuS ?? 0) - s0) / dt) * 1000) / 10,
        segmentsFetched: viewers.reduce((s, v) => s + v.fetched(), 0),
      };
      for (const v of viewers) v.stop();
      o.log(`  ${watched} watched (${pids.length} ffmpeg): ${row.ffmpegCpuPctEach} % of a core each, server ${row.serverCpuPct} %`);
      cost.push(row);
      await new Promise((r) => setTimeout(r, 8000));
    }
    const s = h.summary();
    return { cameras: h.n, firstFrame: { p50Ms: s.p50, p95Ms: s.p95, maxMs: s.max }, cost, loadAvg: (await import('node:os')).loadavg().map((x) => Math.round(x * 100) / 100) };
  } finally {
    await server.stop();
  }
}
