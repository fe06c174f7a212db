/**
 * One ingest point, for working on the hot path without the whole suite:
 * npx tsx bench/probe.ts --rate 20000 --seconds 60 [--devices 1000] [--consumer server|node-red] [--prof] [--node-args '--max-semi-space-size=4']
 * Prints the result as JSON; writes nothing to docs/.
 */
import path from 'node:path';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { generateCityPack } from './lib/citypack.js';
import { startStack } from './lib/stack.js';
import { runIngest } from './suites/ingest.js';
import { WORK } from './lib/paths.js';
import { topSelfTime } from './lib/profile.js';
import { ensureNodeRed } from './lib/nodered.js';

const { values: a } = parseArgs({
  options: {
    rate: { type: 'string', default: '20000' },
    seconds: { type: 'string', default: '30' },
    devices: { type: 'string', default: '1000' },
    consumer: { type: 'string', default: 'server' },
    prof: { type: 'boolean', default: false },
    'node-args': { type: 'string', default: '' },
  },
});
const log = (s: string) => process.stderr.write(`${s}\n`);
const devices = Number(a.devices);
if (a.consumer === 'node-red') ensureNodeRed(log);
const stack = await startStack();
try {
  const profDir = path.join(WORK, 'prof');
  if (a.prof) fs.rmSync(profDir, { recursive: true, force: true });
  const r = await runIngest({
    stack, consumer: a.consumer as 'server' | 'node-red', rate: Number(a.rate), durationS: Number(a.seconds), devices,
    cityPack: generateCityPack(devices), label: `probe_${Date.now()}`, log,
    nodeArgs: [...(a['node-args'] ? a['node-args'].split(' ') : []), ...(a.prof ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [])],
  });
  console.log(JSON.stringify(r, null, 1));
  if (a.prof) console.log(topSelfTime(profDir).slice(0, 25).map((t) => `${t.selfPct}\t${t.fn}\t${t.where}`).join('\n'));
} finally {
  await stack.stop();
}
process.exit(0);
