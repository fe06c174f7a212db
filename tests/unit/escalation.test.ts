import { describe, expect, it } from 'vitest';
import type { Alert, Severity } from '../../contract/index.js';
import { dueEscalations, stepUp, type EscalatableAlert } from '../../server/alerts/escalation.js';
import { defaultRules, parseRules } from '../../server/alerts/rules-config.js';

const S = 1000;
const T0 = 1_700_000_000_000;
const cfg = defaultRules();

function alert(id: string, severity: Severity, over: Partial<Omit<EscalatableAlert, 'rule' | 'data'>> = {}): EscalatableAlert {
  const a: Alert = {
    id, rule: 'camera_offline', dedupeKey: `test:${id}`, severity, state: 'active', title: id,
    source: { kind: 'camera', id: 'c' }, position: null, wardId: null, incidentId: null,
    count: 1, firstSeen: T0, lastSeen: T0, escalated: false,
    acknowledgedBy: null, acknowledgedAt: null, clearedBy: null, clearedAt: null, version: 1, data: { state: 'offline', sinceS: 0 },
  };
  return { ...a, ...over };
}

describe('dueEscalations', () => {
  it('steps severities up one level', () => {
    expect(['info', 'minor', 'major', 'critical'].map((s) => stepUp(s as Severity))).toEqual(['minor', 'major', 'critical', 'critical']);
  });

  it('escalates an active alert once it is older than its deadline, not before', () => {
    const alerts = [alert('mi', 'minor'), alert('ma', 'major'), alert('cr', 'critical')];
    expect(dueEscalations(alerts, T0 + 119 * S, cfg)).toEqual([]);
    expect(dueEscalations(alerts, T0 + 120 * S, cfg)).toEqual([{ id: 'cr', from: 'critical', to: 'critical' }]);
    expect(dueEscalations(alerts, T0 + 600 * S, cfg)).toEqual([
      { id: 'ma', from: 'major', to: 'critical' },
      { id: 'cr', from: 'critical', to: 'critical' },
    ]);
    expect(dueEscalations(alerts, T0 + 1800 * S, cfg).map((e) => [e.id, e.to])).toEqual([
      ['mi', 'major'],
      ['ma', 'critical'],
      ['cr', 'critical'],
    ]);
  });

  it('skips acknowledged, cleared, no-deadline and already-escalated critical alerts', () => {
    const later = T0 + 10_000 * S;
    const alerts = [
      alert('ack', 'major', { state: 'acknowledged', acknowledgedBy: 'op', acknowledgedAt: T0 + S }),
      alert('clr', 'critical', { state: 'cleared', clearedAt: T0 + S }),
      alert('info', 'info'),
      alert('done', 'critical', { escalated: true }),
    ];
    expect(dueEscalations(alerts, later, cfg)).toEqual([]);
  });

  it('an escalated alert waits its new level deadline again: no cascade', () => {
    // minor at T0 → major at T0+1800 s; major's deadline counts from there.
    const a = alert('x', 'major', { escalated: true });
    expect(dueEscalations([a], T0 + 2399 * S, cfg)).toEqual([]);
    expect(dueEscalations([a], T0 + 2400 * S, cfg)).toEqual([{ id: 'x', from: 'major', to: 'critical' }]);
    // A store that keeps the escalation time is trusted over the reconstruction.
    const b = alert('y', 'major', { escalated: true, escalatedAt: T0 + 5000 * S });
    expect(dueEscalations([b], T0 + 5599 * S, cfg)).toEqual([]);
    expect(dueEscalations([b], T0 + 5600 * S, cfg)).toEqual([{ id: 'y', from: 'major', to: 'critical' }]);
  });

  it('uses the configured deadlines, info included', () => {
    const custom = parseRules({ escalation: { ackDeadlineS: { info: 60, minor: 30, major: null } } });
    const alerts = [alert('i', 'info'), alert('m', 'minor'), alert('M', 'major')];
    expect(dueEscalations(alerts, T0 + 30 * S, custom)).toEqual([{ id: 'm', from: 'minor', to: 'major' }]);
    expect(dueEscalations(alerts, T0 + 60 * S, custom).map((e) => e.id)).toEqual(['i', 'm']);
    // info → minor at 60 s; as an escalated minor it is due 30 s later, not at once.
    const escalated = alert('i2', 'minor', { escalated: true });
    expect(dueEscalations([escalated], T0 + 89 * S, custom)).toEqual([]);
    expect(dueEscalations([escalated], T0 + 90 * S, custom)).toEqual([{ id: 'i2', from: 'minor', to: 'major' }]);
    expect(dueEscalations([alert('M', 'major')], T0 + 100_000 * S, custom)).toEqual([]);
  });
});
