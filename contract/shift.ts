/**
 * The operations centre's calendar, in the city's time zone: which window "this
 * shift" is, and which window a calendar day is. Shifts start at fixed local hours
 * (three 8-hour shifts from 06:00, 14:00 and 22:00 by default), so the console's
 * export and the server agree on the window without either sending it. The closed
 * incidents list reads days (server/http/closed-incidents.ts). Pure: unit-tested
 * with fixed clocks.
 */

/** Local hours at which a shift starts, ascending. */
export const SHIFT_STARTS: readonly number[] = [6, 14, 22];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Milliseconds to add to UTC to read the wall clock of `timeZone` at `at`. */
export function zoneOffsetMs(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(at);
  const n = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const wall = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return wall - Math.floor(at / 1000) * 1000;
}

/**
 * The instant at which `timeZone`'s wall clock reads `wall` (that reading written as
 * if it were UTC ms). The offset is taken twice, so that a reading near a clock change
 * uses the offset in force then, not the one of `wall` read as UTC.
 */
export const wallClockToUtc = (wall: number, timeZone: string): number => wall - zoneOffsetMs(wall - zoneOffsetMs(wall, timeZone), timeZone);

/** The shift `now` falls in: [from, to) in epoch ms. */
export function shiftWindow(now: number, timeZone: string, starts: readonly number[] = SHIFT_STARTS): { from: number; to: number } {
  const offset = zoneOffsetMs(now, timeZone);
  const local = now + offset;
  const day = Math.floor(local / DAY) * DAY;
  // Every start from yesterday to tomorrow, as local wall-clock ms.
  const candidates = [-DAY, 0, DAY].flatMap((d) => starts.map((h) => day + d + h * HOUR));
  const from = Math.max(...candidates.filter((c) => c <= local));
  const to = Math.min(...candidates.filter((c) => c > local));
  return { from: from - offset, to: to - offset };
}

/** The calendar day `at` falls on in `timeZone`, as YYYY-MM-DD. */
export function localDay(at: number, timeZone: string): string {
  return new Date(at + zoneOffsetMs(at, timeZone)).toISOString().slice(0, 10);
}

/** The YYYY-MM-DD day `by` days after `day` (before, when negative): the closed list's day-by-day steps. */
export const addDays = (day: string, by: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + by * DAY).toISOString().slice(0, 10);

/** [from, to) in epoch ms of a YYYY-MM-DD day in `timeZone`, or null when it is no real date. */
export function dayWindow(day: string, timeZone: string): { from: number; to: number } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(wall).toISOString().slice(0, 10) !== day) return null;
  return { from: wallClockToUtc(wall, timeZone), to: wallClockToUtc(wall + DAY, timeZone) };
}
