/**
 * The replay window's from/to fields, in the city's time and the city's way of
 * writing it: dd/mm/yyyy HH:mm, 24-hour, in the pack's `meta.timezone`, whatever
 * the browser's locale and zone. A native datetime-local field cannot do this: it
 * shows the browser's format (MM/DD/YYYY, 12-hour in en-US) and reads the
 * browser's zone, while every other time on the screens is the city's.
 */
import { wallClockToUtc, zoneOffsetMs } from '../../../../contract/shift.js';

const two = (n: number) => String(n).padStart(2, '0');

/** `ms` as the city's wall clock reads it: "07/12/2026 13:05". */
export function formatCityInput(ms: number, timeZone: string): string {
  const d = new Date(ms + zoneOffsetMs(ms, timeZone));
  return `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
}

/** Accepted: "d/m/yyyy H:mm" with one or two digits for day, month and hour; surrounding spaces ignored. */
const FIELD = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s+(\d{1,2}):(\d{2})\s*$/;

/** The instant a city-time "dd/mm/yyyy HH:mm" names, or null when it names none (31/02, 24:00, text). */
export function parseCityInput(text: string, timeZone: string): number | null {
  const m = FIELD.exec(text);
  if (!m) return null;
  const [day, month, year, hour, minute] = m.slice(1).map(Number) as [number, number, number, number, number];
  if (hour > 23 || minute > 59) return null;
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const back = new Date(wall);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) return null;
  return wallClockToUtc(wall, timeZone);
}

/** "UTC+7", "UTC+5:30", "UTC−3": the city's offset at `at`, for the fields' hint. */
export function utcOffsetLabel(at: number, timeZone: string): string {
  const min = Math.round(zoneOffsetMs(at, timeZone) / 60_000);
  const abs = Math.abs(min);
  return `UTC${min < 0 ? '−' : '+'}${Math.floor(abs / 60)}${abs % 60 ? `:${two(abs % 60)}` : ''}`;
}
