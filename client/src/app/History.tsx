/**
 * A device's recent history from /api/history as an SVG sparkline, with a last
 * hour / last day toggle and a choice of field. Refreshed every minute while shown.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatNumber, formatTime } from '../i18n/format.js';
import { apiData } from './api.js';
import { useTimeZone } from './timezone.js';

export type Measurement = 'camera_status' | 'station_status' | 'link_status';
type Range = 'hour' | 'day';
const RANGE_MS: Record<Range, number> = { hour: 3_600_000, day: 86_400_000 };
const REFRESH_MS = 60_000;

export type Point = [t: number, v: number | null];

export function History({ measurement, id, fields }: { measurement: Measurement; id: string; fields: string[] }) {
  const { t } = useTranslation();
  const [range, setRange] = useState<Range>('hour');
  const [field, setField] = useState(fields[0]!);
  const [points, setPoints] = useState<Point[] | null>(null);
  const [bucketMs, setBucketMs] = useState(0);
  const [failed, setFailed] = useState(false);

  useEffect(() => setField(fields[0]!), [fields]);
  useEffect(() => {
    let current = true;
    const load = () => {
      const to = Date.now();
      const q = new URLSearchParams({ measurement, id, field, from: String(to - RANGE_MS[range]), to: String(to) });
      apiData<{ points: Point[]; rollup?: string }>(`/api/history?${q}`)
        .then((d) => {
          if (!current) return;
          setPoints(d.points);
          setBucketMs(rollupMs(d.rollup));
          setFailed(false);
        })
        .catch(() => current && setFailed(true));
    };
    setPoints(null);
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [measurement, id, field, range]);

  return (
    <section className="detail__section history" data-testid="history" data-field={field} data-range={range} data-points={points?.length ?? ''}>
      <div className="history__bar">
        <h3 className="detail__h3">{t('ops.detail.history')}</h3>
        <select className="qfilters__select" value={field} aria-label={t('ops.detail.history')} onChange={(e) => setField(e.target.value)}>
          {fields.map((f) => (
            <option key={f} value={f}>
              {t(`ops.detail.field.${f}`)}
            </option>
          ))}
        </select>
        <div className="seg" role="group">
          {(['hour', 'day'] as const).map((r) => (
            <button key={r} type="button" className="seg__btn" aria-pressed={range === r} data-range={r} onClick={() => setRange(r)}>
              {t(`ops.detail.${r}`)}
            </button>
          ))}
        </div>
      </div>
      {failed ? (
        <p className="muted">{t('ops.detail.historyError')}</p>
      ) : points === null ? (
        <p className="muted">{t('ops.detail.loading')}</p>
      ) : points.filter((p) => p[1] !== null).length < 2 ? (
        <p className="muted">{t('ops.detail.noHistory')}</p>
      ) : (
        <Sparkline points={points} from={Date.now() - RANGE_MS[range]} to={Date.now()} gapMs={gapThresholdMs(points, bucketMs)} />
      )}
    </section>
  );
}

/**
 * The longest step between two points that the line still joins. The server
 * leaves out buckets without data (fill(none)), so a silent hour is two points
 * an hour apart: joining them draws a ramp the device never reported (issue
 * #27.6). A step longer than three times the usual one (the median), and at
 * least two buckets, is a gap.
 */
export function gapThresholdMs(points: readonly Point[], bucketMs = 0): number {
  const times = points.filter((p) => p[1] !== null).map((p) => p[0]);
  const steps = times.slice(1).map((t, i) => t - times[i]!).sort((a, b) => a - b);
  const median = steps.length ? steps[Math.floor(steps.length / 2)]! : 0;
  return Math.max(2 * bucketMs, 3 * median);
}

/** Scales points into a W×H box; pure, unit-tested. Gaps (null, or a step past gapMs) break the line. */
export function sparkPaths(points: readonly Point[], from: number, to: number, w: number, h: number, gapMs = Infinity): { line: string; min: number; max: number; last: number; runs: number } | null {
  const vals = points.filter((p): p is [number, number] => p[1] !== null);
  if (vals.length === 0) return null;
  let min = Math.min(...vals.map((p) => p[1]));
  let max = Math.max(...vals.map((p) => p[1]));
  if (min === max) {
    min -= 1;
    max += 1;
  }
  const x = (t: number) => ((t - from) / Math.max(1, to - from)) * w;
  const y = (v: number) => h - ((v - min) / (max - min)) * h;
  let line = '';
  let pen = false;
  let prev = -Infinity;
  let runs = 0;
  let alone = false;
  for (const [t, v] of points) {
    if (v === null) {
      pen = false;
      continue;
    }
    if (pen && t - prev > gapMs) pen = false;
    if (!pen) {
      // A point with no neighbour in its run is a dot: a zero-length stroke with a round cap.
      if (alone) line += 'h0';
      runs++;
    }
    alone = !pen;
    line += `${pen ? 'L' : 'M'}${x(t).toFixed(1)} ${y(v).toFixed(1)}`;
    pen = true;
    prev = t;
  }
  if (alone) line += 'h0';
  return { line, min: Math.min(...vals.map((p) => p[1])), max: Math.max(...vals.map((p) => p[1])), last: vals[vals.length - 1]![1], runs };
}

/** The server's bucket ('10s', '1m', '1h') in ms; 0 when it is not said. */
function rollupMs(rollup: string | undefined): number {
  const m = /^(\d+)([smh])$/.exec(rollup ?? '');
  return m ? Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h'] : 0;
}

function Sparkline({ points, from, to, gapMs }: { points: Point[]; from: number; to: number; gapMs: number }) {
  const { i18n } = useTranslation();
  const tz = useTimeZone();
  const W = 300;
  const H = 60;
  const p = sparkPaths(points, from, to, W, H, gapMs);
  if (!p) return null;
  const n = (v: number) => formatNumber(Math.round(v * 10) / 10, i18n.language);
  return (
    <figure className="spark" data-segments={p.runs}>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" className="spark__svg" role="img" aria-label={`${n(p.min)} – ${n(p.max)}`}>
        <path d={p.line} className="spark__line" vectorEffect="non-scaling-stroke" />
      </svg>
      <figcaption className="spark__caption">
        <span>{formatTime(from, i18n.language, tz)}</span>
        <span>
          min {n(p.min)} · max {n(p.max)} · <strong>{n(p.last)}</strong>
        </span>
        <span>{formatTime(to, i18n.language, tz)}</span>
      </figcaption>
    </figure>
  );
}
