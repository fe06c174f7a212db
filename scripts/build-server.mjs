// `npm run build:server`: bundles server/ and contract/ into dist/server/index.mjs
// (ESM, node 20, packages left external, source map beside it). Production runs
// the bundle with plain node: no TypeScript loader in the process, which saves
// about 30 MB of RSS and the start-up transform (docs/benchmarks.md).
// Also used by `npm start` and the benchmarks, which rebuild when a source is newer.
import { build } from 'esbuild';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
export const SERVER_BUNDLE = path.join(ROOT, 'dist', 'server', 'index.mjs');

function newestMtime(p) {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, e)));
  return newest;
}

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
