/**
 * The console in headless Chromium with a 50k-device city under load, beside a
 * bare maplibre page with the same 50k points updated every second: frame
 * intervals (requestAnimationFrame) and long tasks while the same scripted
 * pan/zoom runs on both. The ratio is the figure; SwiftShader makes both slow.
 *
 * Both pages are measured under the same background load (the publisher, broker,
 * server and InfluxDB at the load rate), one page open at a time, in alternating
 * rounds; the figures are the medians of the rounds. A single pair swung from ×0.4
 * to ×2.3 from run to run on this shared 2-core machine, mostly with the bare page.
 */
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from '../../tests/harness/chromium.js';
import { CLIENT_DIR, openConsole } from '../../tests/harness/console.js';
import { generateCityPack } from '../lib/citypack.js';
import { startPublisher } from '../lib/publisher.js';
import { startServer, workDir } from '../lib/server.js';
import { clearSession, type Stack } from '../lib/stack.js';
import { REPO } from '../lib/paths.js';
import { BENCH_USER } from '../lib/auth.js';
import { login } from '../../tests/harness/auth.js';

export interface FrameStats {
  frames: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  longTasks: number;
  longTaskMs: number;
}

export interface BrowserResult {
  devices: number;
  loadRate: number;
  /** Medians over the rounds, figure by figure. */
  console: FrameStats;
  bare: FrameStats;
  /** Of the medians. */
  p95Ratio: number;
  meanRatio: number;
  /** Each round's ratios, in order, so the spread shows. */
  rounds?: { p95Ratio: number; meanRatio: number }[];
}

const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

/** The median of each figure over the rounds (an even count takes the lower middle). */
export function medianStats(xs: FrameStats[]): FrameStats {
  const med = (k: keyof FrameStats) => {
    const v = xs.map((x) => x[k]).sort((a, b) => a - b);
    return v[Math.floor((v.length - 1) / 2)]!;
  };
  return { frames: med('frames'), meanMs: med('meanMs'), p50Ms: med('p50Ms'), p95Ms: med('p95Ms'), p99Ms: med('p99Ms'), longTasks: med('longTasks'), longTaskMs: med('longTaskMs') };
}

/** Runs the same pan/zoom script for ~seconds and returns frame and long-task figures. */
export async function measure(page: Page, seconds: number): Promise<FrameStats> {
  // Plain JS text, not a function: tsx would wrap inner functions in a __name() helper the page lacks.
  return page.evaluate(`(${MEASURE_JS})(${seconds})`) as Promise<FrameStats>;
}

const MEASURE_JS = `async (secs) => {
  const map = window.__iocMap;
  const intervals = [];
  let longTasks = 0;
  let longTaskMs = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) { longTasks += 1; longTaskMs += e.duration; }
  });
  obs.observe({ type: 'longtask', buffered: false });
  let last = performance.now();
  let running = true;
  const loop = (t) => { intervals.push(t - last); last = t; if (running) requestAnimationFrame(loop); };
  requestAnimationFrame(loop);
  const steps = [
    { center: [106.02, 10.007], zoom: 16 },
    { center: [106.005, 10.003], zoom: 14 },
    { center: [106.015, 10.005], zoom: 17 },
    { center: [106.025, 10.008], zoom: 15 },
    { center: [106.015, 10.005], zoom: 15 },
  ];
  const end = performance.now() + secs * 1000;
  for (let i = 0; performance.now() < end; i++) {
    map.easeTo({ ...steps[i % steps.length], duration: 900 });
    await new Promise((r) => setTimeout(r, 1000));
  }
  running = false;
  obs.disconnect();
  const s = intervals.slice(1).sort((a, b) => a - b);
  const at = (p) => Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))] * 10) / 10;
  return { frames: s.length, meanMs: Math.round((s.reduce((a, b) => a + b, 0) / s.length) * 10) / 10, p50Ms: at(0.5), p95Ms: at(0.95), p99Ms: at(0.99), longTasks, longTaskMs: Math.round(longTaskMs) };
}`;

function serveBare(): Promise<{ url: string; close(): void }> {
  const mapDir = path.join(REPO, 'node_modules', 'maplibre-gl', 'dist');
  const types: Record<string, string> = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html' };
  const srv = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const file = u.pathname.startsWith('/maplibre/') ? path.join(mapDir, path.basename(u.pathname)) : path.join(REPO, 'bench', 'browser', 'bare.html');
    fs.readFile(file, (err, buf) => {
      if (err) return void res.writeHead(404).end();
      res.writeHead(200, { 'Content-Type': types[path.extname(file)] ?? 'application/octet-stream' }).end(buf);
    });
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(srv.address() as { port: number }).port}/`, close: () => srv.close() })));
}

export async function runBrowser(o: { stack: Stack; devices: number; loadRate: number; seconds: number; rounds?: number; log: (s: string) => void }): Promise<BrowserResult> {
  const rounds = o.rounds ?? 3;
  const pack = generateCityPack(o.devices);
  const server = await startServer({ mqttUrl: o.stack.mosquitto.url, influxUrl: o.stack.influxd.url, cityPack: pack, spoolDir: workDir('spool'), database: 'browser', clientId: 'ioc-browser', env: { STATIC_DIR: CLIENT_DIR } });
  const browser = await launchChromium();
  const bare = await serveBare();
  let pub: ReturnType<typeof startPublisher> | null = null;
  try {
    // Every device reports once before measuring, so the console draws all of them.
    const warm = startPublisher({ mqttUrl: o.stack.mosquitto.url, rate: Math.min(o.loadRate, 20_000), devices: o.devices, durationS: Math.ceil(o.devices / Math.min(o.loadRate, 20_000)) + 1, cityPack: pack });
    await warm.done;
    // Signed in as the bench officer: the console takes up the session from the refresh cookie (a token alone opens no session).
    const target = { url: server.url, login: () => login(server.url, BENCH_USER.username, BENCH_USER.password) };
    // The load runs through every round, for both pages; it is stopped when they are done.
    pub = startPublisher({ mqttUrl: o.stack.mosquitto.url, rate: o.loadRate, devices: o.devices, durationS: rounds * (2 * o.seconds + 120), cityPack: pack });
    const cons: FrameStats[] = [];
    const bares: FrameStats[] = [];
    for (let i = 0; i < rounds; i++) {
      const con = await openConsole(browser, target, { timeoutMs: 90_000 });
      await new Promise((r) => setTimeout(r, 3000));
      // BENCH_BROWSER_PROFILE=DIR: a CPU profile of the console page's main thread while measured.
      const profDir = process.env.BENCH_BROWSER_PROFILE;
      const cdp = profDir ? await con.page.context().newCDPSession(con.page) : null;
      if (cdp) {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.start');
      }
      cons.push(await measure(con.page, o.seconds));
      if (cdp) {
        const { profile } = await cdp.send('Profiler.stop');
        fs.mkdirSync(profDir!, { recursive: true });
        fs.writeFileSync(path.join(profDir!, `console-round${i + 1}.cpuprofile`), JSON.stringify(profile));
      }
      await con.close();
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' });
      const page = await ctx.newPage();
      await page.goto(`${bare.url}?n=${o.devices}`);
      await page.waitForFunction(() => !!(window as unknown as { __iocMap?: unknown }).__iocMap, undefined, { timeout: 60_000 });
      await new Promise((r) => setTimeout(r, 3000));
      bares.push(await measure(page, o.seconds));
      await ctx.close();
      o.log(`  round ${i + 1}: console mean ${cons[i]!.meanMs} p95 ${cons[i]!.p95Ms} ms/frame; bare mean ${bares[i]!.meanMs} p95 ${bares[i]!.p95Ms}`);
    }
    const consoleStats = medianStats(cons);
    const bareStats = medianStats(bares);
    const r: BrowserResult = {
      devices: o.devices, loadRate: o.loadRate, console: consoleStats, bare: bareStats,
      p95Ratio: ratio(consoleStats.p95Ms, bareStats.p95Ms),
      meanRatio: ratio(consoleStats.meanMs, bareStats.meanMs),
      rounds: cons.map((c, i) => ({ p95Ratio: ratio(c.p95Ms, bares[i]!.p95Ms), meanRatio: ratio(c.meanMs, bares[i]!.meanMs) })),
    };
    o.log(`  medians of ${rounds} rounds: console mean ${consoleStats.meanMs} p95 ${consoleStats.p95Ms} ms/frame, ${consoleStats.longTasks} long tasks; bare: mean ${bareStats.meanMs} p95 ${bareStats.p95Ms}; ratio p95 ${r.p95Ratio}, mean ${r.meanRatio}`);
    return r;
  } finally {
    if (pub) {
      try {
        process.kill(pub.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      await pub.done.catch(() => undefined);
    }
    bare.close();
    await browser.close();
    await server.stop();
    await clearSession(o.stack.mosquitto.url, 'ioc-browser');
  }
}
