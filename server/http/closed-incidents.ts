/**
 * GET /api/incidents/closed?day=YYYY-MM-DD: the incidents closed on one day of the city's
 * calendar (today when `day` is left out), latest first, read from PostgreSQL, the system
 * of record, so any day can be reviewed, not only what the server still holds in memory.
 * The console's "closed today" list reads it (issue #27). Its rule in the permission table
 * (server/auth/permissions.ts) is `city:view`; it is mounted before the operations routes,
 * whose `/incidents/:id` would otherwise take "closed" for an id.
 */
import type { Incident } from '../../contract/index.js';
import { dayWindow, localDay } from '../../contract/shift.js';
import { secureRouter } from './paths.js';
import { sendError } from './send.js';
import type express from 'express';

/** At most this many incidents for one day: a list an officer reads, not an export (the CSV is for that). */
export const CLOSED_LIMIT = 1000;

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
