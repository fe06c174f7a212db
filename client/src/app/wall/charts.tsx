/** Hand-drawn SVG charts for the wall: a line over 24 h and a horizontal bar. Scale with their box. */
export function LineChart(props: { points: [number, number | null][]; color: string; label: string; value: string; max?: number; testId?: string }) {
  const W = 400;
  const H = 120;
  const vals = props.points.map(([, v]) => v).filter((v): v is number => v !== null);
  const max = props.max ?? Math.max(1, ...vals);
  const n = Math.max(1, props.points.length - 1);
  let d = '';
  let pen = false;
  props.points.forEach(([, v], i) => {
    if (v === null) {
      pen = false;
      return;
    }
    const x = (i / n) * W;
    const y = H - (Math.min(v, max) / max) * (H - 6) - 3;
    d += `${pen ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`;
    pen = true;
  });
  const area = d ? `${d}L${W},${H}L0,${H}Z` : '';
  return (
    <figure className="wchart" data-testid={props.testId}>
      <figcaption>
        <span className="wchart__label">{props.label}</span>
        <span className="wchart__value">{props.value}</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" aria-hidden="true">
        <line x1="0" x2={W} y1={H - 1} y2={H - 1} className="wchart__axis" />
        {area && <path d={area} fill={props.color} opacity="0.18" />}
        {d && <path d={d} fill="none" stroke={props.color} strokeWidth="3" vectorEffect="non-scaling-stroke" />}
      </svg>
    </figure>
  );
}

/** One row: label, a bar of `value` out of `max`, the figure. */
export function Bar(props: { label: string; value: number; max: number; figure: string; color: string; alarm?: boolean; testId?: string }) {
  const pct = props.max > 0 ? Math.max(0, Math.min(100, (props.value / props.max) * 100)) : 0;
  return (
    <div className="wbar" data-testid={props.testId}>
      <span className="wbar__label">{props.label}</span>
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
