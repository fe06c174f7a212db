/**
 * The responder's actions, queued: every tap goes through here, online or
 * not. The queue is kept in localStorage (a phone that dies or reloads in a
 * dead zone keeps its taps) and sent in order, one at a time, whenever the
 * connection is live. Each action is sent against the latest version of its
 * incident or unit (the server checks the transition); one the server refuses,
 * or whose incident was reassigned meanwhile, leaves the queue as a conflict
 * shown on screen. An action without an answer in time stays and is retried.
 *
 * Every incident step is about this phone's own unit (the server forces it): accept
 * (`incident:accept`, a step of its own), on scene, and resolve (this unit's part is done;
 * the incident is resolved with its last unit).
 */
import { createStore } from 'zustand/vanilla';
import { activeUnits, type Incident, type IncidentUnit, type UnitStatus } from '../../../../contract/domain.js';
import type { Result } from '../../../../contract/socket.js';
import { liveSocket } from '../../live/socket.js';
import { liveStore } from '../../live/store.js';

const KEY = 'ioc.responder.queue';
const ACK_TIMEOUT_MS = 10_000;

export type QueuedAction =
  | { qid: string; kind: 'accept'; incidentId: string; queuedAt: number }
  | { qid: string; kind: 'on_scene' | 'resolve'; incidentId: string; note?: string; queuedAt: number }
  | { qid: string; kind: 'note'; incidentId: string; note: string; queuedAt: number }
  | { qid: string; kind: 'unit_status'; unitId: string; status: UnitStatus; queuedAt: number };

export interface Conflict {
  qid: string;
  kind: QueuedAction['kind'];
  message: string;
}

interface QueueState {
  items: QueuedAction[];
  sending: string | null;
  conflicts: Conflict[];
  /** Per incident/unit: the version the last accepted action produced. */
  versions: Record<string, number>;
}

function load(): QueuedAction[] {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? (v as QueuedAction[]) : [];
  } catch {
    return [];
  }
}

export const queueStore = createStore<QueueState>()(() => ({ items: load(), sending: null, conflicts: [], versions: {} }));
queueStore.subscribe((s, prev) => {
  if (s.items === prev.items) return;
  try {
    localStorage.setItem(KEY, JSON.stringify(s.items));
  } catch {
    /* storage full or off: the queue still lives in memory */
  }
});

type Omit2<T> = T extends unknown ? Omit<T, 'qid' | 'queuedAt'> : never;
export function enqueue(a: Omit2<QueuedAction>): void {
  const item = { ...a, qid: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`, queuedAt: Date.now() } as QueuedAction;
  queueStore.setState((s) => ({ items: [...s.items, item] }));
  flush();
}

export const dismissConflict = (qid: string) => queueStore.setState((s) => ({ conflicts: s.conflicts.filter((c) => c.qid !== qid) }));

/** This unit's part in the incident (its latest, should it have been sent twice), or null. */
export function partOf(i: Pick<Incident, 'units'>, unitId: string | null): IncidentUnit | null {
  if (!unitId) return null;
  const mine = i.units.filter((u) => u.unitId === unitId);
  return mine[mine.length - 1] ?? null;
}

/** The crew has taken the task (accepted, or further). */
export const isAccepted = (i: Pick<Incident, 'units'>, unitId: string | null) => {
  const p = partOf(i, unitId);
  return p !== null && p.status !== 'dispatched';
};

/** True when this unit's part is already where the action would take it (a retried action that had gone through). */
function alreadyDone(a: QueuedAction, inc: Incident, unitId: string | null): boolean {
  const p = partOf(inc, unitId);
  if (!p) return false;
  if (a.kind === 'accept') return p.status !== 'dispatched';
  if (a.kind === 'on_scene') return p.status === 'on_scene' || p.status === 'released';
  if (a.kind === 'resolve') return p.status === 'released';
  return false;
}

function emit(name: string, payload: unknown): Promise<Result<{ version: number }> | 'timeout'> {
  const socket = liveSocket();
  if (!socket) return Promise.resolve('timeout');
  return new Promise((resolve) => {
    const timed = socket.timeout(ACK_TIMEOUT_MS) as unknown as { emit(n: string, p: unknown, ack: (err: Error | null, r: Result<{ version: number }>) => void): void };
    timed.emit(name, payload, (err, r) => resolve(err ? 'timeout' : r));
  });
}

let unitIdOf: () => string | null = () => null;

/** The screen tells the queue which unit it acts for. */
export function configureQueue(opts: { unitId: () => string | null }): void {
  unitIdOf = opts.unitId;
}

const online = () => liveStore.getState().connection.state === 'live' && (typeof navigator === 'undefined' || navigator.onLine !== false);

export function flush(): void {
  const s = queueStore.getState();
  const a = s.items[0];
  if (!a || s.sending !== null || !online()) return;
  const live = liveStore.getState();
  const drop = (conflict: string | null) =>
    queueStore.setState((q) => ({
      items: q.items.filter((x) => x.qid !== a.qid),
      sending: null,
      conflicts: conflict ? [...q.conflicts, { qid: a.qid, kind: a.kind, message: conflict }].slice(-10) : q.conflicts,
    }));
  let name: string;
  let payload: Record<string, unknown>;
  if (a.kind === 'unit_status') {
    const u = live.units[a.unitId];
    if (!u) return drop('not_found');
    name = 'unit:status';
    payload = { id: a.unitId, status: a.status, version: Math.max(u.version, s.versions[a.unitId] ?? 0) };
  } else {
    const inc = live.incidents[a.incidentId];
    const me = unitIdOf();
    // Sent before without an answer: if it went through then, it is done.
    if (inc && (a as { attempted?: boolean }).attempted && alreadyDone(a, inc, me)) return drop(null);
    // Taken off this incident meanwhile (released, or sent elsewhere): its steps no longer apply.
    if (inc && (inc.status === 'resolved' || inc.status === 'closed') && a.kind !== 'note') return drop('resolved');
    if (!inc || !activeUnits(inc).some((u) => u.unitId === me)) return drop('reassigned');
    const version = Math.max(inc.version, s.versions[a.incidentId] ?? 0);
    if (a.kind === 'note') {
      name = 'incident:note';
      payload = { id: a.incidentId, note: a.note };
    } else {
      name = `incident:${a.kind}`;
      payload = { id: a.incidentId, version, ...('note' in a && a.note ? { note: a.note } : {}) };
    }
  }
  queueStore.setState({ sending: a.qid });
  void emit(name, payload).then((r) => {
    if (r === 'timeout') {
      // Stays first in line, marked: sent again when live, unless it turns out to have gone through.
      queueStore.setState((q) => ({ sending: null, items: q.items.map((x) => (x.qid === a.qid ? { ...x, attempted: true } : x)) }));
      return;
    }
    if (r.ok) {
      const key = a.kind === 'unit_status' ? a.unitId : a.incidentId;
      queueStore.setState((q) => ({ versions: { ...q.versions, [key]: r.data.version } }));
      drop(null);
    } else drop(`${r.error.code}: ${r.error.message}`);
    flush();
  });
}

// Send when the connection comes back, after the catch-up deltas (sent right after the connect) have landed,
// so each step goes out against the incident as it is now; and on every later update while anything waits.
liveStore.subscribe((s, prev) => {
  if (s.connection.state !== 'live') return;
  if (prev.connection.state !== 'live') setTimeout(flush, 500);
  else if (s.seq !== prev.seq) flush();
});
