/**
 * Digital-government indicators (contract/indicators.ts): values in (MQTT `kpi.value` on the
 * bus, or HTTP through accept()), kept in InfluxDB, read back for `GET /api/indicators`.
 *
 * Storage: measurement `kpi` in the retention policy `kpi` (kept forever: a few points a month
 * an indicator, and the trend needs years of quarters, past the raw policy's 30 days). One point
 * per indicator and period, stamped with the period's start (contract periodStart), so a
 * correction for a period replaces its value. These points are written straight to InfluxDB,
 * not through the spool (whose batches go to the raw policy): a write that fails is kept in
 * memory and tried again every few seconds.
 *
 * Computed indicators (station availability per technology, fiber links up) are sampled from
 * the live picture every INDICATOR_SAMPLE_S by the instance that leads; the period's value is
 * the mean of its samples, carried across restarts by the sample count stored with it.
 */
import type { InfluxDB, IPoint } from 'influx';
import { periodFits, periodLabel, periodOf, periodsEnding, periodStart, meetsTarget, type IndicatorDef, type IndicatorPoint, type IndicatorView, type KpiValuePayload } from '../../contract/indicators.js';
import type { Link, Station } from '../../contract/index.js';
import type { EventBus } from '../bus.js';
import { RP_KPI } from '../influx/schema.js';
import type { Logger } from '../log.js';

const OWNER = 'indicators';
const MEASUREMENT = 'kpi';
const RETRY_MS = 5_000;
const MAX_PENDING = 10_000;
const TREND = 12;
const FIRST_SAMPLE_MS = 30_000;

export interface IndicatorsDeps {
  defs: IndicatorDef[];
  influx: InfluxDB;
  bus: EventBus;
  /** The city's time zone: which month "now" is in. */
  timeZone: string;
  stations: () => Iterable<Station>;
  links: () => Iterable<Link>;
  /** Whether this instance writes (it leads, or runs alone). */
  leads: () => boolean;
  sampleMs: number;
  log: Logger;
  now: () => number;
}

export type IndicatorRefusal = { reason: 'unknown_indicator' | 'wrong_period' | 'computed'; detail: string };

/** The share (%) of the live picture a computed indicator measures, or null when nothing is known yet. */
export function computedValue(def: IndicatorDef, stations: Iterable<Station>, links: Iterable<Link>): number | null {
  const c = def.computed;
  if (!c) return null;
  let up = 0;
  let known = 0;
  const count = (state: string, stale: boolean) => {
    if (state === 'unknown') return;
    known++;
    if ((state === 'up' || state === 'degraded') && !stale) up++;
  };
  if (c.kind === 'station_availability') {
    for (const s of stations) if (s.techs.includes(c.tech)) count(s.state, s.stale);
  } else {
    for (const l of links) count(l.state, l.stale);
  }
  return known === 0 ? null : Math.round((up / known) * 10_000) / 100;
}

export class Indicators {
  private readonly byId: Map<string, IndicatorDef>;
  private readonly pending: IPoint[] = [];
  /** The running mean of each computed indicator's current period. */
  private readonly running = new Map<string, { period: string; value: number; n: number }>();
  private sampleTimer: NodeJS.Timeout | null = null;
  private firstSample: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private flushing = false;

  constructor(private readonly d: IndicatorsDeps) {
    this.byId = new Map(d.defs.map((x) => [x.id, x]));
  }

  get defs(): IndicatorDef[] {
    return this.d.defs;
  }

  /** Why a value may not be taken for this indicator, or null. */
  refusal(id: string, p: Pick<KpiValuePayload, 'period' | 'demo'>): IndicatorRefusal | null {
    const def = this.byId.get(id);
    if (!def) return { reason: 'unknown_indicator', detail: `no indicator ${id.slice(0, 64)} in the registry (INDICATORS_FILE)` };
    if (!periodFits(p.period, def.period)) return { reason: 'wrong_period', detail: `${def.id} is ${def.period}: period ${def.period === 'monthly' ? 'YYYY-MM' : 'YYYY-Qn'}, not ${p.period}` };
    // The system measures these itself; only the demo's history of earlier periods may be given.
    if (def.computed && (!p.demo || p.period === periodOf(this.d.now(), this.d.timeZone, def.period))) {
      return { reason: 'computed', detail: `${def.id} is computed by the system from the live picture` };
    }
    return null;
  }

  async start(): Promise<void> {
    this.d.bus.on('kpi.value', OWNER, (e) => {
      // The router has checked it (registerCheck): this is the write.
      void this.accept(e.id, e.payload).catch((err: Error) => this.d.log.error({ err: err.message, indicator: e.id }, 'indicator value not stored'));
    });
    await this.loadRunning().catch((err: Error) => this.d.log.warn({ err: err.message }, 'computed indicators start their period afresh'));
    // A first sample soon after start (once devices have reported), then every sampleMs.
    this.firstSample = setTimeout(() => this.sample(), Math.min(this.d.sampleMs, FIRST_SAMPLE_MS));
    this.firstSample.unref();
    this.sampleTimer = setInterval(() => this.sample(), this.d.sampleMs);
    this.sampleTimer.unref();
    this.retryTimer = setInterval(() => void this.flush(), RETRY_MS);
    this.retryTimer.unref();
  }

  stop(): void {
    this.d.bus.removeOwner(OWNER);
    if (this.sampleTimer) clearInterval(this.sampleTimer);
    if (this.firstSample) clearTimeout(this.firstSample);
    if (this.retryTimer) clearInterval(this.retryTimer);
  }

  /** Stores one value; resolves once InfluxDB has it (a failed write is kept and tried again). */
  async accept(id: string, p: Pick<KpiValuePayload, 'period' | 'value' | 'demo'>, n?: number): Promise<void> {
    const point: IPoint = {
      measurement: MEASUREMENT,
      tags: { indicator: id },
      fields: { value: p.value, period: p.period, demo: p.demo ?? false, ...(n !== undefined ? { n } : {}) },
      timestamp: new Date(periodStart(p.period)),
    };
    this.pending.push(point);
    if (this.pending.length > MAX_PENDING) this.pending.splice(0, this.pending.length - MAX_PENDING);
    await this.flush(true);
  }

  private async flush(mustSucceed = false): Promise<void> {
    if (this.pending.length === 0) return;
    if (this.flushing && !mustSucceed) return;
    this.flushing = true;
    const batch = this.pending.splice(0, this.pending.length);
    try {
      await this.d.influx.writePoints(batch, { retentionPolicy: RP_KPI, precision: 'ms' });
    } catch (err) {
      this.pending.unshift(...batch);
      if (mustSucceed) throw err;
      this.d.log.warn({ err: (err as Error).message, pending: this.pending.length }, 'indicator values wait for InfluxDB');
    } finally {
      this.flushing = false;
    }
  }

  /** One sample of every computed indicator into its period's running mean. */
  sample(): void {
    try {
      this.sampleOnce();
    } catch (err) {
      this.d.log.error({ err }, 'sampling the computed indicators failed');
    }
  }

  private sampleOnce(): void {
    if (!this.d.leads()) return;
    const now = this.d.now();
    for (const def of this.d.defs) {
      const v = computedValue(def, this.d.stations(), this.d.links());
      if (v === null) continue;
      const period = periodOf(now, this.d.timeZone, def.period);
      const cur = this.running.get(def.id);
      const next = cur && cur.period === period ? { period, n: cur.n + 1, value: (cur.value * cur.n + v) / (cur.n + 1) } : { period, n: 1, value: v };
      this.running.set(def.id, next);
      void this.accept(def.id, { period, value: Math.round(next.value * 100) / 100 }, next.n).catch((err: Error) => this.d.log.warn({ err: err.message, indicator: def.id }, 'computed indicator not stored yet'));
    }
  }

  private async loadRunning(): Promise<void> {
    const computed = this.d.defs.filter((x) => x.computed);
    if (computed.length === 0) return;
    const now = this.d.now();
    for (const def of computed) {
      const period = periodOf(now, this.d.timeZone, def.period);
      const rows = await this.d.influx.query<{ value: number; n: number | null }>(
        `SELECT "value", "n" FROM "${RP_KPI}"."${MEASUREMENT}" WHERE "indicator" = '${def.id}' AND time = ${periodStart(period)}ms`,
      );
      const r = rows[0];
      if (r && typeof r.value === 'number' && typeof r.n === 'number' && r.n > 0) this.running.set(def.id, { period, value: r.value, n: r.n });
    }
  }

  /** Every indicator with its latest value, its last 12 periods and whether it meets its target. */
  async list(): Promise<IndicatorView[]> {
    const now = this.d.now();
    // Bounded in time (STACK-NOTES: unbounded queries across shards are slow): 12 quarters and a margin.
    const from = now - 4 * 366 * 86_400_000;
    const rows = await this.d.influx.query<{ time: Date; indicator: string; value: number; demo: boolean | null }>(
      `SELECT "value", "demo" FROM "${RP_KPI}"."${MEASUREMENT}" WHERE time >= ${from}ms GROUP BY "indicator" ORDER BY time DESC LIMIT ${TREND}`,
    );
    const points = new Map<string, Map<string, IndicatorPoint>>();
    for (const r of rows) {
      const def = this.byId.get(r.indicator);
      if (!def || typeof r.value !== 'number') continue;
      const period = periodLabel(r.time.getTime(), def.period);
      const m = points.get(def.id) ?? new Map<string, IndicatorPoint>();
      m.set(period, { period, value: r.value, demo: r.demo === true });
      points.set(def.id, m);
    }
    return this.d.defs.map((def) => {
      const m = points.get(def.id) ?? new Map<string, IndicatorPoint>();
      const latestPeriod = [...m.keys()].sort().at(-1);
      const trend = latestPeriod ? periodsEnding(latestPeriod, def.period, TREND).flatMap((p) => (m.has(p) ? [m.get(p)!] : [])) : [];
      const latest = trend.at(-1) ?? null;
      return { ...def, latest, trend, met: latest ? meetsTarget(def, latest.value) : null };
    });
  }
}
