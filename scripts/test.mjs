// `npm test [-- VITEST_ARGS...]`: install what the tests need, build, typecheck, run every test.
//
//   1. node_modules (npm ci / npm install when missing or stale)
//   2. influxd, mosquitto, chromium, PostgreSQL, redis-server, ffmpeg, osmium-tool, gdal-bin (apt-get when root on Debian; otherwise fail saying what to install)
//   3. npm run build (the client; skipped with a warning while client/ or vite.config.ts does not exist)
//   4. tsc --noEmit -p tsconfig.json, and the dependency check (npm run deps: layering and no cycles,
//      .dependency-cruiser.cjs; docs/architecture.md), both beside the tests
//   5. vitest run: projects unit → integration → browser (sequence.groupOrder in vitest.config.ts);
//      extra arguments go to vitest, e.g. `npm test -- tests/unit/x.test.ts` or `npm test -- --project unit`
//
// Exits non-zero if any step failed, and ends with one line "tests: N passed, N failed[, N skipped]".
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDebianPackages, ensureNodeModules, REPO_ROOT, run } from './ensure-deps.mjs';

const extraArgs = process.argv.slice(2);
const bin = (name) => path.join(REPO_ROOT, 'node_modules', '.bin', name);
const say = (msg) => process.stderr.write(`[test] ${msg}\n`);
const started = Date.now();
const steps = [];

function finish(code, counts) {
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  say(`${steps.join(' | ')} | ${secs}s`);
  say(code === 0 ? 'OK' : `FAILED (exit ${code})`);
  if (counts) {
    // Last line of the run, in the plain "N passed, N failed" form CI reads.
    const skipped = counts.skipped > 0 ? `, ${counts.skipped} skipped` : '';
    process.stdout.write(`tests: ${counts.passed} passed, ${counts.failed} failed${skipped}\n`);
  }
  process.exit(code);
}

// 1. node_modules
if (!ensureNodeModules()) {
  steps.push('node_modules: FAILED');
  finish(1);
}
steps.push('node_modules: ok');

// 2. system services: required, tests are never skipped
if (!ensureDebianPackages(['influxd', 'mosquitto', 'chromium', 'postgres', 'redis-server', 'ffmpeg', 'osmium', 'ogr2ogr'], { required: true })) {
  say('influxd, mosquitto, chromium, PostgreSQL, redis-server, ffmpeg, osmium and ogr2ogr are required by the integration and browser tests (they are never skipped).');
  steps.push('services: FAILED');
  finish(1);
}
steps.push('services: ok');

// 3. client build
const hasClient = existsSync(path.join(REPO_ROOT, 'client')) && existsSync(path.join(REPO_ROOT, 'vite.config.ts'));
if (hasClient) {
  say('npm run build');
  const code = run('npm', ['run', 'build']);
  if (code !== 0) {
    steps.push(`build: FAILED (${code})`);
    finish(code);
  }
  steps.push('build: ok');
} else {
  say('warning: client/ or vite.config.ts does not exist yet: skipping the client build');
  steps.push('build: skipped (no client yet)');
}

// 4. typecheck and 4b. dependency check (.dependency-cruiser.cjs), beside the tests rather than
// before them (they take a core for about 20 s, and the tests mostly wait on services): a failure
// of either fails the run, the tests still run, and their output is printed after the tests'.
const checkDir = mkdtempSync(path.join(os.tmpdir(), 'ioc-test-checks-'));
function inBackground(name, command, args) {
  say(`${name} (beside the tests)`);
  const out = path.join(checkDir, `${name}.log`);
  const fd = openSync(out, 'w');
  const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const done = new Promise((resolve) => {
    child.on('error', () => resolve(127));
    child.on('exit', (c, signal) => resolve(signal ? 128 + (os.constants.signals[signal] ?? 0) : (c ?? 1)));
  });
  return async () => {
    const code = await done;
    const text = readFileSync(out, 'utf8').trimEnd();
    if (text) process.stdout.write(`\n[${name}]\n${text}\n`);
    return code;
  };
}
const tscDone = inBackground('tsc --noEmit -p tsconfig.json', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']);
const depsDone = inBackground('npm run deps', 'npm', ['run', '--silent', 'deps']);

// 5. vitest, all projects in group order, results also written as JSON for the summary
const artifacts = path.join(REPO_ROOT, 'tests', '.artifacts');
mkdirSync(artifacts, { recursive: true });
const resultsFile = path.join(artifacts, 'vitest-results.json');
rmSync(resultsFile, { force: true });
const vitestArgs = ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${resultsFile}`, ...extraArgs];
say(`vitest ${vitestArgs.join(' ')}`);
const vitestCode = run(bin('vitest'), vitestArgs);

const tscCode = await tscDone();
steps.push(tscCode === 0 ? 'typecheck: ok' : `typecheck: FAILED (${tscCode})`);
const depsCode = await depsDone();
steps.push(depsCode === 0 ? 'deps: ok' : `deps: FAILED (${depsCode})`);
rmSync(checkDir, { recursive: true, force: true });

let counts;
try {
  const r = JSON.parse(readFileSync(resultsFile, 'utf8'));
  counts = {
    passed: r.numPassedTests ?? 0,
    failed: r.numFailedTests ?? 0,
    skipped: (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0),
    files: r.numTotalTestSuites ?? 0,
  };
} catch {
  say('vitest wrote no results file');
}
steps.push(vitestCode === 0 ? 'vitest: ok' : `vitest: FAILED (${vitestCode})`);
if (counts && counts.passed + counts.failed === 0) {
  say('error: no test ran');
}

let code = tscCode !== 0 ? tscCode : depsCode !== 0 ? depsCode : vitestCode;
if (code === 0 && (!counts || counts.passed === 0)) code = 1; // a run that tested nothing is not a pass
finish(code, counts);
