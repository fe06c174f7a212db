/**
 * Dates, times and numbers through Intl with the current UI language, in the
 * city's time zone (a console in a vendor's office abroad still shows city time).
 * Formatters are cached: they are costly to build and the clock ticks every second.
 */
const cache = new Map<string, Intl.DateTimeFormat | Intl.RelativeTimeFormat | Intl.NumberFormat>();

function cached<T extends Intl.DateTimeFormat | Intl.RelativeTimeFormat | Intl.NumberFormat>(key: string, make: () => T): T {
  let f = cache.get(key) as T | undefined;
  if (!f) {
    f = make();
    cache.set(key, f);
  }
  return f;
}

const locale = (lng: string) => (lng === 'vi' ? 'vi-VN' : 'en-GB');

export function formatTime(ms: number, lng: string, timeZone: string, seconds = false): string {
  return cached(`t|${lng}|${timeZone}|${seconds}`, () =>
    new Intl.DateTimeFormat(locale(lng), {
      hour: '2-digit',
      minute: '2-digit',
      ...(seconds ? { second: '2-digit' } : {}),
      hourCycle: 'h23',
      timeZone,
    }),
  ).format(ms);
}

export function formatDate(ms: number, lng: string, timeZone: string): string {
  return cached(`d|${lng}|${timeZone}`, () =>
    new Intl.DateTimeFormat(locale(lng), { weekday: 'short', day: '2-digit', month: '2-digit', year: 'numeric', timeZone }),
  ).format(ms);
}

export function formatNumber(n: number, lng: string): string {
  return cached(`n|${lng}`, () => new Intl.NumberFormat(locale(lng))).format(n);
}

/** "5 phút trước" / "5 min ago": the age of something seen at `thenMs`. */
export function formatAge(thenMs: number, nowMs: number, lng: string): string {
  const rtf = cached(`r|${lng}`, () => new Intl.RelativeTimeFormat(locale(lng), { numeric: 'always', style: 'short' }));
  const s = Math.max(0, Math.round((nowMs - thenMs) / 1000));
  if (s < 60) return rtf.format(-s, 'second');
  const m = Math.floor(s / 60);
  if (m < 60) return rtf.format(-m, 'minute');
  const h = Math.floor(m / 60);
  if (h < 48) return rtf.format(-h, 'hour');
  return rtf.format(-Math.floor(h / 24), 'day');
}
