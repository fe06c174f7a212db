/** Gaps in the wall's 24 h charts and the console's sparklines (issue #27.6): a missing stretch is never bridged. */
import { describe, expect, it } from 'vitest';
import { coverageLevel, linePaths, segments } from '../../client/src/app/wall/charts.js';
import { gapThresholdMs, sparkPaths } from '../../client/src/app/History.js';

const subpaths = (d: string) => d.split('M').filter(Boolean).length;

describe('wall line chart', () => {
  it('splits at nulls: one subpath of line and of fill per run of data', () => {
    const pts: [number, number | null][] = [[0, null], [1, null], [2, 90], [3, 95], [4, null], [5, 100], [6, 100], [7, 98]];
    expect(segments(pts)).toEqual([[[2, 90], [3, 95]], [[5, 100], [6, 100], [7, 98]]]);
    const p = linePaths(pts, 700, 100, 100);
    expect(p.runs).toBe(2);
    expect(subpaths(p.line)).toBe(2);
    expect(subpaths(p.area)).toBe(2);
    // The fill starts on the baseline under the first point of data, not at the chart's left edge (the "ramp").
    expect(p.area.startsWith('M200.0,100L200.0,')).toBe(true);
  });

  it('draws a lone point as a dot and nothing for no data', () => {
    expect(linePaths([[0, null], [1, 5], [2, null]], 200, 100, 10).line).toMatch(/^M100\.0,[\d.]+h0$/);
    expect(linePaths([[0, null], [1, null]], 200, 100, 10)).toEqual({ line: '', area: '', runs: 0 });
  });

  it('colours a ward by threshold: 27 % is bad, 75 % warn, 95 % ok, any loss bad', () => {
    expect(coverageLevel(27, 0)).toBe('bad');
    expect(coverageLevel(75, 0)).toBe('warn');
    expect(coverageLevel(95, 0)).toBe('ok');
    expect(coverageLevel(95, 3)).toBe('bad');
  });
});

describe('console sparkline', () => {
  it('breaks where points are far apart (the server leaves out empty buckets)', () => {
    const min = 60_000;
    // Every minute for 5 minutes, silent for 40, then every minute again.
    const pts: [number, number][] = [0, 1, 2, 3, 4, 45, 46, 47].map((m) => [m * min, 10]);
    const gap = gapThresholdMs(pts, min);
    expect(gap).toBe(3 * min);
    const p = sparkPaths(pts, 0, 50 * min, 500, 50, gap)!;
    expect(p.runs).toBe(2);
    expect(subpaths(p.line)).toBe(2);
    // Without the detector it is one line across the silence.
    expect(sparkPaths(pts, 0, 50 * min, 500, 50)!.runs).toBe(1);
  });

  it('a lone point between gaps is a dot', () => {
    const p = sparkPaths([[0, 1], [1, 2], [10, 3], [20, 4], [21, 5]], 0, 21, 210, 10, 3)!;
    expect(p.runs).toBe(3);
    expect(p.line).toContain('h0M');
  });
});
