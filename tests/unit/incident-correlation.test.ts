import { describe, expect, it } from 'vitest';
import { allowedActions, INCIDENT_STATUSES, nextStatus } from '../../contract/index.js';
import { related } from '../../server/incidents/correlation.js';

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
  it('allows the documented path and reopen', () => {
    expect(nextStatus('new', 'acknowledge')).toBe('acknowledged');
    expect(nextStatus('acknowledged', 'dispatch')).toBe('dispatched');
    expect(nextStatus('dispatched', 'on_scene')).toBe('on_scene');
    expect(nextStatus('on_scene', 'resolve')).toBe('resolved');
    expect(nextStatus('resolved', 'close')).toBe('closed');
    expect(nextStatus('closed', 'reopen')).toBe('acknowledged');
  });
  it('refuses steps out of order', () => {
    expect(nextStatus('new', 'on_scene')).toBeNull();
    expect(nextStatus('acknowledged', 'close')).toBeNull();
    expect(nextStatus('closed', 'resolve')).toBeNull();
    expect(allowedActions('on_scene')).toEqual(['resolve']);
  });
  it('lets every incident be finished, and a finished one only be closed or reopened', () => {
    for (const s of INCIDENT_STATUSES.filter((x) => x !== 'resolved' && x !== 'closed')) expect(allowedActions(s)).toContain('resolve');
    expect(allowedActions('resolved')).toEqual(['close', 'reopen']);
    expect(allowedActions('closed')).toEqual(['reopen']);
    expect(allowedActions('new')).toEqual(['acknowledge', 'dispatch', 'resolve']);
    // Dispatching again swaps the unit: it stays dispatched.
    expect(nextStatus('dispatched', 'dispatch')).toBe('dispatched');
  });
});
