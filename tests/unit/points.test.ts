import { describe, expect, it } from 'vitest';
import { cameraStatusPoint, detectionPoint, nsTimestamp } from '../../server/influx/points.js';

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
});
