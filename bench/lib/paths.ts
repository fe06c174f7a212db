import path from 'node:path';

export const REPO = path.resolve(import.meta.dirname, '..', '..');
/** Scratch space: generated packs, spools, Node-RED, profiles (gitignored). */
export const WORK = process.env.BENCH_WORK_DIR ?? path.join(REPO, 'bench', '.work');
