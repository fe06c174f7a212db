import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const root = import.meta.dirname;

// Three projects, run one group after the other (sequence.groupOrder):
// unit (parallel, fast) → integration (three files at a time: each starts its own influxd and Mosquitto
// on free ports in temp folders, and most of a file's time is spent waiting on them or on simulated
// time, so three overlap well on 2 cores) → browser (two files at a time: Chromium's software rendering
// takes the CPU, and a third file slows every test; its tests wait for what they read rather than read
// it at once, so they hold when the other file takes the CPU).
// Every project runs its files one after another in the same workers (`isolate: false`): a file then
// does not load the server, its libraries and the harness again (about 4 s a file here), and the test
// apps of a worker share one PostgreSQL cluster (tests/harness/app.ts). Each file still starts and
// stops its own services, apps and browser in its hooks, so none leaks state into the next.
// `npx vitest run` runs all three; `--project NAME` picks one.
/**
 * The files that take a minute or more, started first in their project: two workers share a project's
 * files, and a long file started last runs alone at the end while the other worker waits (on a clean
 * clone vitest has no timings yet and orders by file size, which put bench-smoke last: 100 s alone).
 * Longest first; the rest follow in vitest's own order.
 */
const LONG_FIRST = [
  'tests/integration/bench-smoke.test.ts',
  'tests/integration/scenarios.test.ts',
  'tests/integration/cluster.test.ts',
  'tests/integration/durability.test.ts',
  'tests/integration/auth.test.ts',
  'tests/integration/accounts-db.test.ts',
  'tests/browser/wall.test.ts',
  'tests/browser/city-services.test.ts',
  'tests/browser/console-layout.test.ts',
  'tests/browser/session-cookie.test.ts',
  'tests/browser/console-workflow.test.ts',
  'tests/browser/officer-tools.test.ts',
];

class LongFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = LONG_FIRST.indexOf(path.relative(root, f.moduleId).split(path.sep).join('/'));
      return i === -1 ? LONG_FIRST.length : i;
    };
    // Stable: within a rank (and across projects, whose order groupOrder keeps) vitest's order stands.
    return (await super.sort(files)).map((f, i) => ({ f, i })).sort((a, b) => a.f.project.config.sequence.groupOrder - b.f.project.config.sequence.groupOrder || rank(a.f) - rank(b.f) || a.i - b.i).map(({ f }) => f);
  }
}

export default defineConfig({
  test: {
    sequence: { sequencer: LongFirst },
    projects: [
      {
        test: {
          name: 'unit',
          root,
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
          isolate: false,
          // Some are CPU-bound (50,000 station rows, a simulated rush hour), and they share the 2 cores with
          // the typecheck and the dependency check (scripts/test.mjs): 5 s is too close.
          testTimeout: 15_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          root,
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          fileParallelism: true,
          maxWorkers: 3,
          isolate: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'browser',
          root,
          include: ['tests/browser/**/*.test.ts'],
          environment: 'node',
          fileParallelism: true,
          maxWorkers: 2,
          isolate: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
