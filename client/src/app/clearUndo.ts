/**
 * Clearing an alert, with undo: the clear is held here for HOLD_MS, shown as a toast
 * with "Hoàn tác" (Undo), and only then sent to the server (`alert:clear`, with the
 * version the store holds at that moment). Undo within the hold simply drops it.
 *
 * Why held in the console and not undone on the server: a cleared alert frees its
 * dedupe key, so a new alert for the same condition may be raised at once, and a
 * server-side "un-clear" would then have two open alerts for one condition (the
 * database refuses that: alerts_open_dedupe_key), or would have to pick one; every
 * other console would also see the alert vanish and come back. Held here, nothing
 * has happened until the hold ends, and the failure mode is safe: a console closed
 * during the hold never sends the clear, so the alert stays in the queue.
 */
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { ErrorCode } from '../../../contract/socket.js';
import { liveStore } from '../live/store.js';
import { sendCommand } from './commands.js';

export const HOLD_MS = 5_000;

export interface PendingClear {
  alertId: string;
  /** The alert's title as the officer saw it. */
  title: string;
  /** When the clear is sent (epoch ms, this machine's clock). */
  sendAt: number;
  phase: 'held' | 'sending' | 'failed';
  error?: ErrorCode | 'timeout';
}

const store = createStore<{ items: PendingClear[] }>()(() => ({ items: [] }));
const timers = new Map<string, ReturnType<typeof setTimeout>>();

const patch = (alertId: string, p: Partial<PendingClear>) => store.setState((s) => ({ items: s.items.map((x) => (x.alertId === alertId ? { ...x, ...p } : x)) }));
const drop = (alertId: string) => store.setState((s) => ({ items: s.items.filter((x) => x.alertId !== alertId) }));

/** Clear the alert after the hold, unless undone first. */
export function holdClear(alertId: string, title: string): void {
  if (timers.has(alertId)) return;
  timers.set(alertId, setTimeout(() => void send(alertId), HOLD_MS));
  store.setState((s) => ({ items: [...s.items.filter((x) => x.alertId !== alertId), { alertId, title, sendAt: Date.now() + HOLD_MS, phase: 'held' }] }));
}

/** Undo a held clear (the latest one when no id is given). True when one was undone. */
export function undoClear(alertId?: string): boolean {
  const item = alertId ? store.getState().items.find((x) => x.alertId === alertId && x.phase === 'held') : store.getState().items.filter((x) => x.phase === 'held').at(-1);
  if (!item) return false;
  clearTimeout(timers.get(item.alertId));
  timers.delete(item.alertId);
  drop(item.alertId);
  return true;
}

/** Forget a failed clear's toast. */
export const dismissClear = (alertId: string) => drop(alertId);

async function send(alertId: string): Promise<void> {
  timers.delete(alertId);
  const a = liveStore.getState().alerts[alertId];
  // Already gone (cleared elsewhere, or by the rules): nothing left to do.
  if (!a) return drop(alertId);
  patch(alertId, { phase: 'sending' });
  const r = await sendCommand('alert:clear', { id: a.id, version: a.version });
  if (r.ok) drop(alertId);
  else patch(alertId, { phase: 'failed', error: r.error.code });
}

export const usePendingClears = () => useStore(store, (s) => s.items);

/** The alerts whose clear is held or being sent: the queue leaves them out meanwhile. */
export function hiddenAlertIds(items: readonly PendingClear[]): ReadonlySet<string> {
  return new Set(items.filter((x) => x.phase !== 'failed').map((x) => x.alertId));
}
