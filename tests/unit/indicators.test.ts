/**
 * The pure parts of the digital-government indicators: periods (labels, keys, runs of 12),
 * targets in either direction, the computed shares, the registry's checks, and the demo's
 * figures (plausible, marked demo, of the right period kind, leaving the current period of
 * a computed indicator to the system).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kpiValuePayload, meetsTarget, periodFits, periodLabel, periodOf, periodsEnding, periodStart } from '../../contract/indicators.js';
import { loadIndicators } from '../../contract/indicators-load.js';
import type { Link, Station } from '../../contract/index.js';
import { computedValue } from '../../server/indicators/indicators.js';
import { demoIndicatorValues } from '../../simulators/indicators.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DEFS = loadIndicators(path.join(ROOT, 'config', 'indicators.json'));
const TZ = 'Asia/Ho_Chi_Minh';

describe('indicator periods', () => {
  it('names the month and quarter in the city time zone, keys them by their first day, and counts back across years', () => {
    // 2026-12-31 18:00 UTC is already 1 January 2027 in Vietnam.
    const t = Date.UTC(2026, 11, 31, 18);
    expect(periodOf(t, TZ, 'monthly')).toBe('2027-01');
    expect(periodOf(t, TZ, 'quarterly')).toBe('2027-Q1');
    expect(periodOf(t, 'UTC', 'quarterly')).toBe('2026-Q4');
    expect(periodStart('2026-Q4')).toBe(Date.UTC(2026, 9, 1));
    expect(periodLabel(periodStart('2026-11'), 'monthly')).toBe('2026-11');
    expect(periodsEnding('2027-02', 'monthly', 4)).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
    expect(periodsEnding('2027-Q1', 'quarterly', 3)).toEqual(['2026-Q3', '2026-Q4', '2027-Q1']);
    expect(periodFits('2026-Q2', 'monthly')).toBe(false);
    expect(periodFits('2026-13', 'monthly')).toBe(false);
    expect(kpiValuePayload.safeParse({ seq: 1, ts: 1, period: '2026-00', value: 1 }).success).toBe(false);
  });

  it('meets a target in the indicator direction', () => {
    expect(meetsTarget({ target: 80, direction: 'higher' }, 80)).toBe(true);
    expect(meetsTarget({ target: 80, direction: 'higher' }, 79.9)).toBe(false);
    expect(meetsTarget({ target: 20, direction: 'lower' }, 18)).toBe(true);
    expect(meetsTarget({ target: 20, direction: 'lower' }, 21)).toBe(false);
  });
});

describe('computed indicators', () => {
  const station = (id: string, techs: Station['techs'], state: Station['state'], stale = false) => ({ id, techs, state, stale }) as Station;
  const stations = [station('a', ['4G'], 'up'), station('b', ['3G', '4G'], 'degraded'), station('c', ['4G'], 'down'), station('d', ['4G'], 'up', true), station('e', ['4G'], 'unknown')];
  const def = (tech: '2G' | '4G') => DEFS.find((d) => d.computed?.kind === 'station_availability' && d.computed.tech === tech)!;
  it('counts up and degraded stations that are not silent, out of those heard from', () => {
    expect(computedValue(def('4G'), stations, [])).toBe(50);
    expect(computedValue(def('2G'), stations, [])).toBeNull();
    const links = [{ state: 'up', stale: false }, { state: 'down', stale: false }, { state: 'up', stale: false }] as Link[];
    expect(computedValue(DEFS.find((d) => d.id === 'fiber_links_up_pct')!, [], links)).toBe(66.67);
  });
});

describe('the registry and the demo figures', () => {
  it('refuses a registry with a duplicate id or a bad field, naming it', () => {
    expect(DEFS.length).toBeGreaterThanOrEqual(10);
    expect(() => loadIndicators(path.join(ROOT, 'package.json'))).toThrow(/indicator registry .*package\.json/);
  });

  it('ships a year of plausible demo figures, marked demo, leaving the current period of computed ones to the system', () => {
    const now = Date.UTC(2026, 11, 7);
    const values = demoIndicatorValues(DEFS, now, TZ, 1);
    for (const v of values) expect(kpiValuePayload.safeParse(v.payload).success).toBe(true);
    expect(values.every((v) => v.payload.demo === true && v.payload.seq === 0)).toBe(true);
    const of = (id: string) => values.filter((v) => v.topic === `ioc/v1/kpi/${id}`).map((v) => v.payload);
    expect(of('online_records_pct').map((p) => p.period)).toEqual(periodsEnding('2026-12', 'monthly', 12));
    expect(of('dti_score').map((p) => p.period)).toEqual(periodsEnding('2026-Q4', 'quarterly', 12));
    expect(of('station_avail_4g').map((p) => p.period)).not.toContain('2026-12');
    expect(of('station_avail_4g')).toHaveLength(11);
    for (const d of DEFS) {
      for (const p of of(d.id)) {
        if (d.unit === '%') expect(p.value).toBeGreaterThanOrEqual(0);
        if (d.unit === '%') expect(p.value).toBeLessThanOrEqual(100);
        if (d.unit === 'hạng') expect(Number.isInteger(p.value) && p.value >= 1).toBe(true);
      }
    }
    // Seeded: the same seed, the same figures; some indicators end on target, some short of it.
    expect(demoIndicatorValues(DEFS, now, TZ, 1)).toEqual(values);
    const last = DEFS.filter((d) => !d.computed).map((d) => meetsTarget(d, of(d.id).at(-1)!.value));
    expect(last).toContain(true);
    expect(last).toContain(false);
  });
});
