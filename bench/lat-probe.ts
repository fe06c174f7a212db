/**
 * The latency suite alone, at chosen rates and console counts (for trying a change
 * without the whole bench): npx tsx bench/lat-probe.ts --rates 5000 --consoles 100 [--seconds 15]
 */
import { parseArgs } from 'node:util';
import { generateCityPack } from './lib/citypack.js';
import { startStack } from './lib/stack.js';
import { runLatency } from './suites/latency.js';

const { values: a } = parseArgs({ options: { rates: { type: 'string', default: '5000' }, consoles: { type: 'string', default: '100' }, seconds: { type: 'string', default: '15' } } });
const stack = await startStack();
try {
  const rows = await runLatency({
    stack,
    cityPack: generateCityPack(1000),
    devices: 1000,
    rates: a.rates!.split(',').map(Number),
    consoles: a.consoles!.split(',').map(Number),
    durationS: Number(a.seconds),
    log: (s) => process.stderr.write(`${s}\n`),
  });
  console.log(JSON.stringify(rows, null, 1));
} finally {
  await stack.stop();
}
