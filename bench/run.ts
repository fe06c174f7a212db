/**
 * npm run bench [-- --quick] [--only ingest,latency,…] [--no-docs]
 * Prints the tables and writes bench/results/<date>-<mode>.json and .md. A full run
 * (unless --no-docs) also replaces the latest run's section of docs/benchmarks.md (between
 * its `latest` markers), so that the page stays a short report and the history stays
 * in bench/results/.
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
fs.writeFileSync(file.replace(/\.json$/, '.md'), md);
// A whole full run only: a partial one (--only) would leave the page's tables half old, half new.
if (!a['no-docs'] && res.mode === 'full' && !a.only) {
  const doc = path.join(REPO, 'docs', 'benchmarks.md');
  const text = fs.readFileSync(doc, 'utf8');
  const m = /<!-- latest:start -->\n[\s\S]*?<!-- latest:end -->/.exec(text);
  if (m) {
    fs.writeFileSync(doc, text.replace(m[0], () => `<!-- latest:start -->\n${md.trimEnd()}\n<!-- latest:end -->`));
    process.stderr.write('docs/benchmarks.md: the latest run replaced; bring its Summary and "What the figures say" in line, and write the reading in bench/results/readings.md\n');
  } else {
    process.stderr.write('docs/benchmarks.md has no latest markers: tables left in bench/results only\n');
  }
}
process.exit(0);
