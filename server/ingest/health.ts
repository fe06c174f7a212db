/**
 * Per-feed health: message rate, last message, rejects by reason, sequence
 * gaps and duplicates, and a bounded dead-letter list of recent rejects.
 * Shown by GET /api/feeds/health and in the console header.
 */
import type { FeedFamily, FeedHealth } from '../../contract/index.js';
import { SequenceTracker } from './sequence.js';

export interface DeadLetter {
  at: number;
  feed: FeedFamily | 'unknown';
  topic: string;
  reason: string;
  detail: string;
  /** The start of the payload, printable characters only. */
  sample: string;
}

const RATE_WINDOW_S = 60;

class FeedStats {
  messages = 0;
  lastMessageAt: number | null = null;
  rejected: Record<string, number> = {};
  readonly seq = new SequenceTracker();
  /** Message counts per second over the last minute (ring by epoch second). */
  private readonly buckets = new Array<number>(RATE_WINDOW_S).fill(0);
  private readonly bucketSec = new Array<number>(RATE_WINDOW_S).fill(0);

  count(now: number): void {
    this.messages++;
    this.lastMessageAt = now;
    const sec = Math.floor(now / 1000);
    const i = sec % RATE_WINDOW_S;
    if (this.bucketSec[i] !== sec) {
      this.bucketSec[i] = sec;
      this.buckets[i] = 0;
    }
    this.buckets[i]!++;
  }

  rate(now: number): number {
    const sec = Math.floor(now / 1000);
    let n = 0;
    for (let i = 0; i < RATE_WINDOW_S; i++) if (sec - this.bucketSec[i]! < RATE_WINDOW_S) n += this.buckets[i]!;
    return n / RATE_WINDOW_S;
  }
}

export const FEEDS: FeedFamily[] = ['cameras', 'incidents', 'telecom', 'frigate', 'cap', 'open311', 'kpi', 'vc'];

export class FeedHealthTracker {
  private readonly feeds = new Map<FeedFamily, FeedStats>(FEEDS.map((f) => [f, new FeedStats()]));
  private readonly dead: DeadLetter[] = [];
  private unknownRejects: Record<string, number> = {};

  constructor(
    private readonly deadLetterSize: number,
    private readonly now: () => number = Date.now,
  ) {}

  stats(feed: FeedFamily): FeedStats {
    return this.feeds.get(feed)!;
  }

  /** Every feed's per-device sequence counters start over (SequenceTracker.forgetDevices). */
  forgetSequences(): void {
    for (const f of this.feeds.values()) f.seq.forgetDevices();
  }

  accepted(feed: FeedFamily): void {
    this.stats(feed).count(this.now());
  }

  rejected(feed: FeedFamily | 'unknown', topic: string, reason: string, detail: string, payload: Buffer): void {
    const bucket = feed === 'unknown' ? this.unknownRejects : this.stats(feed).rejected;
    bucket[reason] = (bucket[reason] ?? 0) + 1;
    this.dead.push({ at: this.now(), feed, topic: topic.slice(0, 256), reason, detail: detail.slice(0, 500), sample: printable(payload) });
    if (this.dead.length > this.deadLetterSize) this.dead.splice(0, this.dead.length - this.deadLetterSize);
  }

  deadLetters(): DeadLetter[] {
    return [...this.dead].reverse();
  }

  unknown(): Record<string, number> {
    return { ...this.unknownRejects };
  }

  /** silentCount(feed) tells how many devices of the feed are silent/stale (from the registry). */
  snapshot(silentCount: (feed: FeedFamily) => number): FeedHealth[] {
    const now = this.now();
    return FEEDS.map((feed) => {
      const s = this.stats(feed);
      return {
        feed,
        at: now,
        messages: s.messages,
        rate: Math.round(s.rate(now) * 10) / 10,
        lastMessageAt: s.lastMessageAt,
        rejected: { ...s.rejected },
        gaps: s.seq.gaps,
        duplicates: s.seq.duplicates,
        silentDevices: silentCount(feed),
      };
    });
  }
}

function printable(payload: Buffer): string {
  return payload
    .subarray(0, 160)
    .toString('utf8')
    .replace(/[^\x20-\x7E\u00A0-\uFFFF]/g, '.');
}
