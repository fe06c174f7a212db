/**
 * Replay: the past picture in its own live-shaped store (so the map layers draw
 * it as they draw the live one). A jump asks the server for the state at that
 * moment; playing applies the window's changes as the clock passes them,
 * fetching them ahead a page at a time. Bounded: the buffer holds at most a
 * few pages, the "recent changes" list a dozen.
 */
import { createStore } from 'zustand/vanilla';
import type { Change, Snapshot } from '../../../../contract/socket.js';
import { authHeader } from '../../live/socket.js';
import { applyDelta, applySnapshot, createLiveStore, dataOf, type LiveStore } from '../../live/store.js';

export interface TimedChange {
  at: number;
  change: Change;
}
interface Page {
  to: number;
  changes: TimedChange[];
  next: number | null;
}

export interface PlayerState {
  from: number;
  to: number;
  t: number;
  playing: boolean;
  speed: number;
  loading: boolean;
  error: string | null;
  recent: TimedChange[];
}

const TICK_MS = 250;
const AHEAD_MS = 3_600_000;

async function getData<T>(url: string, signal: AbortSignal): Promise<T> {
  const res = await fetch(url, { signal, headers: { accept: 'application/json', ...authHeader() } });
  const body = (await res.json()) as { ok: boolean; data: T; error?: { message: string } };
  if (!res.ok || !body.ok) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
  return body.data;
}

export class ReplayPlayer {
  readonly map: LiveStore = createLiveStore();
  readonly state = createStore<PlayerState>()(() => ({ from: 0, to: 0, t: 0, playing: false, speed: 10, loading: false, error: null, recent: [] }));
  private buffer: TimedChange[] = [];
  private fetchedUntil = 0;
  private fetching = false;
  private staleMs = 120_000;
  private timer: ReturnType<typeof setInterval> | null = null;
  private abort = new AbortController();
  private jumpId = 0;

  setWindow(from: number, to: number, at = from): void {
    this.state.setState({ from, to });
    void this.jump(at);
  }

  /** Rebuild the picture at `at` from the server, then continue from there. */
  async jump(at: number): Promise<void> {
    const { from, to } = this.state.getState();
    const t = Math.max(from, Math.min(to, Math.round(at)));
    const id = ++this.jumpId;
    this.abort.abort();
    this.abort = new AbortController();
    this.buffer = [];
    this.fetching = false;
    this.state.setState({ t, loading: true, error: null, recent: [] });
    try {
      const snap = await getData<Snapshot & { staleMs: number }>(`/api/replay/state?at=${t}`, this.abort.signal);
      if (id !== this.jumpId) return;
      this.staleMs = snap.staleMs;
      this.map.setState({ ...applySnapshot(snap, snap.serverTime), connection: { state: 'live', since: Date.now(), lastUpdate: Date.now() } });
      this.fetchedUntil = t;
      this.state.setState({ loading: false });
      await this.fill();
    } catch (err) {
      if (id === this.jumpId && !this.abort.signal.aborted) this.state.setState({ loading: false, error: (err as Error).message });
    }
  }

  play(): void {
    if (this.timer) return;
    const s = this.state.getState();
    if (s.t >= s.to) void this.jump(s.from);
    this.state.setState({ playing: true });
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  pause(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.state.setState({ playing: false });
  }

  setSpeed(speed: number): void {
    this.state.setState({ speed });
  }

  dispose(): void {
    this.pause();
    this.abort.abort();
    this.buffer = [];
  }

  /** Keep an hour of changes ahead of the clock. */
  private async fill(): Promise<void> {
    const { to, t } = this.state.getState();
    if (this.fetching || this.fetchedUntil >= to || this.fetchedUntil > t + AHEAD_MS || this.buffer.length > 20_000) return;
    this.fetching = true;
    const id = this.jumpId;
    try {
      const end = Math.min(to, this.fetchedUntil + AHEAD_MS);
      const page = await getData<Page>(`/api/replay/events?from=${this.fetchedUntil + 1}&to=${end}`, this.abort.signal);
      if (id !== this.jumpId) return;
      for (const c of page.changes) this.buffer.push(c);
      this.fetchedUntil = page.next === null ? end : page.next - 1;
    } catch (err) {
      if (id === this.jumpId && !this.abort.signal.aborted) this.state.setState({ error: (err as Error).message });
    } finally {
      if (id === this.jumpId) this.fetching = false;
    }
  }

  private tick(): void {
    const s = this.state.getState();
    if (s.loading) return;
    // Never run ahead of what has been fetched: wait for the next page instead.
    const t = Math.min(s.to, s.t + TICK_MS * s.speed, this.fetchedUntil);
    let n = 0;
    while (n < this.buffer.length && this.buffer[n]!.at <= t) n++;
    const due = this.buffer.splice(0, n);
    if (due.length) {
      const data = dataOf(this.map.getState());
      const r = applyDelta(data, { seq: (data.seq ?? 0) + 1, changes: due.map((c) => c.change) });
      if (r.outcome === 'applied') this.map.setState(r.data);
    }
    this.markStale(t);
    const recent = due.length ? [...s.recent, ...due.filter((c) => c.change.kind === 'alert' || c.change.kind === 'incident' || c.change.kind === 'station' || c.change.kind === 'link')].slice(-12) : s.recent;
    this.state.setState({ t, recent });
    if (t >= s.to) this.pause();
    else void this.fill();
  }

  /** Devices silent past the stale window at time t, as the live registry would mark them. */
  private markStale(t: number): void {
    const cutoff = t - this.staleMs;
    const s = this.map.getState();
    const mark = <T extends { lastSeen: number | null; stale: boolean }>(m: Readonly<Record<string, T>>): Record<string, T> | null => {
      let out: Record<string, T> | null = null;
      for (const [id, d] of Object.entries(m)) {
        const stale = d.lastSeen !== null && d.lastSeen < cutoff;
        if (stale !== d.stale) (out ??= { ...m })[id] = { ...d, stale };
      }
      return out;
    };
    const cameras = mark(s.cameras);
    const stations = mark(s.stations);
    const links = mark(s.links);
    if (cameras || stations || links) this.map.setState({ ...(cameras ? { cameras } : {}), ...(stations ? { stations } : {}), ...(links ? { links } : {}) });
  }
}
