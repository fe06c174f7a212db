/**
 * This screen's own state (not the server's picture): what is selected, the
 * queue's filters and expanded groups, which map layers are on, the sound
 * switch; plus the handle the panels use to move the map. Kept apart from the
 * live store; layer choices persist per workstation in localStorage.
 */
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { LngLat } from '../../../contract/domain.js';
import { NO_FILTERS, type AlertFilters } from './queue.js';

export type SelectionKind = 'alert' | 'incident' | 'camera' | 'station' | 'link' | 'unit' | 'ward';
export interface Selection {
  kind: SelectionKind;
  id: string;
}

export const LAYER_TOGGLES = ['alerts', 'incidents', 'units', 'cameras', 'stations', 'links', 'wardCoverage'] as const;
export type LayerToggle = (typeof LAYER_TOGGLES)[number];
export type LayerVisibility = Record<LayerToggle, boolean>;

const LAYERS_KEY = 'ioc.layers';
const DEFAULT_LAYERS: LayerVisibility = { alerts: true, incidents: true, units: true, cameras: true, stations: true, links: true, wardCoverage: true };

function storedLayers(): LayerVisibility {
  try {
    const v = JSON.parse(localStorage.getItem(LAYERS_KEY) ?? 'null') as Partial<LayerVisibility> | null;
    return { ...DEFAULT_LAYERS, ...(v && typeof v === 'object' ? v : {}) };
  } catch {
    return DEFAULT_LAYERS;
  }
}

interface UiState {
  selection: Selection | null;
  /** The detail panel shows the selection (click, Enter); j/k only move the selection. */
  panelOpen: boolean;
  /** One more each time something is opened in the panel on purpose (click, Enter, a link): the panel takes the focus then, not when it follows j/k. */
  panelFocus: number;
  filters: AlertFilters;
  expanded: ReadonlySet<string>;
  layers: LayerVisibility;
  /** The critical-alert sound: on unless the officer mutes it (issue #27.7); not kept across reloads, so a reload never leaves a console silent. */
  sound: boolean;
  /** Whether the browser lets this page play sound yet: 'locked' until the first click or key (autoplay policy), 'none' without an audio device. */
  audio: 'locked' | 'ready' | 'none';
}

export const uiStore = createStore<UiState>()(() => ({
  selection: null,
  panelOpen: false,
  panelFocus: 0,
  filters: NO_FILTERS,
  expanded: new Set<string>(),
  layers: storedLayers(),
  sound: true,
  audio: 'locked',
}));

export const useSelection = () => useStore(uiStore, (s) => s.selection);
export const useSelectedAlertId = () => useStore(uiStore, (s) => (s.selection?.kind === 'alert' ? s.selection.id : null));
export const useFilters = () => useStore(uiStore, (s) => s.filters);
export const useExpanded = () => useStore(uiStore, (s) => s.expanded);
export const useLayers = () => useStore(uiStore, (s) => s.layers);
export const useSound = () => useStore(uiStore, (s) => s.sound);
export const useAudio = () => useStore(uiStore, (s) => s.audio);
/** The ward the whole screen is narrowed to (map, counts, incidents, queue), or null for the city. */
export const useWardFilter = () => useStore(uiStore, (s) => s.filters.wardId);

export const usePanelOpen = () => useStore(uiStore, (s) => s.panelOpen && s.selection !== null);
export const usePanelFocus = () => useStore(uiStore, (s) => s.panelFocus);

/** Select something; `open` shows it in the detail panel (else the panel keeps its state and follows). */
export const select = (selection: Selection | null, open?: boolean) =>
  uiStore.setState((s) => ({ selection, panelOpen: selection === null ? false : (open ?? s.panelOpen), panelFocus: open === true && selection !== null ? s.panelFocus + 1 : s.panelFocus }));
export const selectAlert = (id: string | null, open?: boolean) => select(id ? { kind: 'alert', id } : null, open);
export const openPanel = (open: boolean) => uiStore.setState({ panelOpen: open });
export const setFilters = (patch: Partial<AlertFilters>) => uiStore.setState((s) => ({ filters: { ...s.filters, ...patch } }));
export const resetFilters = () => uiStore.setState({ filters: NO_FILTERS });
export const setSound = (sound: boolean) => uiStore.setState({ sound });
export const setAudio = (audio: UiState['audio']) => uiStore.setState({ audio });
export const setWardFilter = (wardId: string | null) => setFilters({ wardId });

export function toggleExpanded(groupId: string, open?: boolean): void {
  uiStore.setState((s) => {
    const next = new Set(s.expanded);
    if (open ?? !next.has(groupId)) next.add(groupId);
    else next.delete(groupId);
    return { expanded: next };
  });
}

export function setLayer(layer: LayerToggle, on: boolean): void {
  uiStore.setState((s) => ({ layers: { ...s.layers, [layer]: on } }));
  try {
    localStorage.setItem(LAYERS_KEY, JSON.stringify(uiStore.getState().layers));
  } catch {
    /* not persisted; still applied for this session */
  }
}

/** Set by MapView once the map exists; lets the side panel move the map without a React ref chain. */
let flyHandler: ((position: LngLat) => void) | null = null;
export const setFlyHandler = (fn: ((position: LngLat) => void) | null) => {
  flyHandler = fn;
};
export const flyTo = (position: LngLat) => flyHandler?.(position);
