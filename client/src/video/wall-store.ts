/**
 * The camera wall's state, outside React: which cameras in which tiles, and how many tiles.
 * The incident panel opens it with its cameras; the officer changes the rest.
 */
import { useSyncExternalStore } from 'react';

export const LAYOUTS = [1, 4, 9] as const;
export type Layout = (typeof LAYOUTS)[number];

export interface VideoWallState {
  open: boolean;
  layout: Layout;
  cameraIds: string[];
}

let state: VideoWallState = { open: false, layout: 4, cameraIds: [] };
const listeners = new Set<() => void>();
const set = (s: Partial<VideoWallState>) => {
  state = { ...state, ...s };
  for (const l of listeners) l();
};

/** The smallest layout that holds `n` cameras. */
export const layoutFor = (n: number): Layout => LAYOUTS.find((l) => l >= n) ?? 9;

export const videoWall = {
  get: () => state,
  subscribe(l: () => void): () => void {
    listeners.add(l);
    return () => listeners.delete(l);
  },
  /** Opens with these cameras (an incident's, nearest first), in the layout that holds them. */
  show(cameraIds: string[]): void {
    const ids = [...new Set(cameraIds)].slice(0, 9);
    set({ open: true, cameraIds: ids, layout: layoutFor(ids.length) });
  },
  close: () => set({ open: false }),
  setLayout: (layout: Layout) => set({ layout, cameraIds: state.cameraIds.slice(0, layout) }),
  add(id: string): void {
    if (state.cameraIds.includes(id)) return;
    const ids = [...state.cameraIds, id].slice(-9);
    set({ cameraIds: ids, layout: Math.max(state.layout, layoutFor(ids.length)) as Layout });
  },
  remove: (id: string) => set({ cameraIds: state.cameraIds.filter((x) => x !== id) }),
};

export function useVideoWall(): VideoWallState {
  return useSyncExternalStore(videoWall.subscribe, videoWall.get);
}
