import { describe, expect, it } from 'vitest';
import type { Audience, FullChange as Change, Incident, Snapshot, Unit } from '../../contract/index.js';
import { audienceKey, filterChange, filterSnapshot } from '../../server/push/audience.js';
import { AudienceStream } from '../../server/push/stream.js';
import { makeAlert } from '../fixtures/domain.js';

const incident = (id: string, unitId: string | null, wardId = 'w1', status: Incident['status'] = 'dispatched'): Incident => ({
  id,
  type: 'fire',
  severity: 'major',
  status,
  channel: 'hotline_114',
  position: [108.99, 11.56],
  address: null,
  description: 'cháy',
  externalRef: null,
  wardId,
  injured: null,
  hurt: false,
  callback: null,
  units: unitId ? [{ unitId, status: status === 'on_scene' ? 'on_scene' : 'dispatched', dispatchedAt: 0, dispatchedBy: 'x', acceptedAt: null, arrivedAt: null, releasedAt: null }] : [],
  alertIds: [],
  cameraIds: [],
  cameraDistancesM: [],
  timeline: [],
  createdAt: 0,
  updatedAt: 0,
  acknowledgedAt: null,
  resolvedAt: null,
  version: 1,
});
const unit = (id: string): Unit => ({ id, name: id, kind: 'fire', status: 'busy', position: [108.99, 11.56], incidentId: null, updatedAt: 0, version: 1 });
const inc = (i: Incident): Change => ({ kind: 'incident', incident: i });
const fire1: Audience = { kind: 'unit', unitId: 'fire-1' };

describe('audiences', () => {
  it('a responder unit sees its own incidents only, and loses one reassigned away', () => {
    const visible = new Set<string>();
    expect(filterChange(fire1, inc(incident('i1', 'fire-2')), visible)).toBeNull();
    expect(filterChange(fire1, inc(incident('i2', 'fire-1')), visible)).toMatchObject({ kind: 'incident' });
    expect(filterChange(fire1, inc(incident('i2', 'fire-2')), visible)).toEqual({ kind: 'gone', entity: 'incident', id: 'i2' });
    expect(filterChange(fire1, inc(incident('i2', 'fire-2')), visible)).toBeNull();
    expect(filterChange(fire1, { kind: 'unit', unit: unit('fire-2') }, visible)).toBeNull();
    expect(filterChange(fire1, { kind: 'unit', unit: unit('fire-1') }, visible)).toMatchObject({ kind: 'unit' });
    expect(filterChange(fire1, { kind: 'kpis', kpis: {} as never }, visible)).toBeNull();
  });

  it('a closed incident leaves the responder screen', () => {
    const visible = new Set<string>(['incident:i3']);
    expect(filterChange(fire1, inc(incident('i3', 'fire-1', 'w1', 'closed')), visible)).toEqual({ kind: 'gone', entity: 'incident', id: 'i3' });
  });

  it('a district sees its wards, the city sees everything', () => {
    const d: Audience = { kind: 'wards', wardIds: ['w2', 'w1'] };
    expect(audienceKey(d)).toBe('wards:w1,w2');
    const v = new Set<string>();
    expect(filterChange(d, inc(incident('a', null, 'w1')), v)).not.toBeNull();
    expect(filterChange(d, inc(incident('b', null, 'w9')), v)).toBeNull();
    expect(filterChange({ kind: 'city' }, inc(incident('b', null, 'w9')), new Set())).not.toBeNull();
  });

  it('filters the snapshot the same way', () => {
    const s = {
      epoch: 'e',
      seq: 4,
      serverTime: 0,
      cameras: [],
      stations: [],
      links: [],
      alerts: [],
      incidents: [incident('i1', 'fire-1'), incident('i2', 'fire-2')],
      units: [unit('fire-1'), unit('fire-2')],
      kpis: {} as never,
      feeds: [{ feed: 'cameras' } as never],
    } satisfies Snapshot;
    const { snapshot, visible } = filterSnapshot(fire1, s);
    expect(snapshot.incidents.map((i) => i.id)).toEqual(['i1']);
    expect(snapshot.units.map((u) => u.id)).toEqual(['fire-1']);
    expect(snapshot.feeds).toEqual([]);
    expect([...visible].sort()).toEqual(['incident:i1', 'unit:fire-1']);
  });

  it('each audience stream numbers only its own deltas, consecutively', () => {
    const s = new AudienceStream(fire1, 'r', 10);
    s.init(new Set());
    expect(s.next([inc(incident('x', 'fire-2'))])).toBeNull();
    expect(s.next([inc(incident('y', 'fire-1'))])!.seq).toBe(1);
    expect(s.next([inc(incident('z', 'fire-3'))])).toBeNull();
    expect(s.next([inc(incident('y', 'fire-1', 'w1', 'on_scene'))])!.seq).toBe(2);
    expect(s.since(0)!.map((d) => d.seq)).toEqual([1, 2]);
  });
});

describe('what a stream holds to tell a screen an item left', () => {
  const alert = (id: string, state: 'active' | 'cleared', wardId = 'w1'): Change => ({ kind: 'alert', alert: makeAlert(id, { state, wardId }) });

  it('a district holds the open items it shows; as they clear or close the count falls back to none', () => {
    const d: Audience = { kind: 'wards', wardIds: ['w1'] };
    const visible = new Set<string>();
    for (let i = 0; i < 500; i++) expect(filterChange(d, alert(`a${i}`, 'active'), visible)).not.toBeNull();
    expect(filterChange(d, inc(incident('i1', null)), visible)).not.toBeNull();
    expect(visible.size).toBe(501);
    // Still shown in their last state (the queue's recent history), then no longer held.
    for (let i = 0; i < 500; i++) expect(filterChange(d, alert(`a${i}`, 'cleared'), visible)).toMatchObject({ kind: 'alert', alert: { state: 'cleared' } });
    expect(filterChange(d, inc(incident('i1', null, 'w1', 'closed')), visible)).toMatchObject({ kind: 'incident' });
    expect(visible.size).toBe(0);
  });

  it('a reopened incident is held again, and leaves with a gone when it moves out of the district', () => {
    const d: Audience = { kind: 'wards', wardIds: ['w1'] };
    const visible = new Set<string>();
    filterChange(d, inc(incident('i1', null, 'w1', 'closed')), visible);
    expect(visible.size).toBe(0);
    expect(filterChange(d, inc(incident('i1', null, 'w1', 'acknowledged')), visible)).toMatchObject({ kind: 'incident' });
    expect(visible.size).toBe(1);
    expect(filterChange(d, inc(incident('i1', null, 'w9', 'acknowledged')), visible)).toEqual({ kind: 'gone', entity: 'incident', id: 'i1' });
    expect(visible.size).toBe(0);
  });

  it('the city and the wall see everything, so they hold nothing however many items pass', () => {
    for (const a of [{ kind: 'city' }, { kind: 'wall' }] satisfies Audience[]) {
      const visible = new Set<string>();
      for (let i = 0; i < 500; i++) expect(filterChange(a, alert(`a${i}`, 'active', i % 2 ? 'w1' : 'w9'), visible)).toMatchObject({ kind: 'alert' });
      expect(filterChange(a, inc(incident('i1', null)), visible)).toMatchObject({ kind: 'incident' });
      expect(visible.size).toBe(0);
      const snap = filterSnapshot(a, { epoch: 'e', seq: 0, serverTime: 0, cameras: [], stations: [], links: [], alerts: [makeAlert('x')], incidents: [incident('i2', null)], units: [unit('u1')], kpis: {} as never, feeds: [] });
      expect(snap.visible.size).toBe(0);
    }
  });
});
