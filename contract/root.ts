/**
 * The repository (or install) root: the nearest folder above this module with a
 * package.json. Found, not computed from this file's depth, because the same code
 * runs from contract/ under tsx and bundled into dist/server/ in production.
 */
import fs from 'node:fs';
import path from 'node:path';

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from, '..');
  }
}

export const ROOT: string = findRoot(import.meta.dirname);
