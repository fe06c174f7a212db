/** The alert queue's pure logic: grouping of related alerts, filters, order, keyboard moves. */
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../contract/alerts.js';
import { groupAlerts, isFiltered, matchesFilters, moveIndex, NO_FILTERS, queueLines, countBySeverity } from '../../client/src/app/queue.js';
import { ruleGroup } from '../../client/src/app/alertText.js';
import { makeAlert, type AlertOver } from '../fixtures/domain.js';

const alert = (id: string, over: AlertOver = {}): Alert =>
  makeAlert(id, { source: { kind: 'camera', id: `cam-${id}` }, position: [108.99, 11.56], wardId: 'w1', firstSeen: 1_000, lastSeen: 1_000, ...over });

describe('grouping related alerts (review item 4)', () => {
  it('puts one station outage (down, backhaul, battery, the ward coverage loss) on one line led by the most urgent', () => {
    const st = { kind: 'station' as const, id: 'bs-1' };
    const alerts = [
      alert('down', { rule: 'station_down', source: st, lastSeen: 5 }),
      alert('bh', { rule: 'backhaul_down', source: st, lastSeen: 6 }),
      alert('batt', { rule: 'station_battery', source: st, severity: 'minor', lastSeen: 7 }),
      alert('cov', { rule: 'coverage_loss', source: { kind: 'ward', id: 'w1' }, severity: 'critical', data: { uncoveredPct: 48, stationIds: 'bs-1,bs-9' }, lastSeen: 4 }),
      alert('other', { rule: 'camera_offline', lastSeen: 100 }),
    ];
    const groups = groupAlerts(alerts);
    expect(groups).toHaveLength(2);
    expect(groups[0]!.lead.id).toBe('cov'); // critical leads, and the critical group sorts first
    expect(groups[0]!.members.map((m) => m.id)).toEqual(['cov', 'bh', 'down', 'batt']);
    expect(groups[1]!.members.map((m) => m.id)).toEqual(['other']);
  });

  it('joins a camera detection and a hotline report the server linked to one incident', () => {
    const groups = groupAlerts([
      alert('acc', { rule: 'detection_accident', severity: 'critical', incidentId: 'inc-1' }),
      alert('call', { rule: 'incident_report', source: { kind: 'incident', id: 'hotline-115:C1' }, incidentId: 'inc-1' }),
      alert('unrelated', { source: { kind: 'camera', id: 'cam-9' } }),
    ]);
    expect(groups.map((g) => g.members.map((m) => m.id))).toEqual([['acc', 'call'], ['unrelated']]);
  });

  it('chains relations transitively and counts active members and escalation', () => {
    const groups = groupAlerts([
      alert('a', { source: { kind: 'camera', id: 'c1' }, incidentId: 'i1' }),
      alert('b', { source: { kind: 'camera', id: 'c2' }, incidentId: 'i1', state: 'acknowledged' }),
      alert('c', { source: { kind: 'camera', id: 'c2' }, escalated: true }),
    ]);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.active.map((a) => a.id).sort()).toEqual(['a', 'c']);
    expect(groups[0]!.escalated).toBe(true);
  });

  it('orders groups by severity, then most recent', () => {
    const groups = groupAlerts([
      alert('old-major', { lastSeen: 1 }),
      alert('minor', { severity: 'minor', lastSeen: 9 }),
      alert('new-major', { lastSeen: 5 }),
      alert('crit', { severity: 'critical', lastSeen: 0 }),
    ]);
    expect(groups.map((g) => g.id)).toEqual(['crit', 'new-major', 'old-major', 'minor']);
  });

  it('expands a group into member lines; j/k moves clamp at the ends', () => {
    const groups = groupAlerts([alert('a', { incidentId: 'i' }), alert('b', { incidentId: 'i', source: { kind: 'camera', id: 'x' } }), alert('c', { source: { kind: 'camera', id: 'y' }, severity: 'info' })]);
    expect(queueLines(groups, new Set()).map((l) => l.key)).toEqual(['g:a', 'g:c']);
    expect(queueLines(groups, new Set(['a'])).map((l) => l.key)).toEqual(['g:a', 'm:a', 'm:b', 'g:c']);
    expect(moveIndex(-1, 1, 4)).toBe(0);
    expect(moveIndex(3, 1, 4)).toBe(3);
    expect(moveIndex(0, -1, 4)).toBe(0);
    expect(moveIndex(2, -1, 4)).toBe(1);
    expect(moveIndex(-1, 1, 0)).toBe(-1);
  });
});

describe('queue filters', () => {
  const list = [
    alert('crit-cam', { severity: 'critical', rule: 'detection_fire_smoke', wardId: 'w1' }),
    alert('maj-station', { rule: 'station_down', source: { kind: 'station', id: 's' }, wardId: 'w2', state: 'acknowledged' }),
    alert('cov', { rule: 'coverage_loss', source: { kind: 'ward', id: 'w3' }, wardId: null }),
  ];
  const ids = (f: Parameters<typeof matchesFilters>[1]) => list.filter((a) => matchesFilters(a, f)).map((a) => a.id);

  it('by severity, type (rule family), ward (own or the ward it is about) and acknowledgement', () => {
    expect(ids(NO_FILTERS)).toEqual(['crit-cam', 'maj-station', 'cov']);
    expect(ids({ ...NO_FILTERS, severities: ['critical'] })).toEqual(['crit-cam']);
    expect(ids({ ...NO_FILTERS, group: 'telecom' })).toEqual(['maj-station']);
    expect(ids({ ...NO_FILTERS, group: 'detection' })).toEqual(['crit-cam']);
    expect(ids({ ...NO_FILTERS, wardId: 'w3' })).toEqual(['cov']);
    expect(ids({ ...NO_FILTERS, ack: 'acked' })).toEqual(['maj-station']);
    expect(ids({ ...NO_FILTERS, ack: 'unacked', severities: ['major'] })).toEqual(['cov']);
    expect(isFiltered(NO_FILTERS)).toBe(false);
    expect(isFiltered({ ...NO_FILTERS, wardId: 'w1' })).toBe(true);
  });

  it('rule families cover every rule the server raises', () => {
    expect(ruleGroup('camera_offline')).toBe('camera');
    expect(ruleGroup('detection_accident')).toBe('detection');
    expect(ruleGroup('violation_burst')).toBe('traffic');
    expect(ruleGroup('congestion')).toBe('traffic');
    expect(ruleGroup('backhaul_down')).toBe('telecom');
    expect(ruleGroup('link_down')).toBe('telecom');
    expect(ruleGroup('coverage_loss')).toBe('coverage');
    expect(ruleGroup('incident_report')).toBe('incident_report');
    expect(ruleGroup('something_new')).toBe('other');
  });

  it('counts per severity for the queue header', () => {
    expect(countBySeverity(list)).toEqual({ critical: 1, major: 2, minor: 0, info: 0 });
  });
});
