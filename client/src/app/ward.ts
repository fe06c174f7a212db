/**
 * The ward filter of the whole screen (issue #27.7): one ward chosen in the
 * queue's filter narrows the map, the header counts, the incidents and the
 * device summary too, not only the queue. The choice is `filters.wardId` in the
 * screen's store (./ui.ts); this module derives the narrowed picture from the
 * live store. With no ward chosen every collection is passed through as it is
 * (same identity), so nothing is copied and the map's incremental updates hold.
 *
 * Units are not narrowed: they move across wards, and the officer dispatches
 * them from anywhere. Links are not either: a fibre runs between wards.
 */
import { useMemo } from 'react';
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import type { Camera, Incident, Severity, Station } from '../../../contract/domain.js';
import type { Alert } from '../../../contract/alerts.js';
import { useKpis, useLinks } from '../live/hooks.js';
import { activeAlertCounts, alertQueue, cameraSummary, linkSummary, stationSummary, type UpTotal } from '../live/selectors.js';
import { liveStore, type ById, type LiveState, type LiveStore } from '../live/store.js';
import { alertWard } from './queue.js';
import { uiStore, useWardFilter } from './ui.js';

/** The items of `items` in ward `ward`; `items` itself when `ward` is null. Pure. */
export function inWard<T>(items: ById<T>, ward: string | null, wardOf: (item: T) => string | null): ById<T> {
  if (ward === null) return items;
  const out: Record<string, T> = {};
  for (const id in items) if (wardOf(items[id]!) === ward) out[id] = items[id]!;
  return out;
}

const deviceWard = (d: Camera | Station) => d.wardId;
const incidentWard = (i: Incident) => i.wardId;

/** inWard remembered per (collection, ward): a store update that left a collection alone costs nothing. */
function narrower<T>(wardOf: (item: T) => string | null): (items: ById<T>, ward: string | null) => ById<T> {
  let last: { items: ById<T>; ward: string | null; out: ById<T> } | null = null;
  return (items, ward) => {
    if (last && last.items === items && last.ward === ward) return last.out;
    last = { items, ward, out: inWard(items, ward, wardOf) };
    return last.out;
  };
}

/** The live state narrowed to a ward (the same object when no ward is chosen). */
function wardNarrower(): (s: LiveState, ward: string | null) => LiveState {
  const cameras = narrower<Camera>(deviceWard);
  const stations = narrower<Station>(deviceWard);
  const alerts = narrower<Alert>(alertWard);
  const incidents = narrower<Incident>(incidentWard);
  return (s, ward) => (ward === null ? s : { ...s, cameras: cameras(s.cameras, ward), stations: stations(s.stations, ward), alerts: alerts(s.alerts, ward), incidents: incidents(s.incidents, ward) });
}

/**
 * A store that mirrors the live one narrowed to the chosen ward: the map is fed
 * from it (client/src/map/MapView.tsx), so its sources hold only the ward's
 * devices, alerts and incidents, and the hooks below read it for the queue, the
 * counts and the incidents.
 */
function wardLiveStore(live: LiveStore = liveStore): LiveStore {
  const narrow = wardNarrower();
  const ward = () => uiStore.getState().filters.wardId;
  const store = createStore<LiveState>()(() => narrow(live.getState(), ward()));
  const update = () => {
    const next = narrow(live.getState(), ward());
    if (next !== store.getState()) store.setState(next, true);
  };
  live.subscribe(update);
  uiStore.subscribe((s, prev) => s.filters.wardId !== prev.filters.wardId && update());
  return store as LiveStore;
}

/** The narrowed live store, made once: the map and every hook below read it, so a delta is narrowed once, not once per reader. */
let wardStore: LiveStore | null = null;
export const wardMapStore = (): LiveStore => (wardStore ??= wardLiveStore());
const useWardLive = <T>(selector: (s: LiveState) => T): T => useStore(wardMapStore(), selector);

const useWardAlerts = (): ById<Alert> => useWardLive((s) => s.alerts);
export const useWardIncidents = (): ById<Incident> => useWardLive((s) => s.incidents);

/** The queue's alerts in order (live/selectors.ts alertQueue), in the chosen ward. */
export function useWardAlertQueue(): Alert[] {
  const alerts = useWardAlerts();
  return useMemo(() => alertQueue(alerts), [alerts]);
}

/** The header's unacknowledged alerts per severity, in the chosen ward. */
export function useWardActiveAlertCounts(): Record<Severity, number> {
  const alerts = useWardAlerts();
  return useMemo(() => activeAlertCounts(alerts), [alerts]);
}

/** Open incidents per severity: the server's KPI for the city, counted here for a ward (the same rule: not resolved, not closed). */
export function useWardOpenIncidents(): Record<Severity, number> | null {
  const ward = useWardFilter();
  const kpis = useKpis();
  // Read only while a ward is chosen: the city's figure is the server's, and the header need not redraw on every delta.
  const incidents = useWardLive((s) => (ward === null ? null : s.incidents));
  return useMemo(() => {
    if (incidents === null) return kpis?.openIncidents ?? null;
    const n: Record<Severity, number> = { critical: 0, major: 0, minor: 0, info: 0 };
    for (const i of Object.values(incidents)) if (i.status !== 'resolved' && i.status !== 'closed') n[i.severity] += 1;
    return n;
  }, [kpis, incidents]);
}

/** Camera availability (%): the server's KPI for the city, counted here for a ward by the same rule (server/kpis.ts). */
export function useWardCameraAvailability(): number | null {
  const ward = useWardFilter();
  const kpis = useKpis();
  // As above: camera telemetry is the busiest stream, and the city's figure does not need it.
  const cameras = useWardLive((s) => (ward === null ? null : s.cameras));
  return useMemo(() => (cameras === null ? (kpis?.cameraAvailabilityPct ?? null) : cameraAvailability(cameras)), [kpis, cameras]);
}

/** Cameras not offline and not stale, of those whose state is known; null when none is known. Pure. */
export function cameraAvailability(cameras: ById<Camera>): number | null {
  let known = 0;
  let up = 0;
  for (const id in cameras) {
    const c = cameras[id]!;
    if (c.state === 'unknown') continue;
    known += 1;
    if (c.state !== 'offline' && !c.stale) up += 1;
  }
  return known === 0 ? null : (up / known) * 100;
}

/** Device up/total per family, in the chosen ward (links stay city-wide). */
export function useWardDeviceSummary(): { cameras: UpTotal; stations: UpTotal; links: UpTotal } {
  const ward = useWardFilter();
  const cameras = useWardLive((s) => s.cameras);
  const stations = useWardLive((s) => s.stations);
  const links = useLinks();
  // The city-wide summaries are incremental (selectors.ts); a ward's are counted afresh, over its few devices.
  const cam = useMemo(() => (ward === null ? cameraSummary(cameras) : upTotal(cameras, 'online', 'offline')), [cameras, ward]);
  const sta = useMemo(() => (ward === null ? stationSummary(stations) : upTotal(stations, 'up', 'down')), [stations, ward]);
  const lnk = useMemo(() => linkSummary(links), [links]);
  return { cameras: cam, stations: sta, links: lnk };
}

function upTotal(items: ById<{ state: string }>, upState: string, downState: string): UpTotal {
  let up = 0;
  let down = 0;
  let total = 0;
  for (const id in items) {
    total += 1;
    if (items[id]!.state === upState) up += 1;
    else if (items[id]!.state === downState) down += 1;
  }
  return { up, total, down };
}
