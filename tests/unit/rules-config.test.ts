import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultRules, loadRules, parseRules, RulesConfigError } from '../../server/alerts/rules-config.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rules-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}
function errorOf(fn: () => unknown): RulesConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RulesConfigError);
    return err as RulesConfigError;
  }
  throw new Error('expected a RulesConfigError');
}

describe('rules config', () => {
  it('has the documented defaults without any file', () => {
    const r = loadRules(undefined);
    expect(r).toEqual(defaultRules());
    expect(r.cameraOffline).toEqual({ afterS: 120, severity: 'major', degradedAfterS: 600, degradedSeverity: 'minor' });
    expect(r.detections).toEqual({ immediate: { accident: 'critical', fire_smoke: 'critical', crowd: 'major' }, minConfidence: 0.6, dedupeWindowS: 120 });
    expect(r.violationBurst).toEqual({ kinds: ['red_light', 'wrong_way', 'speeding', 'illegal_parking', 'no_helmet'], count: 10, windowS: 300, severity: 'minor', by: 'camera' });
    expect(r.congestion).toEqual({ queueM: 300, forS: 300, severity: 'major' });
    expect(r.stationDown).toEqual({ severity: 'major' });
    expect(r.stationBattery).toEqual({ belowPct: 30, severity: 'minor' });
    expect(r.backhaulDown).toEqual({ severity: 'major' });
    expect(r.linkDown).toEqual({ severity: 'major', commune: 'critical' });
    expect(r.coverageLoss).toEqual({ techs: ['3G', '4G'], minUncoveredPct: 20, severity: 'major', criticalPct: 60, gridM: 100 });
    expect(r.incidentReport).toEqual({});
    expect(r.escalation.ackDeadlineS).toEqual({ critical: 120, major: 600, minor: 1800, info: null });
    expect(loadRules('')).toEqual(r);
  });

  it('config/rules.example.json documents every knob with its default', () => {
    const example = path.resolve(import.meta.dirname, '../../config/rules.example.json');
    expect(loadRules(example)).toEqual(defaultRules());
    // Every knob is spelled out, not left to the defaults.
    const raw = JSON.parse(readFileSync(example, 'utf8')) as Record<string, Record<string, unknown>>;
    for (const [section, knobs] of Object.entries(defaultRules())) {
      expect(Object.keys(raw[section] ?? {}).filter((k) => k !== '$comment').sort(), section).toEqual(Object.keys(knobs).sort());
    }
  });

  it('merges a partial file over the defaults', () => {
    const r = loadRules(file('partial.json', JSON.stringify({ congestion: { queueM: 150 }, escalation: { ackDeadlineS: { info: 3600 } } })));
    expect(r.congestion).toEqual({ queueM: 150, forS: 300, severity: 'major' });
    expect(r.escalation.ackDeadlineS).toEqual({ critical: 120, major: 600, minor: 1800, info: 3600 });
    expect(r.cameraOffline.afterS).toBe(120);
  });

  it('a bad value names the field and the file', () => {
    const p = file('bad-type.json', JSON.stringify({ congestion: { forS: '300' } }));
    const err = errorOf(() => loadRules(p));
    expect(err.file).toBe(p);
    expect(err.field).toBe('congestion.forS');
    expect(err.message).toContain(p);
    expect(err.message).toContain('congestion.forS');
  });

  it('names the offending field for enums, array items and unknown keys', () => {
    expect(errorOf(() => parseRules({ violationBurst: { kinds: ['red_light', 'accident'] } })).field).toBe('violationBurst.kinds[1]');
    expect(errorOf(() => parseRules({ cameraOffline: { severity: 'urgent' } })).field).toBe('cameraOffline.severity');
    expect(errorOf(() => parseRules({ cameraOffline: { afterSeconds: 60 } })).field).toBe('cameraOffline.afterSeconds');
    expect(errorOf(() => parseRules({ coverageLos: {} })).field).toBe('coverageLos');
    expect(errorOf(() => parseRules({ detections: { minConfidence: 1.5 } })).field).toBe('detections.minConfidence');
  });

  it('reports unreadable and malformed files', () => {
    const missing = path.join(dir, 'nope.json');
    expect(errorOf(() => loadRules(missing)).message).toMatch(/nope\.json: \(file\): cannot read \(ENOENT\)/);
    const broken = file('broken.json', '{ "congestion": ');
    expect(errorOf(() => loadRules(broken)).message).toMatch(/broken\.json: \(file\): invalid JSON/);
  });
});
