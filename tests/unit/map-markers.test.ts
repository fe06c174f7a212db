/** What the map draws for incidents and alerts (issue #27 point 4): one marker per incident with its alerts. */
import { describe, expect, it } from 'vitest';
import type { Incident } from '../../contract/domain.js';
import type { Alert } from '../../contract/alerts.js';
import { markerFeatures, NEW_ALERT_MS } from '../../client/src/map/features.js';
import type { AlertOver } from '../fixtures/domain.js';

const NOW = 1_000_000;
const alert = (id: string, over: AlertOver = {}): Alert =>
  ({
    id, rule: 'camera_offline', dedupeKey: id, severity: 'minor', state: 'active', title: id, source: { kind: 'camera', id: 'c' },
    position: [108.99, 11.56], wardId: null, incidentId: null, count: 1, firstSeen: NOW - 10 * NEW_ALERT_MS, lastSeen: NOW,
    escalated: false, data: { state: 'offline', sinceS: 0 }, acknowledgedBy: null, acknowledgedAt: null, clearedBy: null, clearedAt: null, version: 1, ...over,
  }) as Alert;
const incident = (id: string, over: Partial<Incident> = {}): Incident => ({ id, severity: 'major', status: 'new', position: [108.98, 11.57], ...over }) as Incident;

const props = (fc: ReturnType<typeof markerFeatures>) => Object.fromEntries(fc.features.map((f) => [f.properties!.id, f.properties!]));

describe('markerFeatures', () => {
  it('draws an incident once with its alerts counted, and an alert of no incident on its own', () => {
    const incidents = { i1: incident('i1') };
    const alerts = {
      a1: alert('a1', { incidentId: 'i1', escalated: true }),
      a2: alert('a2', { incidentId: 'i1', severity: 'critical', firstSeen: NOW - 1000 }),
      a3: alert('a3'),
      gone: alert('gone', { incidentId: 'i1', state: 'cleared' }),
    };
    const p = props(markerFeatures(incidents, alerts, {}, {}, NOW));
    expect(Object.keys(p).sort()).toEqual(['a3', 'i1']);
    // The incident carries its alerts' count and whether any is new or escalated (its ring and pulse), its own severity's level.
    expect(p.i1).toMatchObject({ kind: 'incident', alertCount: 2, isNew: true, escalated: true, severity: 'major', level: 2 });
    expect(p.a3).toMatchObject({ kind: 'alert', level: 1, isNew: false });
  });

  it('draws the alerts of a closed or unplaced incident, or with incidents switched off, on their own', () => {
    const alerts = { a1: alert('a1', { incidentId: 'i1' }), a2: alert('a2', { incidentId: 'i2' }) };
    const incidents = { i1: incident('i1', { status: 'closed' }), i2: incident('i2', { position: null }) };
    expect(Object.keys(props(markerFeatures(incidents, alerts, {}, {}, NOW))).sort()).toEqual(['a1', 'a2']);
    const open = { i1: incident('i1'), i2: incident('i2') };
    expect(Object.keys(props(markerFeatures(open, alerts, {}, {}, NOW, { alerts: true, incidents: false }))).sort()).toEqual(['a1', 'a2']);
    expect(Object.keys(props(markerFeatures(open, alerts, {}, {}, NOW, { alerts: false, incidents: true }))).sort()).toEqual(['i1', 'i2']);
  });
});
