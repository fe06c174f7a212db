/**
 * InfluxDB line protocol, the form points take in the spool and on the wire
 * (https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/).
 * Numbers are always written as floats so a field never changes type.
 */
import { escKey, escMeasurement, escString } from './escape.js';
import type { SegmentBytes } from './segment-bytes.js';

export interface Point {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, number | string | boolean>;
  /** Nanoseconds since the epoch, as a decimal string. */
  timestamp: string;
}

function fieldValue(v: number | string | boolean): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '0';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return escString(v);
}

/** Tags in key order (InfluxDB's advice); the point builders already write them sorted. */
function sortedTagKeys(tags: Record<string, string>): string[] {
  const keys: string[] = [];
  let sorted = true;
  for (const k in tags) {
    if (keys.length > 0 && k < keys[keys.length - 1]!) sorted = false;
    keys.push(k);
  }
  return sorted ? keys : keys.sort();
}

/**
 * A Point as a line: for the points that are not device feeds (events, KPIs, CAP, Frigate,
 * station sites), and the reference the device feeds' byte output is tested against.
 */
export function toLine(p: Point): string {
  const parts: string[] = [escMeasurement(p.measurement)];
  for (const k of sortedTagKeys(p.tags)) {
    const v = p.tags[k]!;
    if (v !== '') parts.push(',', escKey(k), '=', escKey(v));
  }
  let sep = ' ';
  for (const k in p.fields) {
    parts.push(sep, escKey(k), '=', fieldValue(p.fields[k]!));
    sep = ',';
  }
  parts.push(' ', p.timestamp);
  return parts.join('');
}

export type FieldValue = number | string | boolean | undefined;

/**
 * What a measurement's fill function writes to: the next tag, field and the timestamp, in
 * the shape's key order. A tag of '' and a field of undefined are left out.
 */
export interface LineOut {
  tag(v: string): void;
  field(v: FieldValue): void;
  time(ms: number, seq: number): void;
}

/**
 * A measurement whose tag and field keys are fixed, and one function that fills it from an
 * event. Keys are escaped and encoded once, here. The ingest path (`writeTo`) writes the
 * line's bytes straight into a spool segment: no Point, no string, no array per message.
 * The shape and the fill are the measurement's definition: anything else that writes the
 * same line (another LineOut) runs the same fill.
 */
export interface Measurement<E, M> {
  readonly name: string;
  readonly tagKeys: readonly string[];
  readonly fieldKeys: readonly string[];
  readonly fill: (o: LineOut, e: E, meta: M) => void;
  /** Appends the line to a segment and returns its length in bytes (newline included). */
  writeTo(seg: SegmentBytes, e: E, meta: M): number;
}

export function measurement<E, M>(name: string, tagKeys: readonly string[], fieldKeys: readonly string[], fill: (o: LineOut, e: E, meta: M) => void): Measurement<E, M> {
  for (let i = 1; i < tagKeys.length; i++) {
    // InfluxDB's advice (and toLine's order): tags sorted by key.
    if (tagKeys[i]! <= tagKeys[i - 1]!) throw new Error(`${name}: tag keys must be sorted and distinct`);
  }
  const bytes = new BytesLine(name, tagKeys, fieldKeys);
  return {
    name,
    tagKeys,
    fieldKeys,
    fill,
    writeTo(seg, e, meta) {
      bytes.start(seg);
      fill(bytes, e, meta);
      return seg.finish();
    },
  };
}

const utf8 = (s: string) => Buffer.from(s, 'utf8');
const SPACE = utf8(' ');
const TRUE = utf8('true');
const FALSE = utf8('false');

/** Writes a line's pieces into a segment; reused for every line of its measurement. */
class BytesLine implements LineOut {
  private readonly head: Buffer;
  private readonly tagPrefix: Buffer[];
  private readonly firstField: Buffer[];
  private readonly nextField: Buffer[];
  private seg!: SegmentBytes;
  private t = 0;
  private f = 0;
  private first = true;

  constructor(name: string, tagKeys: readonly string[], fieldKeys: readonly string[]) {
    this.head = utf8(escMeasurement(name));
    this.tagPrefix = tagKeys.map((k) => utf8(`,${escKey(k)}=`));
    this.firstField = fieldKeys.map((k) => utf8(` ${escKey(k)}=`));
    this.nextField = fieldKeys.map((k) => utf8(`,${escKey(k)}=`));
  }

  start(seg: SegmentBytes): void {
    this.seg = seg;
    this.t = 0;
    this.f = 0;
    this.first = true;
    seg.begin();
    seg.raw(this.head);
  }

  tag(v: string): void {
    const i = this.t++;
    if (v === '') return;
    this.seg.raw(this.tagPrefix[i]!);
    this.seg.tagText(v);
  }

  field(v: FieldValue): void {
    const i = this.f++;
    if (v === undefined) return;
    this.seg.raw(this.first ? this.firstField[i]! : this.nextField[i]!);
    this.first = false;
    if (typeof v === 'number') this.seg.num(v);
    else if (typeof v === 'string') this.seg.stringText(v);
    else this.seg.raw(v ? TRUE : FALSE);
  }

  time(ms: number, seq: number): void {
    this.seg.raw(SPACE);
    this.seg.time(ms, seq);
  }
}

/**
 * A point's timestamp in ns as a string (exceeds 2^53, so never a JS number): the time in
 * ms with the per-device seq (mod 1e6) in the sub-millisecond digits (points.ts says why).
 */
export function nsTimestamp(ms: number, seq: number): string {
  return `${Math.trunc(ms)}${String(seq % 1_000_000).padStart(6, '0')}`;
}
