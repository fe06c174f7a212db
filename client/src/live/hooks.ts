/**
 * One typed hook per stream (CONVENTIONS 7). Each selects one collection by
 * identity, so a component re-renders only when its collection changed; derived
 * views are memoised on that identity.
 */
import { useMemo } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { liveStore, type LiveState } from './store.js';
import { activeAlertCounts, alertQueue, cameraSummary, linkSummary, stationSummary } from './selectors.js';

const useLive = <T>(selector: (s: LiveState) => T): T => useStore(liveStore, selector);

export const useCameras = () => useLive((s) => s.cameras);
export const useStations = () => useLive((s) => s.stations);
export const useLinks = () => useLive((s) => s.links);
export const useAlerts = () => useLive((s) => s.alerts);
export const useIncidents = () => useLive((s) => s.incidents);
export const useUnits = () => useLive((s) => s.units);
export const useKpis = () => useLive((s) => s.kpis);
export const useFeeds = () => useLive((s) => s.feeds);
export const useClockOffset = () => useLive((s) => s.clockOffsetMs);

/** Connection state and since; ignores lastUpdate so a busy feed does not re-render the header. */
export const useConnection = () =>
  useLive(useShallow((s) => ({ state: s.connection.state, since: s.connection.since })));

/** Same plus lastUpdate, for the one place that shows "updated Ns ago". */
export const useLastUpdate = () => useLive((s) => s.connection.lastUpdate);

export function useAlertQueue() {
  const alerts = useAlerts();
  return useMemo(() => alertQueue(alerts), [alerts]);
}

export function useActiveAlertCounts() {
  const alerts = useAlerts();
  return useMemo(() => activeAlertCounts(alerts), [alerts]);
}

export function useDeviceSummary() {
  const cameras = useCameras();
  const stations = useStations();
  const links = useLinks();
  const cam = useMemo(() => cameraSummary(cameras), [cameras]);
  const sta = useMemo(() => stationSummary(stations), [stations]);
  const lnk = useMemo(() => linkSummary(links), [links]);
  return { cameras: cam, stations: sta, links: lnk };
}
