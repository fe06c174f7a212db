import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type LaunchOptions, type Page } from 'playwright-core';
import { findBinary } from '../../scripts/ensure-deps.mjs';
import { isCI, requireService } from './services.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Headless Debian chromium with these flags draws WebGL through SwiftShader (the map needs it) and sends no background requests of its own (updates, sync, QUIC): the tests hold the console to no traffic off the machine. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Debian's chromium, or CHROMIUM_PATH. */
export function findChromium(): string | null {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return fromEnv;
  return findBinary('chromium');
}

/**
 * Headless Debian Chromium via playwright-core. Playwright gives every launch a
 * fresh temp user-data-dir (`playwright_chromiumdev_profile-*`) and deletes it on
 * close (checked in tests/integration/harness.test.ts).
 */
export async function launchChromium(opts: Omit<LaunchOptions, 'executablePath'> = {}): Promise<Browser> {
  const executablePath = requireService('chromium', findChromium);
  return chromium.launch({
    headless: true,
    ...opts,
    executablePath,
    args: [...CHROMIUM_ARGS, ...(opts.args ?? [])],
  });
}

/** Where screenshot() writes: docs/screenshots when UPDATE_SCREENSHOTS=1 or outside CI, else tests/.artifacts. */
export function screenshotDir(opts: { artifact?: boolean } = {}): string {
  const toDocs = !opts.artifact && (process.env.UPDATE_SCREENSHOTS === '1' || !isCI());
  return toDocs ? path.join(REPO_ROOT, 'docs', 'screenshots') : path.join(REPO_ROOT, 'tests', '.artifacts');
}

/**
 * Saves a PNG of the page as NAME.png and returns its path. `artifact: true`
 * always writes to tests/.artifacts (for shots that are not documentation).
 */
export async function screenshot(
  page: Page,
  name: string,
  opts: { fullPage?: boolean; artifact?: boolean } = {},
): Promise<string> {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`screenshot name must be a plain file name, got "${name}"`);
  const dir = screenshotDir(opts);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: opts.fullPage ?? false, type: 'png' });
  return file;
}

export interface PageWatch {
  /** console.error messages (and console warnings of type "error"). */
  consoleErrors: string[];
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
  /** Requests that failed at the network level, plus HTTP answers >= 400. */
  failedRequests: string[];
  /** Every request URL the page made, including WebSocket URLs. */
  requests: string[];
  /** Throws listing console errors, page errors and failed requests, if any. */
  assertNoErrors(): void;
  /** Throws if any request went anywhere but this machine. */
  assertNoExternalRequests(): void;
}

/** Starts collecting a page's console errors, page errors, failed requests and request URLs. */
export function watchPage(page: Page): PageWatch {
  const watch: PageWatch = {
    consoleErrors: [],
    pageErrors: [],
    failedRequests: [],
    requests: [],
    assertNoErrors() {
      const problems = [
        ...watch.consoleErrors.map((m) => `console.error: ${m}`),
        ...watch.pageErrors.map((m) => `page error: ${m}`),
        ...watch.failedRequests.map((m) => `request failed: ${m}`),
      ];
      if (problems.length > 0) throw new Error(`page had ${problems.length} problem(s):\n${problems.join('\n')}`);
    },
    assertNoExternalRequests() {
      assertNoExternalRequests(watch.requests);
    },
  };
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const loc = msg.location();
      watch.consoleErrors.push(loc.url ? `${msg.text()} (${loc.url}:${loc.lineNumber})` : msg.text());
    }
  });
  page.on('pageerror', (err) => watch.pageErrors.push(err.stack ?? err.message));
  page.on('request', (req) => watch.requests.push(req.url()));
  page.on('websocket', (ws) => watch.requests.push(ws.url()));
  page.on('requestfailed', (req) => {
    watch.failedRequests.push(`${req.method()} ${req.url()}: ${req.failure()?.errorText ?? 'failed'}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) watch.failedRequests.push(`${res.request().method()} ${res.url()}: HTTP ${res.status()}`);
  });
  return watch;
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** True for URLs that stay on this machine: loopback http(s)/ws(s), data:, blob:, about:. */
export function isLocalUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return true;
  const host = u.hostname.toLowerCase();
  return LOCAL_HOSTS.has(host) || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Throws listing every URL that would leave the machine. */
export function assertNoExternalRequests(urls: readonly string[]): void {
  const external = [...new Set(urls.filter((u) => !isLocalUrl(u)))];
  if (external.length > 0) {
    throw new Error(`${external.length} request(s) left the machine:\n${external.join('\n')}`);
  }
}
