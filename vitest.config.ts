import { defineConfig } from 'vitest/config';

const root = import.meta.dirname;

// Three projects, run one group after the other (sequence.groupOrder):
// unit (parallel, fast) → integration (two files at a time: each starts its own influxd, Mosquitto and
// PostgreSQL on free ports in temp folders, and most of a file's time is spent waiting on them or on
// simulated time, so two overlap well on 2 cores) → browser (two files at a time as well: a file spends
// much of its time waiting on its server and simulated devices; its tests wait for what they read
// rather than read it at once, so they hold when the other file takes the CPU).
// `npx vitest run` runs all three; `--project NAME` picks one.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          root,
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
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
          maxWorkers: 2,
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
          testTimeout: 60_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
