/**
 * The latency suite alone, at chosen rates and console counts (for trying a change
 * without the whole bench): npx tsx bench/lat-probe.ts --rates 5000 --consoles 100 [--seconds 15]
 * [--sampled 1000]: also 1,000 consoles of which 10 measure and the rest run at nice 19 (--consoles '' for those alone).
 */
import { parseArgs } from 'node:util';
import { generateCityPack } from './lib/citypack.js';
import { startStack } from './lib/stack.js';
import { runLatency } from './suites/latency.js';

const { values: a } = parseArgs({ options: { rates: { type: 'string', default: '5000' }, consoles: { type: 'string', default: '100' }, seconds: { type: 'string', default: '15' }, sampled: { type: 'string', default: '' } } });
const stack = await startStack();
try {
  const rows = await runLatency({
    stack,
    cityPack: generateCityPack(1000),
    devices: 1000,
    rates: a.rates!.split(',').map(Number),
    consoles: a.consoles!.split(',').filter(Boolean).map(Number),
    sampled: a.sampled ? { consoles: a.sampled.split(',').map(Number), sample: 10 } : undefined,
    durationS: Number(a.seconds),
    log: (s) => process.stderr.write(`${s}\n`),
  });
  console.log(JSON.stringify(rows, null, 1));
} finally {
  await stack.stop();
}
