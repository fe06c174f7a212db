/**
 * The responder's actions, queued: every tap goes through here, online or
 * not. The queue is kept in localStorage (a phone that dies or reloads in a
 * dead zone keeps its taps) and sent in order, one at a time, whenever the
 * connection is live. Each action is sent against the latest version of its
 * incident or unit (the server checks the transition); one the server refuses,
 * or whose incident was reassigned meanwhile, leaves the queue as a conflict
 * shown on screen. An action without an answer in time stays and is retried.
 *
 * "Accept" is an incident note with a fixed marker (the workflow has no
 * accept step: the officer's dispatch already assigns the unit).
 */
import { createStore } from 'zustand/vanilla';
import type { Incident, UnitStatus } from '../../../../contract/domain.js';
import type { Result } from '../../../../contract/socket.js';
import { liveSocket } from '../../live/socket.js';
import { liveStore } from '../../live/store.js';

export const ACCEPT_MARK = '[accept]';
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

export const isAccepted = (i: Incident) => i.timeline.some((e) => e.action === 'note' && e.note?.startsWith(ACCEPT_MARK));

/** True when the incident is already where the action would take it (a retried action that had gone through). */
function alreadyDone(a: QueuedAction, inc: Incident): boolean {
  if (a.kind === 'accept') return isAccepted(inc);
  if (a.kind === 'on_scene') return inc.status === 'on_scene' || inc.status === 'resolved';
  if (a.kind === 'resolve') return inc.status === 'resolved';
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
let acceptNote = 'accepted';

/** The screen tells the queue which unit it acts for and how to word "accepted". */
export function configureQueue(opts: { unitId: () => string | null; acceptNote: string }): void {
  unitIdOf = opts.unitId;
  acceptNote = opts.acceptNote;
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
    if (!inc || inc.unitId !== unitIdOf()) return drop('reassigned');
    // Sent before without an answer: if it went through then, it is done.
    if ((a as { attempted?: boolean }).attempted && alreadyDone(a, inc)) return drop(null);
    const version = Math.max(inc.version, s.versions[a.incidentId] ?? 0);
    if (a.kind === 'accept' || a.kind === 'note') {
      name = 'incident:note';
      payload = { id: a.incidentId, note: a.kind === 'accept' ? `${ACCEPT_MARK} ${acceptNote}` : a.note };
    } else {
      name = `incident:${a.kind}`;
      payload = { id: a.incidentId, version, ...(a.note ? { note: a.note } : {}) };
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
