/**
 * npm run bench [-- --quick] [--only ingest,latency,…] [--no-docs]
 * Prints the tables, writes bench/results/<date>-<mode>.json and (full or quick,
 * unless --no-docs) appends the tables to docs/benchmarks.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO } from './lib/paths.js';
import { renderMarkdown } from './report.js';
import { runBench } from './runner.js';

const { values: a } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, 'no-docs': { type: 'boolean', default: false }, 'results-dir': { type: 'string' } },
});

const res = await runBench({ quick: a.quick!, only: a.only?.split(',') });
const md = renderMarkdown(res);
process.stdout.write(`\n${md}`);
const dir = a['results-dir'] ?? path.join(REPO, 'bench', 'results');
fs.mkdirSync(dir, { recursive: true });
const file = path.join(dir, `${res.startedAt.replace(/[:.]/g, '-')}-${res.mode}.json`);
fs.writeFileSync(file, JSON.stringify(res, null, 1));
process.stderr.write(`results: ${path.relative(REPO, file)}\n`);
if (!a['no-docs']) {
  const doc = path.join(REPO, 'docs', 'benchmarks.md');
  if (!fs.existsSync(doc)) fs.writeFileSync(doc, '# Benchmarks\n\nAppended by `npm run bench`; see the notes at the top of each run.\n\n');
  fs.appendFileSync(doc, `\n${md}`);
  process.stderr.write(`appended to docs/benchmarks.md\n`);
}
process.exit(0);
