/**
 * One audience's delta stream: its own consecutive sequence numbers, the
 * items it has been shown, and recent deltas for catching up.
 */
import type { Audience, Change, Delta, FullChange, LiveEntity, LiveRow, LiveTable } from '../../contract/index.js';
import { filterChange } from './audience.js';

export class AudienceStream {
  seq = 0;
  /** Recent deltas, each with its number of changes (a live table's rows counted one by one). */
  private readonly history: { delta: Delta; size: number }[] = [];
  /** Changes held in `history`: bounded, because at 20k msg/s a delta can hold thousands. */
  private held = 0;
  /** Items shown that may still leave this picture (alert:/incident:/unit: ids; audience.ts filterChange). */
  private visible = new Set<string>();
  private initialised = false;

  constructor(
    readonly audience: Audience,
    readonly room: string,
    private readonly historySize: number,
    /** At most this many changes held for catching up; past it a reconnecting console gets a snapshot. */
    private readonly maxHeldChanges = 10_000,
    /** What a seq of this stream is relative to (the snapshot carries it; a console sends it back). */
    readonly epoch = '',
  ) {}

  /** The first snapshot of a stream tells it what its audience already shows. */
  init(visible: Set<string>): void {
    if (this.initialised) return;
    this.visible = visible;
    this.initialised = true;
  }

  /**
   * Filters a batch of changes into this audience's next delta, or null if none concerns
   * it. `wire` gives a change's form on the wire: the change as it is, a row of a live
   * table (collected into one table per device kind, stamped `t`), or null to leave it
   * out (a known device whose live fields did not change: nothing a screen lacks).
   */
  next(changes: FullChange[], wire: (c: FullChange) => Wire = (c) => c, t = Date.now()): Delta | null {
    if (!this.initialised) return null; // nobody has subscribed with a snapshot yet
    const mine: Change[] = [];
    let tables: Partial<Record<LiveEntity, LiveTable>> | null = null;
    let size = 0;
    for (const c of changes) {
      const f = filterChange(this.audience, c, this.visible);
      const w = f ? wire(f) : null;
      if (!w) continue;
      size++;
      if (!('row' in w)) {
        mine.push(w);
        continue;
      }
      // A table goes where its first row came: the rest of its kind join it.
      let table = (tables ??= {})[w.entity];
      if (!table) mine.push((table = tables[w.entity] = { kind: 'live', entity: w.entity, t, rows: [] }));
      table.rows.push(w.row);
    }
    if (mine.length === 0) return null;
    const delta: Delta = { seq: ++this.seq, changes: mine };
    this.history.push({ delta, size });
    this.held += size;
    while (this.history.length > 1 && (this.history.length > this.historySize || this.held > this.maxHeldChanges)) {
      this.held -= this.history.shift()!.size;
    }
    return delta;
  }

  /** Deltas after `seq`, or null when they are no longer held. */
  since(seq: number): Delta[] | null {
    if (seq > this.seq) return null;
    if (seq === this.seq) return [];
    const first = this.history[0];
    if (!first || first.delta.seq > seq + 1) return null;
    return this.history.filter((h) => h.delta.seq > seq).map((h) => h.delta);
  }
}

/** A change's form on the wire, as the push hub gives it: whole, a live table's row, or nothing to send. */
export type Wire = Change | { entity: LiveEntity; row: LiveRow } | null;
