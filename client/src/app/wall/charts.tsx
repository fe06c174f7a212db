/** Hand-drawn SVG charts for the wall: a line over 24 h and a horizontal bar. Scale with their box. */
import type { Level } from '../feedHealth.js';

/**
 * The runs of consecutive non-null points, as index/value pairs. A null is a
 * bucket without data (the server was down, a feed was silent): the line and
 * its fill stop there and start again after it, never bridge it (issue #27.6).
 */
export function segments(points: readonly (readonly [number, number | null])[]): [number, number][][] {
  const out: [number, number][][] = [];
  let run: [number, number][] | null = null;
  points.forEach(([, v], i) => {
    if (v === null) {
      run = null;
      return;
    }
    if (!run) out.push((run = []));
    run.push([i, v]);
  });
  return out;
}

/** The line and the area under it, one subpath per segment; a lone point is a dot (a zero-length round-capped stroke). */
export function linePaths(points: readonly (readonly [number, number | null])[], w: number, h: number, max: number): { line: string; area: string; runs: number } {
  const n = Math.max(1, points.length - 1);
  const x = (i: number) => ((i / n) * w).toFixed(1);
  const y = (v: number) => (h - (Math.min(v, max) / max) * (h - 6) - 3).toFixed(1);
  const runs = segments(points);
  let line = '';
  let area = '';
  for (const run of runs) {
    const [i0] = run[0]!;
    const [i1] = run[run.length - 1]!;
    line += run.map(([i, v], k) => `${k ? 'L' : 'M'}${x(i)},${y(v)}`).join('');
    if (run.length === 1) line += 'h0';
    area += `M${x(i0)},${h}${run.map(([i, v]) => `L${x(i)},${y(v)}`).join('')}L${x(i1)},${h}Z`;
  }
  return { line, area, runs: runs.length };
}

export function LineChart(props: { points: [number, number | null][]; color: string; label: string; value: string; max?: number; testId?: string }) {
  const W = 400;
  const H = 120;
  const vals = props.points.map(([, v]) => v).filter((v): v is number => v !== null);
  const max = props.max ?? Math.max(1, ...vals);
  const { line, area, runs } = linePaths(props.points, W, H, max);
  return (
    <figure className="wchart" data-testid={props.testId} data-segments={runs}>
      <figcaption>
        <span className="wchart__label">{props.label}</span>
        <span className="wchart__value">{props.value}</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" aria-hidden="true">
        <line x1="0" x2={W} y1={H - 1} y2={H - 1} className="wchart__axis" />
        {area && <path className="wchart__area" d={area} fill={props.color} opacity="0.18" />}
        {line && <path className="wchart__line" d={line} fill="none" stroke={props.color} strokeWidth="3" strokeLinecap="round" strokeLinejoin="round" vectorEffect="non-scaling-stroke" />}
      </svg>
    </figure>
  );
}

/** One row: label, a bar of `value` out of `max`, the figure. */
export function Bar(props: { label: string; value: number; max: number; figure: string; color: string; alarm?: boolean; level?: Level; testId?: string }) {
  const pct = props.max > 0 ? Math.max(0, Math.min(100, (props.value / props.max) * 100)) : 0;
  return (
    <div className="wbar" data-testid={props.testId} data-level={props.level}>
      <span className="wbar__label" title={props.label}>{props.label}</span>
      <span className="wbar__track">
        <span className="wbar__fill" style={{ width: `${pct}%`, background: props.color }} />
      </span>
      <span className="wbar__figure" style={props.alarm ? { color: 'var(--critical-text)' } : undefined}>{props.figure}</span>
    </div>
  );
}

/** A colour from green (100 %) through amber to red (≤ 60 %). */
export function healthColor(pct: number | null): string {
  if (pct === null) return 'var(--text-faint)';
  if (pct >= 95) return 'var(--ok)';
  if (pct >= 80) return 'var(--minor)';
  if (pct >= 60) return 'var(--major)';
  return 'var(--critical)';
}

/** The console's three levels (KpiBar: warn below one threshold, bad below another) and their colours. */
export const LEVEL_COLOR: Record<Level, string> = { ok: 'var(--ok)', warn: 'var(--warn)', bad: 'var(--critical)' };

/**
 * A ward's mobile coverage as a level: under 60 % of its population covered is
 * bad, under 90 % warn; a ward that has lost coverage it normally has (an open
 * coverage_loss alert) is bad whatever its figure.
 */
export function coverageLevel(coveredPct: number, uncoveredPct: number): Level {
  if (uncoveredPct > 0 || coveredPct < 60) return 'bad';
  return coveredPct < 90 ? 'warn' : 'ok';
}
