/** Incident panel order and distances, feed health levels, sparkline scaling, attention. (The incident actions are the contract's table: incident-correlation.test.ts.) */
import { describe, expect, it } from 'vitest';
import type { FeedHealth } from '../../contract/domain.js';
import type { Alert } from '../../contract/alerts.js';
import { compareIncidents, formatDistance } from '../../client/src/app/incidents.js';
import { feedStatus, pushSample, worst, SILENT_BAD_MS, SILENT_WARN_MS } from '../../client/src/app/feedHealth.js';
import { sparkPaths } from '../../client/src/app/History.js';
import { newIds, unackedCritical } from '../../client/src/app/attention.js';
import { layerVisibility } from '../../client/src/map/visibility.js';
import { wardLoss } from '../../client/src/map/features.js';

describe('incidents panel', () => {
  it('lists by severity, then the ones no unit works yet, then the oldest first (the id breaks a tie)', () => {
    const unit = [{ unitId: 'u', status: 'dispatched' }];
    const inc = (id: string, status: string, severity: string, createdAt: number, units: unknown[] = []) => ({ id, status, severity, createdAt, units }) as never;
    const list = [inc('a', 'dispatched', 'critical', 1, unit), inc('b', 'new', 'minor', 5), inc('c', 'acknowledged', 'critical', 0), inc('d', 'new', 'critical', 9), inc('e', 'new', 'critical', 9)];
    // An acknowledged critical accident with no unit stays at the top, above a newer one and above one being worked.
    expect(list.sort(compareIncidents).map((i: { id: string }) => i.id)).toEqual(['c', 'd', 'e', 'a', 'b']);
  });

  it('formats distances in the locale', () => {
    expect(formatDistance(347, 'en')).toBe('350 m');
    expect(formatDistance(1234, 'vi')).toBe('1,2 km');
  });
});

describe('feed health', () => {
  const feed = (over: Partial<FeedHealth>): FeedHealth => ({ feed: 'cameras', at: 1_000_000, messages: 100, rate: 1, lastMessageAt: 1_000_000, rejected: {}, gaps: 0, duplicates: 0, silentDevices: 0, ...over });

  it('ok, idle (never sent: CAP on a quiet day), silent by how long, rejecting by share', () => {
    expect(feedStatus(feed({}), [])).toEqual({ status: 'ok', level: 'ok' });
    expect(feedStatus(feed({ feed: 'cap', lastMessageAt: null, messages: 0 }), [])).toEqual({ status: 'idle', level: 'ok' });
    expect(feedStatus(feed({ at: 1_000_000 + SILENT_WARN_MS }), [])).toEqual({ status: 'silent', level: 'warn' });
    expect(feedStatus(feed({ at: 1_000_000 + SILENT_BAD_MS }), [])).toEqual({ status: 'silent', level: 'bad' });
    // A quiet CAP feed is normal.
    expect(feedStatus(feed({ feed: 'cap', at: 1_000_000 + SILENT_BAD_MS }), []).level).toBe('ok');
    const base = [{ at: 0, rejected: 2, messages: 100 }];
    expect(feedStatus(feed({ rejected: { schema: 3 }, messages: 150 }), base)).toEqual({ status: 'rejecting', level: 'warn' });
    expect(feedStatus(feed({ rejected: { schema: 40 }, messages: 110 }), base)).toEqual({ status: 'rejecting', level: 'bad' });
    // Old rejects, nothing new: healthy.
    expect(feedStatus(feed({ rejected: { schema: 2 } }), base).level).toBe('ok');
    expect(worst(['ok', 'warn', 'ok'])).toBe('warn');
    expect(worst(['warn', 'bad'])).toBe('bad');
  });

  it('keeps samples of the last window plus one baseline before it', () => {
    let h = pushSample([], { at: 0, rejected: 0, messages: 0 }, 100);
    h = pushSample(h, { at: 50, rejected: 1, messages: 5 }, 100);
    h = pushSample(h, { at: 120, rejected: 1, messages: 9 }, 100);
    h = pushSample(h, { at: 170, rejected: 1, messages: 9 }, 100);
    expect(h.map((s) => s.at)).toEqual([50, 120, 170]);
  });
});

describe('sparkline', () => {
  it('scales into the box and breaks the line at gaps', () => {
    const p = sparkPaths([[0, 0], [50, 10], [60, null], [100, 5]], 0, 100, 100, 10)!;
    // The lone point after the gap is a dot (a zero-length stroke with a round cap).
    expect(p.line).toBe('M0.0 10.0L50.0 0.0M100.0 5.0h0');
    expect([p.min, p.max, p.last]).toEqual([0, 10, 5]);
    expect(sparkPaths([[0, null]], 0, 1, 10, 10)).toBeNull();
  });
});

describe('attention and map', () => {
  const a = (id: string, severity: Alert['severity'], state: Alert['state']) => ({ id, severity, state }) as Alert;
  it('flashes for unacknowledged critical alerts and beeps only for new ones', () => {
    const crit = unackedCritical({ x: a('x', 'critical', 'active'), y: a('y', 'critical', 'acknowledged'), z: a('z', 'major', 'active') });
    expect(crit.map((c) => c.id)).toEqual(['x']);
    expect(newIds(crit, new Set(['x']))).toEqual([]);
    expect(newIds(crit, new Set())).toEqual(['x']);
  });

  it('layer visibility: toggles, cluster mode, and the stale veil', () => {
    const layers = { alerts: true, incidents: true, units: false, cameras: true, stations: true, links: true, wardCoverage: true };
    const v = layerVisibility({ layers, clustered: { cameras: true, stations: false }, stale: true });
    expect(v).toMatchObject({ cameras: false, 'cameras-clusters': true, 'cameras-clustered': true, stations: true, 'stations-clusters': false, units: false, 'stale-veil': true, 'alerts-stale': true, alerts: true });
    expect(layerVisibility({ layers, clustered: { cameras: false, stations: false }, stale: false })).toMatchObject({ cameras: true, 'stale-veil': false });
  });

  it('ward coverage choropleth from coverage_loss alerts', () => {
    const cov = (id: string, ward: string, pct: number) => ({ id, rule: 'coverage_loss', state: 'active', wardId: ward, source: { kind: 'ward', id: ward }, data: { uncoveredPct: pct } }) as unknown as Alert;
    expect(wardLoss({ a: cov('a', 'w1', 48), b: cov('b', 'w2', 12) })).toEqual(new Map([['w1', 48], ['w2', 12]]));
  });
});
