// `npm run build:server`: bundles server/ and contract/ into dist/server/index.mjs
// (ESM, node 20, packages left external, source map beside it). Production runs
// the bundle with plain node: no TypeScript loader in the process, which saves
// about 30 MB of RSS and the start-up transform (bench/results/2026-11-23-runs.md).
// Also used by `npm start` and the benchmarks, which rebuild when a source is newer.
import { build } from 'esbuild';
import { existsSync, statSync } from 'node:fs';
import { newestMtime } from './ensure-deps.mjs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
export const SERVER_BUNDLE = path.join(ROOT, 'dist', 'server', 'index.mjs');
/**
 * V8 heap settings the server runs with (npm start, Docker, benchmarks). The server's
 * live heap is small (about 30 MB at 10k msg/s) but V8's default growth lets it sit at
 * 200 MB of RSS; growing the old space by 20 % steps keeps it near 120 MB for the same CPU.
 * 4 MB semi-spaces rather than 8 MB save about 8 MB more: twice the scavenges, which at
 * 10k msg/s cost 0.3 % of a core more (--trace-gc, bench/results/readings.md). No hard cap:
 * nothing can run out.
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=20'];

/**
 * The environment the server process gets beside the operator's (which wins). glibc raises
 * its mmap threshold each time a large block is freed, so the large buffers read and dropped
 * at start-up end up in its heap, which then never shrinks: a fixed threshold (its default,
 * 128 KiB) hands them back. About 7 MB less RSS at 10k msg/s, no CPU cost measured.
 */
export const SERVER_ENV = { MALLOC_MMAP_THRESHOLD_: '131072' };


/** True when the bundle is missing or older than server/, contract/ or package.json. */
export function serverBundleStale() {
  if (!existsSync(SERVER_BUNDLE)) return true;
  const built = statSync(SERVER_BUNDLE).mtimeMs;
  return ['server', 'contract', 'package.json'].some((p) => newestMtime(path.join(ROOT, p)) > built);
}

export async function buildServer() {
  await build({
    entryPoints: [path.join(ROOT, 'server', 'index.ts')],
    outfile: SERVER_BUNDLE,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const t0 = Date.now();
  await buildServer();
  console.log(`dist/server/index.mjs built in ${Date.now() - t0} ms`);
}
