/**
 * UI state shared between the alert queue and the map (which alert is selected),
 * plus the handle the queue uses to move the map. Kept apart from the live store:
 * it is this screen's state, not the server's picture.
 */
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { LngLat } from '../../../contract/domain.js';

interface UiState {
  selectedAlertId: string | null;
}

export const uiStore = createStore<UiState>()(() => ({ selectedAlertId: null }));

export const useSelectedAlertId = () => useStore(uiStore, (s) => s.selectedAlertId);
export const selectAlert = (id: string | null) => uiStore.setState({ selectedAlertId: id });

/** Set by MapView once the map exists; lets the side panel move the map without a React ref chain. */
let flyHandler: ((position: LngLat) => void) | null = null;
export const setFlyHandler = (fn: ((position: LngLat) => void) | null) => {
  flyHandler = fn;
};
export const flyTo = (position: LngLat) => flyHandler?.(position);
