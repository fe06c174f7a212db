/**
 * Digital-government indicators (issue #23 part 2): the registry an operator keeps in
 * config (INDICATORS_FILE, default config/indicators.json), the value message that feeds them
 * (`ioc/v1/kpi/{indicatorId}` over MQTT, `POST /api/indicators/{id}/values` over HTTP), and
 * what `GET /api/indicators` answers. Each value belongs to one period, `YYYY-MM` (monthly)
 * or `YYYY-Qn` (quarterly); a later value for the same period replaces the earlier one.
 */
import { z } from 'zod';
import { RADIO_TECHS } from './domain.js';

export const INDICATOR_PERIODS = ['monthly', 'quarterly'] as const;
export type IndicatorPeriod = (typeof INDICATOR_PERIODS)[number];

/** What the system computes itself, from the live picture (server/indicators/). */
export const indicatorComputed = z.discriminatedUnion('kind', [
  /** Share of the stations carrying this technology that are up (or degraded) and not silent. */
  z.strictObject({ kind: z.literal('station_availability'), tech: z.enum(RADIO_TECHS) }),
  /** Share of the fiber links that are up (or degraded) and not silent. */
  z.strictObject({ kind: z.literal('links_up') }),
]);
export type IndicatorComputed = z.infer<typeof indicatorComputed>;

export const indicatorDef = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'id: letters, digits, "_", "-", "." (it is an MQTT topic level)'),
  name: z.strictObject({ vi: z.string().min(1).max(160), en: z.string().min(1).max(160) }),
  unit: z.string().max(24),
  target: z.number().finite(),
  /** Which way is better: a rate that should rise, or a rank that should fall. */
  direction: z.enum(['higher', 'lower']),
  period: z.enum(INDICATOR_PERIODS),
  /** Who reports it (shown under the figure), or `system` for a computed one. */
  source: z.string().min(1).max(160),
  computed: indicatorComputed.optional(),
});
export type IndicatorDef = z.infer<typeof indicatorDef>;

export const indicatorRegistry = z
  .array(indicatorDef)
  .max(200)
  .refine((a) => new Set(a.map((d) => d.id)).size === a.length, { message: 'indicator ids must be unique' });

const PERIOD_RE = /^(\d{4})-(0[1-9]|1[0-2]|Q[1-4])$/;

/** One value of one indicator: the MQTT payload and, without the envelope, the HTTP body. */
export const kpiValuePayload = z.strictObject({
  /** Per-sender counter (MQTT envelope, docs/protocol.md §1.4); 0 over HTTP. */
  seq: z.number().int().nonnegative(),
  /** When the value was measured or published (epoch ms). */
  ts: z.number().int().nonnegative(),
  /** The period the value is for: `2026-11` (monthly) or `2026-Q4` (quarterly), as the indicator's period. */
  period: z.string().regex(PERIOD_RE, 'period: YYYY-MM or YYYY-Qn'),
  value: z.number().finite().min(-1e9).max(1e9),
  /** Plausible figures shipped with the demo, shown as such (never mistaken for the province's own). */
  demo: z.boolean().optional(),
});
export type KpiValuePayload = z.infer<typeof kpiValuePayload>;

/** `POST /api/indicators/{id}/values`: one value, or several (a year's history at once). */
export const kpiValueBody = z.strictObject({ period: kpiValuePayload.shape.period, value: kpiValuePayload.shape.value, demo: z.boolean().optional() });
export const kpiValueList = z.array(kpiValueBody).min(1).max(120);

export interface IndicatorPoint {
  period: string;
  value: number;
  demo: boolean;
}

/** One indicator as `GET /api/indicators` lists it. */
export interface IndicatorView extends IndicatorDef {
  latest: IndicatorPoint | null;
  /** Up to 12 periods, oldest first, ending with the latest. */
  trend: IndicatorPoint[];
  /** Whether the latest value meets the target (null: no value yet). */
  met: boolean | null;
}

/** Whether a value meets an indicator's target, in its direction. */
export function meetsTarget(def: Pick<IndicatorDef, 'target' | 'direction'>, value: number): boolean {
  return def.direction === 'higher' ? value >= def.target : value <= def.target;
}

/** Whether a period label is of the indicator's period kind. */
export function periodFits(label: string, period: IndicatorPeriod): boolean {
  const m = PERIOD_RE.exec(label);
  return !!m && (period === 'quarterly') === m[2]!.startsWith('Q');
}

/** The period label a moment falls in, in the city's time zone. */
export function periodOf(ts: number, timeZone: string, period: IndicatorPeriod): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' }).formatToParts(new Date(ts));
  const y = parts.find((p) => p.type === 'year')!.value;
  const m = Number(parts.find((p) => p.type === 'month')!.value);
  return period === 'monthly' ? `${y}-${String(m).padStart(2, '0')}` : `${y}-Q${Math.ceil(m / 3)}`;
}

/** The key a period is stored under: midnight UTC of its first day (the label, not a local instant). */
export function periodStart(label: string): number {
  const m = PERIOD_RE.exec(label);
  if (!m) throw new Error(`not a period: ${label}`);
  const month0 = m[2]!.startsWith('Q') ? (Number(m[2]!.slice(1)) - 1) * 3 : Number(m[2]) - 1;
  return Date.UTC(Number(m[1]), month0, 1);
}

/** The label of the period stored at `start` (periodStart's inverse). */
export function periodLabel(start: number, period: IndicatorPeriod): string {
  const d = new Date(start);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  return period === 'monthly' ? `${y}-${String(m).padStart(2, '0')}` : `${y}-Q${Math.ceil(m / 3)}`;
}

/** The `n` periods ending with `label`, oldest first. */
export function periodsEnding(label: string, period: IndicatorPeriod, n: number): string[] {
  const start = new Date(periodStart(label));
  const step = period === 'monthly' ? 1 : 3;
  const out: string[] = [];
  for (let i = n - 1; i >= 0; i--) out.push(periodLabel(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() - i * step, 1), period));
  return out;
}
