/**
 * Live KPIs derived from the registry. Incident and alert KPIs are added by
 * the alert engine when it exists; until then they read as zero/null.
 */
import type { Kpis } from '../../contract/index.js';
import type { Registry } from './registry.js';

function pct(n: number, d: number): number | null {
  return d === 0 ? null : Math.round((n / d) * 1000) / 10;
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
