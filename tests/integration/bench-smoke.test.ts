/**
 * The benchmark's quick mode as a test: real Mosquitto, influxd and server
 * processes, the load publisher in its own process. Asserts that every message
 * arrived (ingest, overload, kill -9 durability), never a speed: speeds depend on
 * the machine. Writes its JSON to a temp dir and never touches docs/benchmarks.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-bench-smoke-'));
// Before the bench modules load: their scratch space goes to the temp dir.
process.env.BENCH_WORK_DIR = work;

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('npm run bench -- --quick', () => {
  it('delivers every message to InfluxDB, also across a kill -9 and a 10× burst', { timeout: 170_000 }, async () => {
    const { runBench } = await import('../../bench/runner.js');
    const lines: string[] = [];
    const r = await runBench({ quick: true, log: (s) => lines.push(s) });
    fs.writeFileSync(path.join(work, 'quick.json'), JSON.stringify(r));

    expect(r.errors, lines.join('\n')).toEqual([]);
    expect(r.ingest.length).toBeGreaterThan(0);
    for (const i of r.ingest) {
      expect(i.missing, `ingest ${i.rate}/s`).toBe(0);
      expect(i.extra).toBe(0);
      expect(i.brokerDropped).toBe(0);
      expect(i.stored).toBe(i.published);
    }
    expect(r.durability?.missing).toBe(0);
    expect(r.durability?.stored).toBe(r.durability?.published);
    expect(r.overload?.survived).toBe(true);
    expect(r.overload?.storedAll).toBe(true);
    // Consoles got alerts and telemetry at all (a count, not a latency).
    expect(r.latency.every((l) => l.connected === l.consoles && l.alerts.n > 0 && l.telemetry.n > 0)).toBe(true);
    // Every alert reached every console exactly once (the suite waits for late ones), and the floor subscriber counted every message.
    for (const l of r.latency) expect(l.alerts.n).toBe(l.alertsSent! * l.connected);
    expect(r.floor?.counted).toBe(r.floor?.published);
    expect(r.scale[0]?.startMs).toBeGreaterThan(0);
  });
});
