/**
 * One shared ticker per interval for clocks and ages, instead of a timer per row.
 * Returns epoch ms, refreshed every `intervalMs`.
 *
 * `subscribe` is built once per ticker and never touches `now`: a subscribe that
 * changed the snapshot would make React re-render, resubscribe, and loop
 * ("Maximum update depth exceeded") whenever a render takes over a millisecond.
 */
import { useSyncExternalStore } from 'react';

interface Ticker {
  now: number;
  subscribe: (listener: () => void) => () => void;
  getSnapshot: () => number;
}

const tickers = new Map<number, Ticker>();

function ticker(intervalMs: number): Ticker {
  const existing = tickers.get(intervalMs);
  if (existing) return existing;
  const listeners = new Set<() => void>();
  let timer: ReturnType<typeof setInterval> | null = null;
  const t: Ticker = {
    now: Date.now(),
    subscribe(listener) {
      listeners.add(listener);
      timer ??= setInterval(() => {
        t.now = Date.now();
        for (const l of listeners) l();
      }, intervalMs);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer !== null) {
          clearInterval(timer);
          timer = null;
        }
      };
    },
    getSnapshot: () => t.now,
  };
  tickers.set(intervalMs, t);
  return t;
}

export function useNow(intervalMs: number): number {
  const t = ticker(intervalMs);
  return useSyncExternalStore(t.subscribe, t.getSnapshot);
}
