/**
 * Wall plumbing: polled JSON (aborted on unmount, nothing kept between
 * panels) and the rotation that a critical alert can hold.
 */
import { useEffect, useRef, useState } from 'react';
import { wallFetch } from './token.js';

/** GET url now and every intervalMs while mounted; keeps the last good answer. */
export function usePolled<T>(url: string, intervalMs: number): { data: T | null; error: string | null } {
  const [state, setState] = useState<{ data: T | null; error: string | null }>({ data: null, error: null });
  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const data = await wallFetch<T>(url, abort.signal);
        if (!abort.signal.aborted) setState({ data, error: null });
      } catch (err) {
        if (!abort.signal.aborted) setState((s) => ({ data: s.data, error: (err as Error).message }));
      }
      if (!abort.signal.aborted) timer = setTimeout(() => void load(), intervalMs);
    };
    void load();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [url, intervalMs]);
  return state;
}

export interface WallConfig {
  playlist: string[];
  rotateS: number;
  buildId: string;
}

/** Index into a playlist, advancing every rotateS unless held. */
export function useRotation(length: number, rotateS: number, held: boolean): number {
  const [index, setIndex] = useState(0);
  const heldRef = useRef(held);
  heldRef.current = held;
  useEffect(() => {
    if (length <= 1 || held) return;
    const timer = setTimeout(() => setIndex((i) => (i + 1) % length), rotateS * 1000);
    return () => clearTimeout(timer);
  }, [index, length, rotateS, held]);
  return length ? index % length : 0;
}
