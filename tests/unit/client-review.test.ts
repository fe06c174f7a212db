/** The logic behind the irreversible steps and the closed-incident review (issue #27): pure, no clock. */
import { describe, expect, it } from 'vitest';
import type { IncidentUnit } from '../../contract/domain.js';
import { closingOf, dayLabel, fold, matchesQuery, resolveQuestion } from '../../client/src/app/review.js';
import { addDays, dayWindow, localDay } from '../../contract/shift.js';

const unit = (over: Partial<IncidentUnit>): IncidentUnit => ({ unitId: 'u1', status: 'dispatched', dispatchedAt: 1, dispatchedBy: 'a', acceptedAt: null, arrivedAt: null, releasedAt: null, ...over });

describe('resolving asks first when no unit worked the incident', () => {
  it('says which: none sent, or none arrived; asks nothing once one reached the scene', () => {
    expect(resolveQuestion({ units: [] })).toBe('resolveNoUnit');
    expect(resolveQuestion({ units: [unit({ status: 'released', releasedAt: 5 })] })).toBe('resolveNoUnit');
    expect(resolveQuestion({ units: [unit({})] })).toBe('resolveNotArrived');
    expect(resolveQuestion({ units: [unit({ status: 'on_scene', arrivedAt: 3 })] })).toBeNull();
    // Arrived, then released: it was worked.
    expect(resolveQuestion({ units: [unit({ status: 'released', arrivedAt: 3, releasedAt: 9 })] })).toBeNull();
  });
});

describe('the closed list', () => {
  it('searches accent-blind, every word somewhere', () => {
    expect(fold('Ngã tư Đường Chính')).toBe('nga tu duong chinh');
    const texts = ['inc-01a2b3', 'traffic_accident', 'Tai nạn giao thông', 'Ngã tư Chính – Ngang', 'Phường B', null];
    expect(matchesQuery(texts, 'nga tu')).toBe(true);
    expect(matchesQuery(texts, 'TAI NAN phuong b')).toBe(true);
    expect(matchesQuery(texts, '01a2')).toBe(true);
    expect(matchesQuery(texts, 'tai nạn cháy')).toBe(false);
    expect(matchesQuery(texts, '   ')).toBe(true);
  });

  it('takes the closing step from the timeline, the last one to closed', () => {
    const timeline = [
      { at: 1, by: 'a', action: 'close', to: 'closed', note: 'first' },
      { at: 2, by: 'a', action: 'reopen', from: 'closed', to: 'acknowledged' },
      { at: 3, by: 'b', action: 'close', to: 'closed', note: 'second' },
    ] as const;
    expect(closingOf({ timeline: [...timeline] })?.note).toBe('second');
    expect(closingOf({ timeline: [] })).toBeUndefined();
  });

  it('moves day by day across month and year ends, and writes the day first', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(dayLabel('2026-12-07', 'vi')).toContain('07/12/2026');
    expect(dayLabel('2026-12-07', 'en')).toMatch(/Mon.*07\/12\/2026/);
  });
});

describe('a day of the city’s calendar (GET /api/incidents/closed)', () => {
  it('is midnight to midnight local time, and only real dates', () => {
    const w = dayWindow('2026-12-07', 'Asia/Ho_Chi_Minh')!;
    expect(new Date(w.from).toISOString()).toBe('2026-12-06T17:00:00.000Z');
    expect(w.to - w.from).toBe(24 * 3600_000);
    expect(localDay(Date.parse('2026-12-06T17:30:00Z'), 'Asia/Ho_Chi_Minh')).toBe('2026-12-07');
    expect(localDay(Date.parse('2026-12-06T16:59:00Z'), 'Asia/Ho_Chi_Minh')).toBe('2026-12-06');
    for (const bad of ['2026-02-30', '2026-13-01', '07/12/2026', '']) expect(dayWindow(bad, 'Asia/Ho_Chi_Minh')).toBeNull();
  });

  it('has 23 or 25 hours on a clock change, from local midnight', () => {
    const spring = dayWindow('2026-03-29', 'Europe/Berlin')!;
    expect(new Date(spring.from).toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(spring.to - spring.from).toBe(23 * 3600_000);
    const autumn = dayWindow('2026-10-25', 'Europe/Berlin')!;
    expect(new Date(autumn.from).toISOString()).toBe('2026-10-24T22:00:00.000Z');
    expect(autumn.to - autumn.from).toBe(25 * 3600_000);
  });
});
