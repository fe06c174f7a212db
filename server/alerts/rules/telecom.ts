/**
 * Telecom state rules: raised on the transition, cleared when the state recovers.
 * No timers: a station reporting "down" is down (unlike a camera blip, an operator's
 * own NMS has already filtered it).
 *
 * - station down (state "down", or stale: silent past its interval): `station_down:${id}`
 * - on battery below belowPct: `station_battery:${id}`; clears on mains or when ≥ belowPct
 * - backhaul down: `backhaul_down:${id}`
 * - link down: `link_down:${id}`; a commune link (to a ward) down means the ward is cut
 *   off, so it takes the `commune` severity.
 * A device in state "unknown" (never heard from) is not judged either way.
 */
import type { Link, LngLat, Station } from '../../../contract/index.js';
import { deviceKeys } from '../../keys.js';
import { round, type RuleContext, type RuleFamily } from './context.js';

const downKeyOf = deviceKeys('station_down:');
const battKeyOf = deviceKeys('station_battery:');
const bhKeyOf = deviceKeys('backhaul_down:');
const linkKeyOf = deviceKeys('link_down:');

/** What every station alert says of its station; built only when one is raised (most calls are heartbeats). */
const stationBase = (s: Station) => ({ source: { kind: 'station' as const, id: s.id }, position: s.position, wardId: s.wardId });

export function telecomRules(ctx: RuleContext): RuleFamily & { reconcile(now: number): void } {
  const r = ctx.rules;
  const wardName = new Map(ctx.pack.wards.features.map((f) => [f.properties.id, f.properties.name]));
  const linkKind = new Map(ctx.pack.sites.links.map((l) => [l.id, l.kind]));

  function onStation(s: Station, now: number): void {
    if (s.state === 'unknown' && !s.stale) return;

    const downKey = downKeyOf(s.id);
    if (s.state === 'down' || s.stale) {
      ctx.alerts.raiseOnce(
        {
          ...stationBase(s),
          rule: 'station_down',
          dedupeKey: downKey,
          severity: r.stationDown.severity,
          title: s.state === 'down' ? `Trạm phát sóng ngừng hoạt động: ${s.name}` : `Mất liên lạc với trạm phát sóng: ${s.name}`,
          data: { reason: s.state === 'down' ? 'down' : 'stale', operator: s.operator ?? '' },
        },
        now,
      );
    } else ctx.alerts.clear(downKey, now, 'station up');

    const battKey = battKeyOf(s.id);
    if (s.power === 'battery' && s.batteryPct !== null && s.batteryPct < r.stationBattery.belowPct) {
      ctx.alerts.raiseOnce(
        {
          ...stationBase(s),
          rule: 'station_battery',
          dedupeKey: battKey,
          severity: r.stationBattery.severity,
          title: `Trạm chạy ắc quy, pin yếu: ${s.name} (${round(s.batteryPct)}%)`,
          data: { batteryPct: round(s.batteryPct, 1) },
        },
        now,
      );
    } else if (s.power === 'mains' || (s.batteryPct ?? 0) >= r.stationBattery.belowPct) {
      ctx.alerts.clear(battKey, now, s.power === 'mains' ? 'mains power restored' : 'battery recovered');
    }

    const bhKey = bhKeyOf(s.id);
    if (s.backhaul === 'down') {
      ctx.alerts.raiseOnce(
        { ...stationBase(s), rule: 'backhaul_down', dedupeKey: bhKey, severity: r.backhaulDown.severity, title: `Mất truyền dẫn về trạm: ${s.name}`, data: {} },
        now,
      );
    } else if (s.backhaul === 'up') ctx.alerts.clear(bhKey, now, 'backhaul up');
  }

  function onLink(l: Link, now: number): void {
    if (l.state === 'unknown') return;
    const key = linkKeyOf(l.id);
    if (l.state !== 'down') {
      ctx.alerts.clear(key, now, 'link up');
      return;
    }
    const ward = wardName.get(l.to);
    const commune = linkKind.get(l.id) === 'commune' || ward !== undefined;
    const mid: LngLat | null = l.path.length > 0 ? l.path[Math.floor((l.path.length - 1) / 2)]! : null;
    ctx.alerts.raiseOnce(
      {
        rule: 'link_down',
        dedupeKey: key,
        severity: commune ? r.linkDown.commune : r.linkDown.severity,
        title: commune && ward ? `Đứt cáp quang, ${ward} bị cô lập: ${l.name}` : `Đứt cáp quang: ${l.name}`,
        source: { kind: 'link', id: l.id },
        // The far end (the ward) is what is cut off: point there when it is a ward; else the middle of the route.
        position: commune && l.path.length > 0 ? l.path[l.path.length - 1]! : mid,
        wardId: ward !== undefined ? l.to : null,
        data: { from: l.from, to: l.to, kind: commune ? 'commune' : 'backbone' },
      },
      now,
    );
  }

  /** At start: judge the registry's current state (clears stored alerts whose device recovered while we were down). */
  function reconcile(now: number): void {
    for (const s of ctx.registry.stations.values()) onStation(s, now);
    for (const l of ctx.registry.links.values()) onLink(l, now);
  }

  return { name: 'telecom', onStation, onLink, reconcile };
}
