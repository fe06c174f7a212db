/**
 * A measurement's line as a Point, from the same fill the ingest path runs into spool bytes
 * (server/influx/lineprotocol.ts): the reference the byte output is tested against, since
 * toLine(point) is the generic writer the other points go through.
 */
import { nsTimestamp, toLine, type FieldValue, type LineOut, type Measurement, type Point } from '../../server/influx/lineprotocol.js';

/** Collects a line as a Point, and checks the fill wrote every key of the shape once. */
class PointLine implements LineOut {
  private tags: Record<string, string> = {};
  private fields: Record<string, number | string | boolean> = {};
  private timestamp: string | null = null;
  private t = 0;
  private f = 0;

  constructor(
    private readonly name: string,
    private readonly tagKeys: readonly string[],
    private readonly fieldKeys: readonly string[],
  ) {}

  tag(v: string): void {
    const k = this.tagKeys[this.t++];
    if (k === undefined) throw new Error(`${this.name}: more tags than keys`);
    if (v !== '') this.tags[k] = v;
  }

  field(v: FieldValue): void {
    const k = this.fieldKeys[this.f++];
    if (k === undefined) throw new Error(`${this.name}: more fields than keys`);
    if (v !== undefined) this.fields[k] = v;
  }

  time(ms: number, seq: number): void {
    this.timestamp = nsTimestamp(ms, seq);
  }

  done(): Point {
    if (this.t !== this.tagKeys.length || this.f !== this.fieldKeys.length || this.timestamp === null) {
      throw new Error(`${this.name}: the fill wrote ${this.t}/${this.tagKeys.length} tags, ${this.f}/${this.fieldKeys.length} fields, ${this.timestamp === null ? 'no' : 'a'} timestamp`);
    }
    return { measurement: this.name, tags: this.tags, fields: this.fields, timestamp: this.timestamp };
  }
}

/** The event's point, through the measurement's own fill; throws when the fill misses or adds a key. */
export function pointOf<E, M>(m: Measurement<E, M>, e: E, meta: M): Point {
  const out = new PointLine(m.name, m.tagKeys, m.fieldKeys);
  m.fill(out, e, meta);
  return out.done();
}

/** The event's line as toLine writes it (no newline). */
export const lineOf = <E, M>(m: Measurement<E, M>, e: E, meta: M): string => toLine(pointOf(m, e, meta));
