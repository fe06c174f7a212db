/**
 * The demo's digital-government indicators: twelve periods of plausible figures for each
 * indicator of the registry, published on `ioc/v1/kpi/{id}` with `demo: true` when a
 * simulation starts, so the wall's "Chuyển đổi số" panel has a year to show and says the
 * figures are the demo's. Each indicator drifts from below its target towards it (the
 * direction it should move), with seeded noise; some end short of the target. Computed
 * indicators get their past periods only: the system measures the current one itself.
 */
import { periodOf, periodsEnding, type IndicatorDef, type KpiValuePayload } from '../contract/indicators.js';
import { topics } from '../contract/topics.js';
import { createRng } from './rng.js';

export interface DemoValue {
  topic: string;
  payload: KpiValuePayload;
}

export function demoIndicatorValues(defs: readonly IndicatorDef[], now: number, timeZone: string, seed: number): DemoValue[] {
  const out: DemoValue[] = [];
  defs.forEach((def, k) => {
    const rnd = createRng(seed, `indicator:${def.id}`);
    const current = periodOf(now, timeZone, def.period);
    const periods = periodsEnding(current, def.period, 12);
    // Computed ones: the system writes the current period from the live picture.
    const shown = def.computed ? periods.slice(0, -1) : periods;
    const isPct = def.unit === '%';
    const higher = def.direction === 'higher';
    // Where the year starts: a rank well behind, a score or rate some way short of the target.
    const gap = isPct ? Math.min(def.target * 0.3, 25) : def.unit === 'hạng' ? def.target * 0.8 : def.target * 0.2;
    const startV = higher ? def.target - gap : def.target + gap;
    // Odd indicators reach their target by the end, even ones stay a little short.
    const endV = k % 2 === 0 ? (higher ? def.target + gap * 0.08 : def.target - gap * 0.1) : higher ? def.target - gap * 0.15 : def.target + gap * 0.2;
    shown.forEach((period, i) => {
      const f = i / Math.max(1, periods.length - 1);
      let v = startV + (endV - startV) * f + (rnd.next() - 0.5) * gap * 0.12;
      if (isPct) v = Math.min(100, Math.max(0, v));
      v = def.unit === 'hạng' ? Math.max(1, Math.round(v)) : Math.round(v * (def.target < 5 ? 1000 : 10)) / (def.target < 5 ? 1000 : 10);
      // seq 0 (unsequenced): a history published again at each start is not a replay of old messages.
      out.push({ topic: topics.kpiValue(def.id), payload: { seq: 0, ts: now, period, value: v, demo: true } });
    });
  });
  return out;
}
