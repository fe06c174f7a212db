/**
 * GET /api/incidents/closed?day=YYYY-MM-DD: the incidents closed on one day of the city's
 * calendar (today when `day` is left out), latest first, read from PostgreSQL, the system
 * of record, so any day can be reviewed, not only what the server still holds in memory.
 * The console's "closed today" list reads it (issue #27). Its rule in the permission table
 * (server/auth/permissions.ts) is `city:view`; it is mounted before the operations routes,
 * whose `/incidents/:id` would otherwise take "closed" for an id.
 */
import type { Incident } from '../../contract/index.js';
import { secureRouter } from './paths.js';
import { sendError } from './send.js';
import type express from 'express';

/** At most this many incidents for one day: a list an officer reads, not an export (the CSV is for that). */
export const CLOSED_LIMIT = 1000;

const DAY_MS = 24 * 3600_000;

/** Milliseconds to add to UTC to read the wall clock of `timeZone` at `at`. */
function offsetMs(at: number, timeZone: string): number {
  const p = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(at);
  const n = (t: string) => Number(p.find((x) => x.type === t)?.value ?? 0);
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) - Math.floor(at / 1000) * 1000;
}

/** The calendar day `at` falls on in `timeZone`, as YYYY-MM-DD. */
export function localDay(at: number, timeZone: string): string {
  return new Date(at + offsetMs(at, timeZone)).toISOString().slice(0, 10);
}

/** [from, to) in epoch ms of a YYYY-MM-DD day in `timeZone`, or null when it is no real date. */
export function dayWindow(day: string, timeZone: string): { from: number; to: number } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(wall).toISOString().slice(0, 10) !== day) return null;
  // The offset at local midnight, taken twice so a day that starts on a clock change still starts at its midnight.
  const from = wall - offsetMs(wall - offsetMs(wall, timeZone), timeZone);
  const next = wall + DAY_MS;
  const to = next - offsetMs(next - offsetMs(next, timeZone), timeZone);
  return { from, to };
}

export function closedIncidentsRoutes(deps: {
  timeZone: string;
  /** Incidents closed in [from, to), latest first, read after every change already made is written. */
  closed: (q: { from: number; to: number; limit: number }) => Promise<Incident[]>;
  now: () => number;
}): express.Router {
  const r = secureRouter();
  r.get('/incidents/closed', async (req, res) => {
    const day = req.query.day === undefined || req.query.day === '' ? localDay(deps.now(), deps.timeZone) : req.query.day;
    const w = typeof day === 'string' ? dayWindow(day, deps.timeZone) : null;
    if (!w) return sendError(res, 400, 'bad_request', 'day: a date as YYYY-MM-DD (the city’s calendar day), or leave it out for today');
    try {
      const incidents = await deps.closed({ ...w, limit: CLOSED_LIMIT });
      res.json({ ok: true, data: { day, from: w.from, to: w.to, incidents } });
    } catch {
      sendError(res, 503, 'unavailable', 'closed incidents cannot be read now: the database is not answering; try again in a moment');
    }
  });
  return r;
}
