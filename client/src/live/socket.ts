/**
 * Socket.IO connection feeding the live store.
 *
 * Reconnects with socket.io's built-in exponential backoff; on every (re)connect
 * the server sends a fresh `state:snapshot`, so nothing has to be replayed by hand.
 * A sequence gap asks `state:resync`; deltas that arrive while the answer is in
 * flight are buffered and replayed on top of it, so none is lost in the window.
 */
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, Delta, HandshakeAuth, ServerToClientEvents, Snapshot } from '../../../contract/socket.js';
import { applyDeltas, applySnapshot, dataOf, liveStore, setConnection, type LiveData, type LiveStore } from './store.js';

export type LiveSocket = Pick<Socket<ServerToClientEvents, ClientToServerEvents>, 'on' | 'off' | 'emit'>;

export interface AttachOptions {
  now?: () => number;
  /** Give up waiting for a resync answer after this long; the next gap asks again. */
  resyncTimeoutMs?: number;
  /** Deltas kept while a resync is in flight; beyond this we just wait for the snapshot. */
  maxBuffered?: number;
  /**
   * Deltas that carry only device telemetry (cameras, stations, links), KPIs or feed
   * health wait up to this long and are applied together, in one store update; a
   * delta with an alert, incident or unit change applies at once, with any waiting
   * before it. 0 (the default) applies every delta as it comes. With tens of
   * thousands of devices each store update copies their collection, and the map
   * redraws devices once a second anyway.
   */
  coalesceMs?: number;
}

/** Changes an officer must see at once; the rest (telemetry, KPIs, feed health) may wait for the next batch. */
const URGENT = new Set<Delta['changes'][number]['kind']>(['alert', 'incident', 'unit', 'gone']);
const isUrgent = (delta: Delta): boolean => delta.changes.some((c) => URGENT.has(c.kind));

/** Wire a socket to a store. Returns a function that removes every listener it added. */
export function attachLive(socket: LiveSocket, store: LiveStore, options: AttachOptions = {}): () => void {
  const now = options.now ?? Date.now;
  const resyncTimeoutMs = options.resyncTimeoutMs ?? 10_000;
  const maxBuffered = options.maxBuffered ?? 2_000;
  const coalesceMs = options.coalesceMs ?? 0;

  let resyncing = false;
  let resyncTimer: ReturnType<typeof setTimeout> | null = null;
  let buffered: Delta[] = [];
  /** Bumped per request, so a late answer to a timed-out request cannot land on a newer one. */
  let generation = 0;
  /** Deltas waiting for the next batch (coalesceMs > 0), in arrival order. */
  let pending: Delta[] = [];
  let pendingTimer: ReturnType<typeof setTimeout> | null = null;

  const commit = (data: LiveData): void => {
    const t = now();
    const connection = store.getState().connection;
    store.setState({
      ...data,
      connection:
        connection.state === 'live'
          ? { ...connection, lastUpdate: t }
          : { state: 'live', since: t, lastUpdate: t },
    });
  };

  const dropPending = (): void => {
    pending = [];
    if (pendingTimer !== null) clearTimeout(pendingTimer);
    pendingTimer = null;
  };

  /** Apply deltas in order; at a gap, keep what came before and resync from there. */
  const applyNow = (deltas: readonly Delta[]): void => {
    const result = applyDeltas(dataOf(store.getState()), deltas);
    if (result.applied > 0) commit(result.data);
    const gap = result.stoppedAt?.delta;
    if (gap) requestResync(gap, deltas.slice(deltas.indexOf(gap) + 1));
    // Stale ones (duplicate or late delivery) are already reflected.
  };

  const flushPending = (): void => {
    const batch = pending;
    dropPending();
    if (batch.length > 0) applyNow(batch);
  };

  const stopResync = (): void => {
    resyncing = false;
    buffered = [];
    if (resyncTimer !== null) clearTimeout(resyncTimer);
    resyncTimer = null;
  };

  /** Apply a snapshot, then whatever consecutive deltas were buffered after it. */
  const adoptSnapshot = (snapshot: Snapshot): void => {
    const after = buffered.sort((a, b) => a.seq - b.seq);
    stopResync();
    // The snapshot is the whole picture at its seq: anything still waiting is older.
    dropPending();
    const result = applyDeltas(applySnapshot(snapshot, now()), after);
    commit(result.data);
    const gap = result.stoppedAt?.delta;
    if (gap) requestResync(gap, after.slice(after.indexOf(gap) + 1));
  };

  const requestResync = (trigger: Delta, following: readonly Delta[] = []): void => {
    resyncing = true;
    buffered = [trigger, ...following].slice(0, maxBuffered);
    resyncTimer = setTimeout(stopResync, resyncTimeoutMs);
    const mine = ++generation;
    socket.emit('state:resync', (result) => {
      // Timed out, disconnected, or superseded meanwhile: a later gap asks again.
      if (!resyncing || mine !== generation) return;
      if (result.ok) adoptSnapshot(result.data);
      else stopResync();
    });
  };

  const onSnapshot = (snapshot: Snapshot): void => adoptSnapshot(snapshot);

  const onDelta = (delta: Delta): void => {
    if (resyncing) {
      if (buffered.length < maxBuffered) buffered.push(delta);
      return;
    }
    if (coalesceMs <= 0) return applyNow([delta]);
    pending.push(delta);
    if (isUrgent(delta)) flushPending();
    else pendingTimer ??= setTimeout(flushPending, coalesceMs);
  };

  // A first connect is 'connecting' until the snapshot. A reconnect that resumes
  // (handshake auth carried epoch + lastSeq) may get no snapshot and, if nothing was
  // missed, no delta either: the data we hold is current, so it is live at once.
  const onConnect = (): void => setConnection(store, store.getState().seq === null ? 'connecting' : 'live', now());
  const onDisconnect = (reason?: string): void => {
    // What arrived is applied, so a reconnect resumes after it.
    flushPending();
    stopResync();
    // Our own disconnect is a token swap (auth/live.ts reconnects at once), not an outage: no
    // "connection lost" flash at every refresh. If the reconnect fails, connect_error says offline.
    if (reason !== 'io client disconnect') setConnection(store, 'offline', now());
  };
  // A failed (re)connect attempt: offline since the first failure, not the latest one.
  const onConnectError = (): void => setConnection(store, 'offline', now());

  socket.on('state:snapshot', onSnapshot);
  socket.on('state:delta', onDelta);
  socket.on('connect', onConnect);
  socket.on('disconnect', onDisconnect);
  socket.on('connect_error', onConnectError);

  return () => {
    dropPending();
    stopResync();
    socket.off('state:snapshot', onSnapshot);
    socket.off('state:delta', onDelta);
    socket.off('connect', onConnect);
    socket.off('disconnect', onDisconnect);
    socket.off('connect_error', onConnectError);
  };
}

/** Where the handshake token comes from: the auth client's session, or the wall's display token (set before connectLive). */
let handshakeToken: () => string | null = () => null;
export const setHandshakeToken = (source: () => string | null) => {
  handshakeToken = source;
};
/** The same token for REST calls (bootstrap): `Authorization: Bearer …` when there is one. */
export const authHeader = (): Record<string, string> => {
  const t = handshakeToken();
  return t ? { authorization: `Bearer ${t}` } : {};
};

/** The app's open connection, for commands (client/src/app/commands.ts); null before connectLive. */
let current: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
export const liveSocket = () => current;

/** Open the app's connection (same origin, websocket only) and feed the app's store. */
export function connectLive(store: LiveStore = liveStore): { socket: Socket<ServerToClientEvents, ClientToServerEvents>; close: () => void } {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({
    path: '/socket.io',
    // Evaluated on every (re)connect: tell the server where we left off so it can send
    // just the missed deltas instead of a full snapshot (contract HandshakeAuth).
    auth: (cb) => {
      const { epoch, seq } = store.getState();
      const auth: HandshakeAuth = epoch !== null && seq !== null ? { epoch, lastSeq: seq } : {};
      const token = handshakeToken();
      cb(token ? { ...auth, token } : auth);
    },
    transports: ['websocket'],
    // No token yet (before login, or before the start-up refresh answered; a wall without its display token):
    // no handshake that could only be refused. The session connects it when a token comes (auth/live.ts).
    autoConnect: handshakeToken() !== null,
    // Built-in backoff: 1 s doubling to 15 s, jittered so a room of consoles does not stampede a restarted server.
    reconnectionDelay: 1_000,
    reconnectionDelayMax: 15_000,
    randomizationFactor: 0.5,
  });
  // Device telemetry comes 10 to 60 times a second (the server's cadence follows the screens open); the console applies it once a second.
  const detach = attachLive(socket, store, { coalesceMs: 1_000 });
  current = socket;

  // socket.io gives up on its own after a server-side disconnect (graceful shutdown on
  // deploy: "io server disconnect") or a middleware rejection; `socket.active` is then
  // false. A wall console must never stay dead, so retry those too, with our own backoff.
  let manualAttempt = 0;
  let manualTimer: ReturnType<typeof setTimeout> | undefined;
  const retryIfAbandoned = (): void => {
    // Without a token a retry can only be refused again: the session (or the wall's gate) decides instead.
    if (socket.active || manualTimer !== undefined || !handshakeToken()) return;
    const delay = Math.min(30_000, 1_000 * 2 ** manualAttempt++) * (0.75 + Math.random() * 0.5);
    manualTimer = setTimeout(() => {
      manualTimer = undefined;
      if (!socket.connected && handshakeToken()) socket.connect();
    }, delay);
  };
  socket.on('disconnect', retryIfAbandoned);
  socket.on('connect_error', retryIfAbandoned);
  socket.on('connect', () => {
    manualAttempt = 0;
  });

  return {
    socket,
    close: () => {
      clearTimeout(manualTimer);
      detach();
      if (current === socket) current = null;
      socket.close();
    },
  };
}
