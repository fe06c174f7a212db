/**
 * Live KPIs: open incidents by severity, active alerts, today's mean time to
 * acknowledge and to resolve (local day of the city), camera and station
 * availability, and coverage (from the coverage rule when it runs).
 */
import type { Alert, Incident, Kpis } from '../contract/index.js';
import type { Registry } from './registry/registry.js';

function pct(n: number, d: number): number | null {
  return d === 0 ? null : Math.round((n / d) * 1000) / 10;
}

/** Epoch ms of the last local midnight in the given UTC offset (Vietnam: +7 h, no DST). */
export function startOfLocalDay(now: number, utcOffsetMin = 420): number {
  const off = utcOffsetMin * 60_000;
  return Math.floor((now + off) / 86_400_000) * 86_400_000 - off;
}

export function deviceKpis(registry: Registry): Pick<Kpis, 'cameraAvailabilityPct' | 'stationAvailabilityPct'> {
  let camsKnown = 0;
  let camsUp = 0;
  for (const c of registry.cameras.values()) {
    if (c.state === 'unknown') continue;
    camsKnown++;
    if (c.state !== 'offline' && !c.stale) camsUp++;
  }
  let stKnown = 0;
  let stUp = 0;
  for (const s of registry.stations.values()) {
    if (s.state === 'unknown') continue;
    stKnown++;
    if (s.state !== 'down' && !s.stale) stUp++;
  }
  return { cameraAvailabilityPct: pct(camsUp, camsKnown), stationAvailabilityPct: pct(stUp, stKnown) };
}

export function computeKpis(input: { registry: Registry; alerts: Alert[]; incidents: Incident[]; coveragePct: number | null; now: number }): Kpis {
  const openIncidents = { critical: 0, major: 0, minor: 0, info: 0 };
  const today = startOfLocalDay(input.now);
  const ack: number[] = [];
  const res: number[] = [];
  for (const i of input.incidents) {
    if (i.status !== 'resolved' && i.status !== 'closed') openIncidents[i.severity]++;
    if (i.createdAt < today) continue;
    if (i.acknowledgedAt !== null) ack.push(i.acknowledgedAt - i.createdAt);
    if (i.resolvedAt !== null) res.push(i.resolvedAt - i.createdAt);
  }
  const mean = (xs: number[]) => (xs.length ? Math.round(xs.reduce((a, b) => a + b, 0) / xs.length / 1000) : null);
  return {
    openIncidents,
    activeAlerts: input.alerts.filter((a) => a.state === 'active').length,
    mttaS: mean(ack),
    mttrS: mean(res),
    coveragePct: input.coveragePct,
    ...deviceKpis(input.registry),
  };
}
