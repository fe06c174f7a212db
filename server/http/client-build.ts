/**
 * The id of the built client: the API's /api/info and the wall's /api/wall/config both answer it, so that an
 * open screen reloads itself when a new client is deployed.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** A short hash of the built client's index.html (its script names carry Vite's content hashes). */
const buildCache = { file: '', mtimeMs: -1, id: 'none' };
export function clientBuildId(staticDir: string): string {
  const file = path.join(staticDir, 'index.html');
  try {
    const st = fs.statSync(file);
    if (buildCache.file !== file || buildCache.mtimeMs !== st.mtimeMs) {
      const id = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 12);
      Object.assign(buildCache, { file, mtimeMs: st.mtimeMs, id });
    }
    return buildCache.id;
  } catch {
    return 'none';
  }
}
