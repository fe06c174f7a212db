// `npm run audit`: npm's advisory check, where the advisory service can be reached.
//
// On a closed network (an operations center's, or this project's CI) the registry's
// advisories endpoint refuses or never answers. Then this says so plainly and exits 0
// with no verdict, instead of hanging or failing the build for a reason that is not a
// vulnerability. When the service answers, a high or critical advisory fails (exit 1).
import { spawn } from 'node:child_process';

const TIMEOUT_MS = Number(process.env.AUDIT_TIMEOUT_MS ?? 60_000);
const child = spawn('npm', ['audit', '--json', '--omit=dev', '--audit-level=high'], { stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
let err = '';
child.stdout.on('data', (c) => (out += c));
child.stderr.on('data', (c) => (err += c));
const timer = setTimeout(() => {
  child.kill('SIGKILL');
  unreachable(`no answer within ${TIMEOUT_MS / 1000} s`);
}, TIMEOUT_MS);

child.on('close', (code) => {
  clearTimeout(timer);
  let report;
  try {
    report = JSON.parse(out);
  } catch {
    return unreachable(firstLine(err) || `npm audit exited ${code} without a report`);
  }
  if (report.error) return unreachable(report.statusCode ? `the advisory endpoint answered HTTP ${report.statusCode}` : report.error.summary || report.error.code || 'the advisory service answered with an error');
  const v = report.metadata?.vulnerabilities;
  if (!v) return unreachable('the answer had no vulnerability counts');
  const line = `npm audit: ${v.critical ?? 0} critical, ${v.high ?? 0} high, ${v.moderate ?? 0} moderate, ${v.low ?? 0} low (production dependencies)`;
  if ((v.critical ?? 0) + (v.high ?? 0) > 0) {
    process.stderr.write(`${line}\nRun \`npm audit --omit=dev\` for the details.\n`);
    process.exit(1);
  }
  process.stdout.write(`${line}\n`);
  process.exit(0);
});

function unreachable(why) {
  process.stdout.write(
    `npm audit could not reach the registry's advisory service from this network (${why}).\n` +
      'No verdict: nothing was checked. Run `npm run audit` on a machine with access to the npm registry.\n',
  );
  process.exit(0);
}

function firstLine(s) {
  return s.split('\n').map((l) => l.replace(/^npm (ERR!|error) /, '').trim()).find((l) => l && !l.startsWith('A complete log')) ?? '';
}
