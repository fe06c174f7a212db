/**
 * Feed health on the consoles: the figures go out as a `feeds` change every few seconds,
 * whether or not they changed, because silence is itself the news. A console judges a
 * feed by the server's own reading (FeedHealth.at − lastMessageAt) and never by its own
 * clock, so a console open for hours shows what the server sees, nothing older.
 */
import type { EventBus } from '../bus.js';
import type { FeedHealth } from '../../contract/index.js';

export const FEED_HEALTH_PUSH_MS = 5000;

export class FeedHealthPush {
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly bus: EventBus,
    private readonly read: () => FeedHealth[],
    private readonly intervalMs = FEED_HEALTH_PUSH_MS,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.bus.emit('state.change', { kind: 'feeds', feeds: this.read() }), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
