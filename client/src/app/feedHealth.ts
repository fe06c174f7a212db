/**
 * Feed health for the header: each feed is ok, idle (never sent anything: CAP and
 * Frigate are quiet on a normal day), silent (it used to send and stopped) or
 * rejecting (messages refused recently). The worst feed colours the header chip:
 * amber for a warning, red when a busy feed went silent or most of it is refused.
 *
 * "Recently rejecting" needs a memory of earlier counts: the caller keeps a
 * RejectHistory per feed (samples of the reject total over the last window).
 */
import type { FeedHealth } from '../../../contract/domain.js';

export type FeedStatus = 'ok' | 'idle' | 'silent' | 'rejecting';
export type Level = 'ok' | 'warn' | 'bad';

export const SILENT_WARN_MS = 2 * 60_000;
export const SILENT_BAD_MS = 10 * 60_000;
export const REJECT_WINDOW_MS = 5 * 60_000;

export interface Sample {
  at: number;
  rejected: number;
  messages: number;
}

export const rejectTotal = (f: FeedHealth): number => Object.values(f.rejected).reduce((a, b) => a + b, 0);

/** Keep samples inside the window (plus the last one before it, as the baseline). */
export function pushSample(history: readonly Sample[], s: Sample, windowMs = REJECT_WINDOW_MS): Sample[] {
  const next = [...history, s];
  let i = 0;
  while (i + 1 < next.length && next[i + 1]!.at <= s.at - windowMs) i++;
  return next.slice(i);
}

/** Feeds whose devices publish continuously; a quiet one of these is a problem. */
const CONTINUOUS = new Set(['cameras', 'telecom']);

/**
 * A feed's state from the server's figures. Silence is the server's reading (`at`, the time of
 * the figures, minus the last message), never this screen's clock against an old
 * `lastMessageAt`: the figures arrive every few seconds, and a console open for hours must not
 * age them on its own (a console kept the snapshot's figures and turned red after ten minutes).
 */
export function feedStatus(f: FeedHealth, history: readonly Sample[]): { status: FeedStatus; level: Level } {
  const base = history[0];
  const newRejects = base ? rejectTotal(f) - base.rejected : 0;
  const newMessages = base ? f.messages - base.messages : 0;
  if (newRejects > 0) {
    const share = newRejects / Math.max(1, newRejects + newMessages);
    return { status: 'rejecting', level: share >= 0.5 ? 'bad' : 'warn' };
  }
  if (f.lastMessageAt === null) return { status: 'idle', level: 'ok' };
  const quiet = f.at - f.lastMessageAt;
  if (CONTINUOUS.has(f.feed) && quiet >= SILENT_WARN_MS) return { status: 'silent', level: quiet >= SILENT_BAD_MS ? 'bad' : 'warn' };
  return { status: 'ok', level: 'ok' };
}

export const worst = (levels: readonly Level[]): Level => (levels.includes('bad') ? 'bad' : levels.includes('warn') ? 'warn' : 'ok');
