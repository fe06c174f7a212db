/**
 * The leader's changes reach the standbys at once, over the Socket.IO adapter (Redis), so their
 * screens do not wait for PostgreSQL's commit, its notification and a read of the event log.
 *
 * The event log stays the truth (follower.ts). A relayed state is taken like any other, newer
 * versions only, and waits to be confirmed by the event log: one not confirmed within
 * `confirmMs` (the leader's write was refused, or the leader died before it) is read again from
 * PostgreSQL, and an alert the database never stored leaves the screens. Without Redis, nothing
 * is relayed and the event log alone carries every change.
 */
import type { Alert, Incident, Unit } from '../../contract/index.js';
import type { EventBus } from '../bus.js';
import type { StreamType } from '../db/sor.js';
import type { Logger } from '../log.js';
import type { IoServer } from '../push/hub.js';

const OWNER = 'cluster-relay';

export type RelayedChange =
  | {
      stream: StreamType;
      state: Alert | Incident | Unit;
      /** The leader re-read it after a refused write: taken whatever the version held. */
      force?: boolean;
    }
  /** The database never stored it (the leader's write was refused): it leaves the screens. */
  | { stream: StreamType; id: string; gone: true };

export interface RelayOptions {
  io: IoServer;
  bus: EventBus;
  leading: () => boolean;
  /** Takes a state when newer than the one held, or always (`force`) (Operations.adopt); true when taken. */
  adopt: (stream: StreamType, state: Alert | Incident | Unit, force: boolean) => boolean;
  /** Drops what the database never stored (Operations.forget). */
  forget: (stream: StreamType, id: string) => void;
  /** Reads these streams again from PostgreSQL. */
  reread: (ids: { stream: StreamType; id: string }[]) => Promise<void>;
  log: Logger;
  /** Default 10 s. */
  confirmMs?: number;
}

export class ChangeRelay {
  private queue: RelayedChange[] = [];
  private sending: NodeJS.Immediate | null = null;
  /** Relayed states not yet seen in the event log: `stream id` → version and when taken. */
  private readonly unconfirmed = new Map<string, { stream: StreamType; id: string; version: number; at: number }>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly o: RelayOptions) {}

  start(): void {
    this.o.bus.on('state.change', OWNER, (c) => {
      if (!this.o.leading()) return;
      if (c.kind === 'alert') this.push({ stream: 'alert', state: c.alert });
      else if (c.kind === 'incident') this.push({ stream: 'incident', state: c.incident });
      else if (c.kind === 'unit') this.push({ stream: 'unit', state: c.unit });
    });
    this.o.io.on('cluster:changes', (changes) => {
      if (this.o.leading() || !Array.isArray(changes)) return;
      const now = Date.now();
      for (const c of changes) {
        if ('gone' in c) {
          this.unconfirmed.delete(`${c.stream} ${c.id}`);
          this.o.forget(c.stream, c.id);
          continue;
        }
        const key = `${c.stream} ${c.state.id}`;
        if (c.force) {
          // The database's own state, as the leader re-read it: it replaces whatever was relayed.
          this.unconfirmed.delete(key);
          this.o.adopt(c.stream, c.state, true);
          continue;
        }
        if (!this.o.adopt(c.stream, c.state, false)) continue;
        this.unconfirmed.set(key, { stream: c.stream, id: c.state.id, version: c.state.version, at: now });
      }
    });
    this.timer = setInterval(() => this.sweep(), 2000);
    this.timer.unref?.();
  }

  stop(): void {
    this.o.bus.removeOwner(OWNER);
    if (this.timer) clearInterval(this.timer);
    if (this.sending) clearImmediate(this.sending);
    this.timer = this.sending = null;
  }

  /**
   * The event log holds this version of the stream (or a later one). True when the state taken
   * from the relay had exactly this version: the caller takes the event log's state over it,
   * since two writers may have made a version each and only one of them is stored.
   */
  confirm(stream: StreamType, id: string, version: number): boolean {
    const key = `${stream} ${id}`;
    const u = this.unconfirmed.get(key);
    if (!u || version < u.version) return false;
    this.unconfirmed.delete(key);
    return version === u.version;
  }

  /**
   * The leader re-read this stream after the database refused its write: the standbys take it
   * over what was relayed before (which may be the refused version, never stored).
   */
  corrected(stream: StreamType, state: Alert | Incident | Unit): void {
    if (this.o.leading()) this.push({ stream, state, force: true });
  }

  /** The leader dropped what the database never stored: so do the standbys. */
  forgotten(stream: StreamType, id: string): void {
    if (this.o.leading()) this.push({ stream, id, gone: true });
  }

  get waiting(): number {
    return this.unconfirmed.size;
  }

  private push(c: RelayedChange): void {
    this.queue.push(c);
    // One message for what one turn of the event loop changed (a burst of alerts is one send).
    this.sending ??= setImmediate(() => {
      this.sending = null;
      const batch = this.queue;
      this.queue = [];
      this.o.io.serverSideEmit('cluster:changes', batch);
    });
  }

  private sweep(): void {
    const now = Date.now();
    const stale = [...this.unconfirmed.values()].filter((u) => now - u.at > (this.o.confirmMs ?? 10_000));
    if (stale.length === 0) return;
    for (const u of stale) this.unconfirmed.delete(`${u.stream} ${u.id}`);
    this.o.log.warn({ streams: stale.length }, 'relayed changes never reached the event log: reading them again from PostgreSQL');
    this.o.reread(stale.map(({ stream, id }) => ({ stream, id }))).catch((err: Error) => this.o.log.error({ err: err.message }, 'could not re-read relayed streams'));
  }
}
