/**
 * An alert's figures are typed per rule (contract/alerts.ts RuleData), so the server's rules
 * and the console's alert text cannot drift apart. The type check (`tsc`, a step of npm test)
 * proves it: each `@ts-expect-error` below fails the check if the line under it compiles.
 */
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../contract/alerts.js';
import type { AlertInput } from '../../server/alerts/types.js';
import { makeAlert } from '../fixtures/domain.js';

const base = { dedupeKey: 'station_battery:bs-1', severity: 'minor', title: 't', source: { kind: 'station', id: 'bs-1' }, position: null, wardId: null } as const;

/** What a screen reads of a coverage loss: only figures the rule stores compile. */
function coverageFigures(a: Alert): number[] {
  if (a.rule !== 'coverage_loss') return [];
  // @ts-expect-error no rule stores a battery level on a coverage loss
  const wrong: unknown = a.data.batteryPct;
  return [a.data.uncoveredPct, a.data.stationsDown, wrong === undefined ? 0 : 1];
}

describe('alert figures typed per rule', () => {
  it('a raise carries the figures its rule declares, no more and no fewer', () => {
    const ok: AlertInput = { ...base, rule: 'station_battery', data: { batteryPct: 9.4 } };
    // @ts-expect-error a figure station_battery does not declare
    const extra: AlertInput = { ...base, rule: 'station_battery', data: { batteryPct: 9.4, voltage: 48 } };
    // @ts-expect-error station_battery's figure is missing
    const missing: AlertInput = { ...base, rule: 'station_battery', data: {} };
    // @ts-expect-error a rule that does not exist
    const unknown: AlertInput = { ...base, rule: 'station_flood', data: {} };
    expect([ok, extra, missing, unknown].map((i) => i.rule)).toEqual(['station_battery', 'station_battery', 'station_battery', 'station_flood']);
  });

  it('reading a rule narrows its figures', () => {
    const a = makeAlert('a', { rule: 'coverage_loss', data: { uncoveredPct: 48, stationsDown: 2, stationIds: 'bs-1,bs-2', baselinePct: 100, coveredPct: 52 } });
    expect(coverageFigures(a)).toEqual([48, 2, 0]);
    expect(coverageFigures(makeAlert('b'))).toEqual([]);
  });
});
