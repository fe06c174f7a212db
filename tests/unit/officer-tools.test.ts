/**
 * The pure logic behind the console's officer tools (issue #27, point 7): which
 * window "this shift" is, which incidents belong to it, a unit's callsign, the
 * roster's order, and what a ward filter keeps.
 */
import { describe, expect, it } from 'vitest';
import type { Camera, Incident, Unit } from '../../contract/domain.js';
import type { Alert } from '../../contract/alerts.js';
import { shiftWindow, zoneOffsetMs } from '../../contract/shift.js';
import { shiftIncidents } from '../../server/http/csv.js';
import { loadConfig } from '../../server/config.js';
import { unitCallsign } from '../../client/src/app/callsign.js';
import { rosterOrder } from '../../client/src/app/UnitRoster.js';
import { cameraAvailability, inWard } from '../../client/src/app/ward.js';
import { soundState } from '../../client/src/app/SoundToggle.js';
import { attachmentName, replayHref } from '../../client/src/app/ToolsMenu.js';
import { alertWard } from '../../client/src/app/queue.js';

const HCM = 'Asia/Ho_Chi_Minh';
/** Epoch ms of a wall-clock time in Ho Chi Minh City (UTC+7). */
const local = (iso: string) => Date.parse(`${iso}+07:00`);

describe('the current shift', () => {
  it('reads the city’s wall clock', () => {
    expect(zoneOffsetMs(Date.parse('2026-12-07T02:00:00Z'), HCM)).toBe(7 * 3_600_000);
    expect(zoneOffsetMs(Date.parse('2026-12-07T02:00:00Z'), 'UTC')).toBe(0);
  });

  it('is one of 06–14, 14–22 and 22–06 in the city’s time, the night shift spanning midnight', () => {
    expect(shiftWindow(local('2026-12-07T09:30:00'), HCM)).toEqual({ from: local('2026-12-07T06:00:00'), to: local('2026-12-07T14:00:00') });
    expect(shiftWindow(local('2026-12-07T14:00:00'), HCM)).toEqual({ from: local('2026-12-07T14:00:00'), to: local('2026-12-07T22:00:00') });
    expect(shiftWindow(local('2026-12-07T23:10:00'), HCM)).toEqual({ from: local('2026-12-07T22:00:00'), to: local('2026-12-08T06:00:00') });
    // 03:00 belongs to the shift that began at 22:00 the day before.
    expect(shiftWindow(local('2026-12-08T03:00:00'), HCM)).toEqual({ from: local('2026-12-07T22:00:00'), to: local('2026-12-08T06:00:00') });
    expect(shiftWindow(local('2026-12-08T05:59:59'), HCM).to).toBe(local('2026-12-08T06:00:00'));
  });

  it('starts at the hours SHIFT_STARTS names (whole hours, any order), and refuses anything else', () => {
    expect(loadConfig({}).SHIFT_STARTS).toEqual([6, 14, 22]);
    expect(loadConfig({ SHIFT_STARTS: '19:00, 7' }).SHIFT_STARTS).toEqual([7, 19]);
    for (const bad of ['24:00', '7:30', 'morning', '6,,14']) expect(() => loadConfig({ SHIFT_STARTS: bad }), bad).toThrow(/SHIFT_STARTS/);
  });

  it('takes other start hours', () => {
    expect(shiftWindow(local('2026-12-07T20:00:00'), HCM, [7, 19])).toEqual({ from: local('2026-12-07T19:00:00'), to: local('2026-12-08T07:00:00') });
  });
});

describe('the incidents of a shift', () => {
  const inc = (id: string, createdAt: number, updatedAt: number, status: Incident['status']) => ({ id, createdAt, updatedAt, status }) as Incident;
  const from = local('2026-12-07T22:00:00');
  const to = local('2026-12-08T03:00:00');
  it('are those opened during it, worked on during it, or still open while it ran', () => {
    const list = [
      inc('opened-in-shift', from + 60_000, from + 60_000, 'new'),
      inc('left-open-by-last-shift', from - 3_600_000, from - 3_600_000, 'dispatched'),
      inc('closed-during-shift', from - 7_200_000, from + 600_000, 'closed'),
      inc('done-before-shift', from - 7_200_000, from - 3_600_000, 'resolved'),
      inc('closed-before-shift', from - 7_200_000, from - 60_000, 'closed'),
      inc('after-the-window', to + 1, to + 1, 'new'),
    ];
    expect(shiftIncidents(list, from, to).map((i) => i.id)).toEqual(['opened-in-shift', 'left-open-by-last-shift', 'closed-during-shift']);
  });
});

describe('a unit’s callsign', () => {
  it('is its id without the unit prefix, upper case and short', () => {
    expect(unitCallsign('u-csgt-pr')).toBe('CSGT-PR');
    expect(unitCallsign('tt-u-fire')).toBe('FIRE');
    expect(unitCallsign('u-crew-vnp')).toBe('CREW-VNP');
    expect(unitCallsign('patrol-7')).toBe('PATROL-7');
    expect(unitCallsign('u-a-very-long-unit-name')).toHaveLength(10);
  });
});

describe('the unit roster', () => {
  it('lists busy units first, then available, then off duty, by callsign within each', () => {
    const unit = (id: string, status: Unit['status']) => ({ id, status }) as Unit;
    const units = Object.fromEntries([unit('u-fire', 'available'), unit('u-off', 'off_duty'), unit('u-csgt-b', 'busy'), unit('u-amb', 'available'), unit('u-csgt-a', 'busy')].map((u) => [u.id, u]));
    expect(rosterOrder(units).map((u) => u.id)).toEqual(['u-csgt-a', 'u-csgt-b', 'u-amb', 'u-fire', 'u-off']);
  });
});

describe('the ward filter', () => {
  const cam = (id: string, wardId: string | null) => ({ id, wardId }) as Camera;
  it('keeps the ward’s items, and passes the collection itself through when no ward is chosen', () => {
    const cams = { a: cam('a', 'w1'), b: cam('b', 'w2'), c: cam('c', null) };
    expect(Object.keys(inWard(cams, 'w1', (c) => c.wardId))).toEqual(['a']);
    expect(inWard(cams, null, (c) => c.wardId)).toBe(cams);
  });
  it('counts a ward’s camera availability as the server counts the city’s: known cameras not offline and not stale', () => {
    const c = (id: string, state: Camera['state'], stale = false) => ({ id, wardId: 'w1', state, stale }) as Camera;
    expect(cameraAvailability({ a: c('a', 'online'), b: c('b', 'offline'), c: c('c', 'unknown'), d: c('d', 'online', true) })).toBeCloseTo(100 / 3);
    expect(cameraAvailability({ c: c('c', 'unknown') })).toBeNull();
  });

  it('puts a ward’s own alerts (a coverage loss names its ward as the source) in the ward', () => {
    const alerts = {
      x: { id: 'x', wardId: 'w1', source: { kind: 'camera', id: 'c' } },
      y: { id: 'y', wardId: null, source: { kind: 'ward', id: 'w1' } },
      z: { id: 'z', wardId: 'w2', source: { kind: 'station', id: 's' } },
    } as unknown as Record<string, Alert>;
    expect(Object.keys(inWard(alerts, 'w1', alertWard))).toEqual(['x', 'y']);
  });
});

describe('the sound switch', () => {
  it('is on only when the officer wants sound and the browser allows it; muted otherwise, and says which', () => {
    expect(soundState(true, 'ready')).toBe('on');
    expect(soundState(true, 'locked')).toBe('blocked');
    expect(soundState(true, 'none')).toBe('blocked');
    expect(soundState(false, 'ready')).toBe('muted');
    expect(soundState(false, 'locked')).toBe('muted');
  });
});

describe('the tools menu', () => {
  it('opens the replay on the last quarter hour, at now', () => {
    expect(replayHref(1_000_000_000)).toBe('/replay?from=999100000&to=1000000000&at=1000000000');
  });
  it('names the download as the server does', () => {
    expect(attachmentName('attachment; filename="incidents-shift-2026-12-07T22-00.csv"', 'x.csv')).toBe('incidents-shift-2026-12-07T22-00.csv');
    expect(attachmentName('attachment; filename=a.csv', 'x.csv')).toBe('a.csv');
    expect(attachmentName(null, 'x.csv')).toBe('x.csv');
  });
});
