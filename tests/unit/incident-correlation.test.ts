import { describe, expect, it } from 'vitest';
import { allowedActions, INCIDENT_STATUSES, nextStatus, unitStatus, type Incident, type IncidentUnit, type LngLat } from '../../contract/index.js';
import { correlate, related } from '../../server/incidents/correlation.js';

describe('incident correlation', () => {
  it('joins reports that can be one event on the ground, in both directions', () => {
    expect(related('traffic_accident', 'medical')).toBe(true);
    expect(related('medical', 'traffic_accident')).toBe(true);
    expect(related('flood', 'telecom_outage')).toBe(true);
    expect(related('fire', 'fire')).toBe(true);
  });
  it('keeps unrelated reports apart even when they are near', () => {
    expect(related('crowd', 'flood')).toBe(false);
    expect(related('crime', 'traffic_accident')).toBe(false);
    expect(related('other', 'fire')).toBe(false);
  });
});

describe('incident transition table (contract/transitions.ts: the server refuses, the console offers)', () => {
  const u = (status: IncidentUnit['status']): IncidentUnit => ({ unitId: `u-${status}`, status, dispatchedAt: 0, dispatchedBy: 'x', acceptedAt: null, arrivedAt: null, releasedAt: null });
  const at = (status: Incident['status']) => ({ status });
  it('allows the documented path and reopen', () => {
    expect(nextStatus(at('new'), 'acknowledge', [])).toBe('acknowledged');
    expect(nextStatus(at('acknowledged'), 'dispatch', [u('dispatched')])).toBe('dispatched');
    expect(nextStatus(at('dispatched'), 'accept', [u('accepted')])).toBe('dispatched');
    expect(nextStatus(at('dispatched'), 'on_scene', [u('on_scene')])).toBe('on_scene');
    expect(nextStatus(at('on_scene'), 'resolve', [])).toBe('resolved');
    expect(nextStatus(at('resolved'), 'close', [])).toBe('closed');
    expect(nextStatus(at('closed'), 'reopen', [])).toBe('acknowledged');
  });
  it('follows the units: on scene with the first one there, back to acknowledged when the last leaves', () => {
    // A second unit sent while the first is there: still on scene.
    expect(nextStatus(at('on_scene'), 'dispatch', [u('on_scene'), u('dispatched')])).toBe('on_scene');
    // The one on scene released, the other on its way: dispatched again.
    expect(nextStatus(at('on_scene'), 'release', [u('released'), u('dispatched')])).toBe('dispatched');
    // The last unit released before resolving: the incident waits for another.
    expect(nextStatus(at('dispatched'), 'release', [u('released')])).toBe('acknowledged');
    expect(unitStatus([u('accepted'), u('released')])).toBe('dispatched');
    expect(unitStatus([])).toBe('acknowledged');
  });
  it('refuses steps out of order', () => {
    expect(nextStatus(at('new'), 'on_scene', [])).toBeNull();
    expect(nextStatus(at('new'), 'release', [])).toBeNull();
    expect(nextStatus(at('acknowledged'), 'close', [])).toBeNull();
    expect(nextStatus(at('closed'), 'resolve', [])).toBeNull();
    expect(allowedActions('on_scene')).toEqual(['dispatch', 'accept', 'on_scene', 'release', 'resolve']);
  });
  it('lets every incident be finished, and a finished one only be closed or reopened', () => {
    for (const s of INCIDENT_STATUSES.filter((x) => x !== 'resolved' && x !== 'closed')) expect(allowedActions(s)).toContain('resolve');
    expect(allowedActions('resolved')).toEqual(['close', 'reopen']);
    expect(allowedActions('closed')).toEqual(['reopen']);
    expect(allowedActions('new')).toEqual(['acknowledge', 'dispatch', 'resolve']);
  });
});

describe('correlate (server/incidents/correlation.ts)', () => {
  const T = 1_700_000_000_000;
  const w = { radiusM: 300, windowMs: 5 * 60_000 };
  const inc = (id: string, over: Partial<Incident>): Incident =>
    ({ id, type: 'traffic_accident', status: 'new', position: [106.005, 10.005], createdAt: T, ...over }) as Incident;
  const here: LngLat = [106.005, 10.0059]; // 100 m north

  it('picks the nearest open, related incident within the radius and the window', () => {
    const far = inc('far', { position: [106.005, 10.0095] }); // 400 m
    const near = inc('near', { position: [106.005, 10.0055] });
    const nearer = inc('nearer', { position: [106.005, 10.0058], type: 'fire' });
    expect(correlate([far, near, nearer], here, T + 60_000, 'medical', w)?.id).toBe('nearer');
    expect(correlate([far], here, T, 'medical', w)).toBeUndefined();
  });

  it('leaves out resolved, closed, unrelated, unplaced and too old ones', () => {
    const out = [
      inc('resolved', { status: 'resolved' }),
      inc('closed', { status: 'closed' }),
      inc('flood', { type: 'flood' }),
      inc('nowhere', { position: null }),
      inc('old', { createdAt: T - 5 * 60_000 - 1 }),
    ];
    expect(correlate(out, here, T, 'medical', w)).toBeUndefined();
    expect(correlate([inc('edge', { createdAt: T - 5 * 60_000 })], here, T, 'medical', w)?.id).toBe('edge');
  });
});
