/**
 * The replay page's from/to fields (client/src/app/replay/cityTime.ts): they read and
 * write the city's wall clock, dd/mm/yyyy HH:mm, whatever zone the test process runs in.
 */
import { describe, expect, it } from 'vitest';
import { formatCityInput, parseCityInput, utcOffsetLabel } from '../../client/src/app/replay/cityTime.js';

const HCM = 'Asia/Ho_Chi_Minh';

describe('replay window fields in city time', () => {
  it('writes an instant as the city reads it: day first, 24-hour', () => {
    // 2026-12-07 14:05 UTC is 21:05 in Hồ Chí Minh City (UTC+7).
    expect(formatCityInput(Date.UTC(2026, 11, 7, 14, 5, 42), HCM)).toBe('07/12/2026 21:05');
    // After midnight in the city while it is still the day before in UTC.
    expect(formatCityInput(Date.UTC(2026, 11, 7, 18, 30), HCM)).toBe('08/12/2026 01:30');
    expect(formatCityInput(Date.UTC(2026, 11, 7, 18, 30), 'America/New_York')).toBe('07/12/2026 13:30');
  });

  it('reads what it writes as the city time, one or two digits alike', () => {
    expect(parseCityInput('07/12/2026 21:05', HCM)).toBe(Date.UTC(2026, 11, 7, 14, 5));
    expect(parseCityInput(' 8/12/2026 1:30 ', HCM)).toBe(Date.UTC(2026, 11, 7, 18, 30));
    const at = Date.UTC(2026, 5, 30, 23, 59);
    expect(parseCityInput(formatCityInput(at, HCM), HCM)).toBe(at);
    // A zone with summer time: the offset in force on that day (New York is UTC−4 in July, UTC−5 in December).
    expect(parseCityInput('01/07/2026 12:00', 'America/New_York')).toBe(Date.UTC(2026, 6, 1, 16));
    expect(parseCityInput('01/12/2026 12:00', 'America/New_York')).toBe(Date.UTC(2026, 11, 1, 17));
  });

  it('names no moment for what is not a city date and time', () => {
    for (const bad of ['', '12/07/2026', '2026-12-07T21:05', '12/31/2026 09:00', '31/02/2026 10:00', '07/12/2026 24:00', '07/12/2026 9:60', '07/12/2026 9:05 PM', '07/12/0026 10:00']) {
      expect(parseCityInput(bad, HCM), bad).toBeNull();
    }
  });

  it('says the city’s offset from UTC', () => {
    expect(utcOffsetLabel(Date.UTC(2026, 11, 7), HCM)).toBe('UTC+7');
    expect(utcOffsetLabel(Date.UTC(2026, 11, 7), 'Asia/Kolkata')).toBe('UTC+5:30');
    expect(utcOffsetLabel(Date.UTC(2026, 11, 7), 'America/New_York')).toBe('UTC−5');
  });
});
