/**
 * Coverage loss per ward (geometry in ../coverage.ts). Recomputed in tick() when a
 * station started or stopped serving since the last run: at most once per second
 * however many stations flap, and never on a plain heartbeat.
 *
 * One alert per ward, key `coverage_loss:${wardId}`, while the share of the ward's
 * area that lost coverage (against the all-up baseline) is ≥ minUncoveredPct;
 * critical from criticalPct. Re-raised (the store updates it) as the outage spreads or
 * shrinks by ≥ 1 point or changes severity; cleared when the loss falls under the
 * threshold.
 */
import type { Severity } from '../../../contract/index.js';
import { cityCoveragePct, coverageByWard, coverageModel, stationServes, type WardCoverage } from '../../../contract/coverage.js';
import { round, type RuleContext, type RuleFamily } from './context.js';

const MIN_INTERVAL_MS = 1000;
const PREFIX = 'coverage_loss:';

export interface CoverageFamily extends RuleFamily {
  /** Latest per-ward result (empty before the first run). */
  latest(): readonly WardCoverage[];
  /** City KPI from the latest result. */
  city(): { populationPct: number | null; areaPct: number | null };
  /** Force a recompute on the next tick (start-up). */
  markDirty(): void;
}

export function coverageRule(ctx: RuleContext): CoverageFamily {
  const cfg = ctx.rules.coverageLoss;
  const model = coverageModel(ctx.pack, cfg.gridM); // sampled once, up front
  const wards = new Map(model.wards.map((w) => [w.wardId, w]));
  const serving = new Map<string, boolean>();
  const raised = new Map<string, { pct: number; severity: Severity; down: number }>();
  let dirty = true;
  let lastRun = -Infinity;
  let latest: WardCoverage[] = [];
  const techLabel = cfg.techs.join('/');

  function run(now: number): void {
    const t0 = performance.now();
    latest = coverageByWard(ctx.pack, [...ctx.registry.stations.values()], cfg.techs, { gridM: cfg.gridM });
    for (const w of latest) {
      const key = PREFIX + w.wardId;
      if (w.uncoveredPct < cfg.minUncoveredPct) {
        if (ctx.alerts.clear(key, now, `coverage loss below ${cfg.minUncoveredPct}%`)) raised.delete(w.wardId);
        continue;
      }
      const severity: Severity = w.uncoveredPct >= cfg.criticalPct ? 'critical' : cfg.severity;
      const prev = raised.get(w.wardId);
      const changed = !prev || Math.abs(prev.pct - w.uncoveredPct) >= 1 || prev.severity !== severity || prev.down !== w.coveredByDown;
      if (!changed && ctx.alerts.isActive(key)) continue;
      const ward = wards.get(w.wardId)!;
      ctx.alerts.raise(
        {
          rule: 'coverage_loss',
          dedupeKey: key,
          severity,
          title: `Mất sóng ${techLabel}: ${ward.name} (${Math.round(w.uncoveredPct)}% diện tích)`,
          source: { kind: 'ward', id: w.wardId },
          position: ward.centroid,
          wardId: w.wardId,
          data: {
            uncoveredPct: w.uncoveredPct,
            stationsDown: w.coveredByDown,
            stationIds: w.downStationIds.join(','),
            baselinePct: w.baselinePct,
            coveredPct: w.coveredPct,
          },
        },
        now,
      );
      raised.set(w.wardId, { pct: w.uncoveredPct, severity, down: w.coveredByDown });
    }
    // Stored alerts for wards no longer in the pack (pack edited between runs).
    for (const key of ctx.alerts.keysWithPrefix(PREFIX)) if (!wards.has(key.slice(PREFIX.length))) ctx.alerts.clear(key, now, 'ward no longer in the city pack');
    ctx.log.debug({ ms: round(performance.now() - t0, 2), affected: raised.size }, 'coverage recomputed');
  }

  return {
    name: 'coverage',
    onStation(s) {
      const now = stationServes(s);
      if (serving.get(s.id) !== now) {
        serving.set(s.id, now);
        dirty = true;
      }
    },
    tick(now) {
      if (!dirty || now - lastRun < MIN_INTERVAL_MS) return;
      dirty = false;
      lastRun = now;
      run(now);
    },
    latest: () => latest,
    city: () => cityCoveragePct(ctx.pack, latest, cfg.gridM),
    markDirty() {
      dirty = true;
    },
  };
}
