/**
 * Loads what the screen needs before the map can draw: the city pack and the
 * client config. Retries with backoff: a console left open through a server
 * restart must come back on its own, without a duty officer pressing F5.
 */
import { useEffect, useState } from 'react';
import type { CityPack } from '../../../contract/citypack.js';
import { authHeader } from '../live/socket.js';

/** Shape of GET /api/client-config (served by the server; not part of the socket contract). */
export interface ClientConfig {
  version: string;
  mapStyleUrl: string | null;
  mapboxToken: string | null;
  /** The offline basemap archive's URL (BASEMAP_PMTILES), or null: the city pack alone. */
  basemap: string | null;
}

export type Bootstrap =
  | { status: 'loading'; attempt: number }
  | { status: 'ready'; pack: CityPack; config: ClientConfig };

async function getJson<T>(url: string, signal: AbortSignal): Promise<T> {
  const res = await fetch(url, { signal, headers: { accept: 'application/json', ...authHeader() } });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

export function useBootstrap(): Bootstrap {
  const [state, setState] = useState<Bootstrap>({ status: 'loading', attempt: 0 });

  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async (attempt: number): Promise<void> => {
      try {
        const [pack, config] = await Promise.all([
          getJson<CityPack>('/api/citypack', abort.signal),
          getJson<ClientConfig>('/api/client-config', abort.signal),
        ]);
        setState({ status: 'ready', pack, config });
      } catch (err) {
        if (abort.signal.aborted) return;
        console.warn('bootstrap failed, retrying', err);
        setState({ status: 'loading', attempt: attempt + 1 });
        timer = setTimeout(() => void load(attempt + 1), Math.min(15_000, 1_000 * 2 ** attempt));
      }
    };
    void load(0);
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, []);

  return state;
}
