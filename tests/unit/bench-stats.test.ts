import { describe, expect, it } from 'vitest';
import { medianStats, type FrameStats } from '../../bench/suites/browser.js';

const round = (meanMs: number, p95Ms: number, longTasks: number): FrameStats => ({ frames: 100 + meanMs, meanMs, p50Ms: meanMs, p95Ms, p99Ms: p95Ms * 2, longTasks, longTaskMs: longTasks * 60 });

describe('browser suite: medians over rounds', () => {
  it('takes each figure’s own median, not one round’s figures', () => {
    // The round with the middle mean is not the one with the middle p95 or long-task count.
    const m = medianStats([round(20, 90, 0), round(10, 30, 5), round(30, 50, 2)]);
    expect(m.meanMs).toBe(20);
    expect(m.p95Ms).toBe(50);
    expect(m.longTasks).toBe(2);
    expect(m.p99Ms).toBe(100);
    expect(m.frames).toBe(120);
  });

  it('an even count takes the lower middle; one round is itself', () => {
    expect(medianStats([round(40, 1, 0), round(10, 1, 0), round(30, 1, 0), round(20, 1, 0)]).meanMs).toBe(20);
    const one = round(7, 8, 1);
    expect(medianStats([one])).toEqual(one);
  });

  it('sorts numerically (10 after 9), not as text', () => {
    expect(medianStats([round(9, 1, 0), round(10, 1, 0), round(100, 1, 0)]).meanMs).toBe(10);
  });
});

describe('bench alert trickle plates', () => {
  it('carry the publish time and the index, and fit the contract’s 16 characters', async () => {
    const { alertPlate, readAlertPlate } = await import('../../bench/lib/alert-plate.js');
    const ts = Date.UTC(2040, 0, 1);
    for (const index of [0, 1, 35, 36, 99_999, 1_500_000]) {
      const plate = alertPlate(ts, index);
      expect(plate.length).toBeLessThanOrEqual(16);
      expect(readAlertPlate(plate)).toEqual({ ts, index });
    }
    expect(readAlertPlate('85A-123.45')).toBeNull();
  });
});
