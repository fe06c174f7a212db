/**
 * The video-conference board (GET /api/vc) outside React, polled every 10 s while anything
 * listens: the console's panel and map layer share one poll, the wall's panel and map another
 * (each screen fetches with its own credentials: the officer's session, the display token).
 */
import { useSyncExternalStore } from 'react';
import type { VcBoardView } from '../../../contract/vc.js';
import { apiData } from './api.js';

const POLL_MS = 10_000;

export interface VcBoardStore {
  get(): VcBoardView | null;
  subscribe(fn: () => void): () => void;
  /** Read again at once (after a meeting was scheduled or cancelled). */
  refresh(): void;
}

export function createVcBoardStore(fetchBoard: (signal: AbortSignal) => Promise<VcBoardView>): VcBoardStore {
  let board: VcBoardView | null = null;
  const listeners = new Set<() => void>();
  let abort: AbortController | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const load = async () => {
    clearTimeout(timer);
    const a = abort;
    if (!a) return;
    try {
      board = await fetchBoard(a.signal);
      if (!a.signal.aborted) for (const l of listeners) l();
    } catch {
      // The last board stays until the next poll answers.
    }
    if (!a.signal.aborted) timer = setTimeout(() => void load(), POLL_MS);
  };
  return {
    get: () => board,
    subscribe(fn) {
      listeners.add(fn);
      if (listeners.size === 1) {
        abort = new AbortController();
        void load();
      }
      return () => {
        listeners.delete(fn);
        if (listeners.size === 0) {
          abort?.abort();
          abort = null;
          clearTimeout(timer);
        }
      };
    },
    refresh: () => void load(),
  };
}

/** The console's board, read with the officer's session. */
export const consoleVcStore = createVcBoardStore((signal) => apiData<VcBoardView>('/api/vc', signal));

export function useVcBoard(store: VcBoardStore): VcBoardView | null {
  return useSyncExternalStore(store.subscribe, store.get);
}
