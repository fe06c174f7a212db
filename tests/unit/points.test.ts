import { describe, expect, it } from 'vitest';
import { cameraStatus, detection, incidentReport, linkStatus, nsTimestamp, stationStatus } from '../../server/influx/points.js';
import { lineShape, toLine } from '../../server/influx/lineprotocol.js';

const detectionPoint = detection.point;
const cameraStatusPoint = cameraStatus.point;

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

  it('builds the same line directly as through a Point, for every device feed', () => {
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
      [detection.line(det, null), toLine(detection.point(det, null))],
      [cameraStatus.line({ id: 'c', receivedAt: 0, payload: { seq: 1, ts: 1, state: 'online', fps: 25 } }, null), toLine(cameraStatus.point({ id: 'c', receivedAt: 0, payload: { seq: 1, ts: 1, state: 'online', fps: 25 } }, null))],
      [incidentReport.line(inc, 'w 2'), toLine(incidentReport.point(inc, 'w 2'))],
      [stationStatus.line(st, { operator: 'Viettel', wardId: null }), toLine(stationStatus.point(st, { operator: 'Viettel', wardId: null }))],
      [linkStatus.line(ln), toLine(linkStatus.point(ln))],
    ];
    for (const [direct, viaPoint] of cases) expect(direct).toBe(viaPoint);
    expect(cases[0]![0]).toBe('detection,camera=cam\\ 7,kind=congestion,road=none confidence=0.8734,lat=11.5,lon=108.9,zone="a \\"b\\"",queue_m=120,seq=3 1000000003');
    expect(cases[3]![0]).toBe('station_status,operator=Viettel,station=bts\\=1,ward=none state="down",state_code=0,power="battery",battery_pct=12.5,backhaul="down",load_pct=0,seq=4 3000000004');
  });

  it('refuses a shape whose tags are not in key order', () => {
    expect(() => lineShape('m', ['ward', 'camera'], ['v'])).toThrow(/sorted/);
  });
});

