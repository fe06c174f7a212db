import { describe, expect, it } from 'vitest';
import { cameraStatus, detection, incidentReport, linkStatus, stationStatus } from '../../server/influx/points.js';
import { measurement, nsTimestamp, toLine, type FieldValue, type Measurement } from '../../server/influx/lineprotocol.js';
import { SegmentBytes } from '../../server/influx/segment-bytes.js';
import { lineOf, pointOf } from '../harness/points.js';

/** The bytes the ingest path writes for one event, as text without the newline. */
function bytesLine<E, M>(m: Measurement<E, M>, e: E, meta: M): string {
  const seg = new SegmentBytes(0);
  const n = m.writeTo(seg, e, meta);
  const text = seg.view(0, 1).toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  expect(seg.view(0, 1).length).toBe(n);
  return text.slice(0, -1);
}

const detectionPoint = (e: Parameters<typeof detection.writeTo>[1], meta: Parameters<typeof detection.writeTo>[2]) => pointOf(detection, e, meta);
const cameraStatusPoint = (e: Parameters<typeof cameraStatus.writeTo>[1], meta: Parameters<typeof cameraStatus.writeTo>[2]) => pointOf(cameraStatus, e, meta);

describe('InfluxDB points', () => {
  it('puts the device seq into the nanoseconds so equal-ms messages stay distinct', () => {
    expect(nsTimestamp(1_700_000_000_123, 7)).toBe('1700000000123000007');
    expect(nsTimestamp(1_700_000_000_123, 1_000_042)).toBe('1700000000123000042');
    expect(nsTimestamp(1_700_000_000_123, 1)).not.toBe(nsTimestamp(1_700_000_000_123, 2));
  });

  it('tags by device and dimensions only, never by per-event values', () => {
    const p = detectionPoint(
      { id: 'cam-7', receivedAt: 0, payload: { seq: 3, ts: 1000, kind: 'speeding', confidence: 0.8, lat: 11.5, lon: 108.9, plate: '85A-123.45', speedKmh: 90, limitKmh: 60 } },
      'ql1a',
    );
    expect(p.tags).toEqual({ camera: 'cam-7', kind: 'speeding', road: 'ql1a' });
    expect(p.fields).toMatchObject({ plate: '85A-123.45', speed_kmh: 90, limit_kmh: 60, seq: 3 });
    expect(p.fields).not.toHaveProperty('queue_m');
  });

  it('uses the event time when the camera reports one', () => {
    const p = detectionPoint({ id: 'c', receivedAt: 0, payload: { seq: 1, ts: 5000, eventTs: 4000, kind: 'accident', confidence: 1, lat: 0, lon: 0 } }, null);
    expect(p.timestamp).toBe('4000000001');
  });

  it('encodes camera state as text and as a code for rollups', () => {
    const p = cameraStatusPoint({ id: 'c', receivedAt: 0, payload: { seq: 1, ts: 1, state: 'degraded' } }, 'w1');
    expect(p.fields).toEqual({ state: 'degraded', state_code: 1, seq: 1 });
    expect(p.tags).toEqual({ camera: 'c', ward: 'w1' });
  });

  it('writes the same bytes straight into the spool as through a Point, for every device feed', () => {
    const det = { id: 'cam 7', receivedAt: 0, payload: { seq: 3, ts: 1000, kind: 'congestion' as const, confidence: 0.8734, lat: 11.5, lon: 108.9, queueLengthM: 120, zone: 'a "b"' } };
    const inc = {
      id: 'hotline',
      sourceId: 'hotline',
      receivedAt: 0,
      payload: { seq: 9, ts: 2000, type: 'flood', severity: 'severe', channel: 'hotline', description: 'Nước ngập, sâu 0,5 m\nđường Thống Nhất', lat: 11.56, lon: 108.98 },
    } as never;
    const st = { id: 'bts=1', receivedAt: 0, payload: { seq: 4, ts: 3000, state: 'down' as const, power: 'battery' as const, batteryPct: 12.5, backhaul: 'down' as const, loadPct: Number.NaN } };
    const ln = { id: 'link,1', receivedAt: 0, payload: { seq: 5, ts: 4000, state: 'up' as const, latencyMs: 3.25 } };
    const cases: [string, string][] = [
      [bytesLine(detection, det, null), toLine(pointOf(detection, det, null))],
      [bytesLine(cameraStatus, { id: 'c', receivedAt: 0, payload: { seq: 1, ts: 1, state: 'online', fps: 25 } }, null), toLine(pointOf(cameraStatus, { id: 'c', receivedAt: 0, payload: { seq: 1, ts: 1, state: 'online', fps: 25 } }, null))],
      [bytesLine(incidentReport, inc, 'w 2'), toLine(pointOf(incidentReport, inc, 'w 2'))],
      [bytesLine(stationStatus, st, { operator: 'Viettel', wardId: null }), toLine(pointOf(stationStatus, st, { operator: 'Viettel', wardId: null }))],
      [bytesLine(linkStatus, ln, undefined), toLine(pointOf(linkStatus, ln, undefined))],
      [bytesLine(stationStatus, st, undefined), toLine(pointOf(stationStatus, st, undefined))],
    ];
    for (const [direct, viaPoint] of cases) expect(direct).toBe(viaPoint);
    expect(cases[0]![0]).toBe('detection,camera=cam\\ 7,kind=congestion,road=none confidence=0.8734,lat=11.5,lon=108.9,zone="a \\"b\\"",queue_m=120,seq=3 1000000003');
    expect(cases[3]![0]).toBe('station_status,operator=Viettel,station=bts\\=1,ward=none state="down",state_code=0,power="battery",battery_pct=12.5,backhaul="down",load_pct=0,seq=4 3000000004');
    expect(cases[2]![0]).toContain('description="Nước ngập, sâu 0,5 m\\nđường Thống Nhất"');
    expect(lineOf(detection, det, null)).toBe(cases[0]![1]);
  });

  it('byte output equals toLine for random tags, fields and times (escapes, Vietnamese, emoji, odd numbers)', () => {
    type Ev = { tags: string[]; fields: FieldValue[]; ms: number; seq: number };
    const m = measurement('m x,y\\z', ['a b', 'c=d', 'e'], ['f 1', 'f"2', 'f,3', 'f4'], (o, e: Ev, _meta: void) => {
      for (const t of e.tags) o.tag(t);
      for (const f of e.fields) o.field(f);
      o.time(e.ms, e.seq);
    });
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const pieces = ['a', 'Z', '0', ' ', ',', '=', '"', '\\', '\n', '\t', 'é', 'Đ', 'ạ', 'ữ', '🚑', '€', '~', '\u007f', '\u0080'];
    const text = () => Array.from({ length: Math.floor(rnd() * 8) }, () => pick(pieces)).join('');
    const numbers = [0, -0, 1, -1, 7, 42.5, -3.25, 0.1 + 0.2, 1e21, -1e21, 1e-7, 123456789012345, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, -Number.MAX_SAFE_INTEGER, Number.NaN, Infinity, -Infinity, 2 ** 53, 9.999999999999999e15];
    const value = (): FieldValue => pick([() => undefined, () => pick(numbers), () => Math.round(rnd() * 1e6) * (rnd() < 0.5 ? 1 : -1), () => rnd() * 1000, () => rnd() < 0.5, text])();
    const times = [0, 1, 1_700_000_000_123, 1_700_000_000_123.9, -5, -0.5, Number.NaN, 1e22, Number.MAX_SAFE_INTEGER];
    const seqs = [0, 1, 999_999, 1_000_000, 1_000_042, 123_456_789, -3, 2.5, Number.NaN, 2 ** 40];
    for (let i = 0; i < 5000; i++) {
      const e: Ev = { tags: [text(), pick(['', 'cam-1', text()]), text()], fields: [value(), value(), value(), value()], ms: rnd() < 0.7 ? Math.floor(rnd() * 2e12) : pick(times), seq: rnd() < 0.7 ? Math.floor(rnd() * 3e6) : pick(seqs) };
      expect(bytesLine(m, e, undefined), JSON.stringify(e)).toBe(toLine(pointOf(m, e, undefined)));
    }
  });

  it('says so when a fill writes fewer or more keys than its shape has', () => {
    const short = measurement('m', ['a'], ['v', 'w'], (o, e: number, _meta: void) => {
      o.tag('x');
      o.field(e);
      o.time(e, 0);
    });
    expect(() => pointOf(short, 1, undefined)).toThrow(/1\/2 fields/);
    const long = measurement('m', ['a'], ['v'], (o, e: number, _meta: void) => {
      o.tag('x');
      o.tag('y');
      o.field(e);
      o.time(e, 0);
    });
    expect(() => lineOf(long, 1, undefined)).toThrow(/more tags than keys/);
  });

  it('refuses a shape whose tags are not in key order', () => {
    expect(() => measurement('m', ['ward', 'camera'], ['v'], () => undefined)).toThrow(/sorted/);
  });
});

