/**
 * Video-conference points and meetings (server/vc/board.ts):
 *   GET    /api/vc                   every point, the meetings to come, the next meeting's readiness by commune
 *                                    (the console's layer and panel, the wall's panel; permission wall:view)
 *   POST   /api/vc/meetings          { title, startsAt, durationMin?, pointIds } (supervisors: vc:manage)
 *   DELETE /api/vc/meetings/{id}     cancels it (vc:manage)
 */
import express from 'express';
import { meetingBody } from '../../contract/vc.js';
import { principalOf } from '../auth/guard.js';
import { MeetingError, type VcBoard } from '../vc/board.js';
import { secureRouter } from './paths.js';
import { sendError } from './send.js';

export function vcRoutes(d: { board: VcBoard; audit: (e: { type: string; id: string; by: string; role: string; note: string }) => void }): express.Router {
  const r = secureRouter();
  r.get('/vc', (_req, res) => {
    res.json({ ok: true, data: d.board.view() });
  });
  r.post('/vc/meetings', async (req, res, next) => {
    const body = meetingBody.safeParse(req.body ?? {});
    if (!body.success) return sendError(res, 400, 'bad_request', body.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
    const p = principalOf(res);
    try {
      const m = await d.board.create(body.data, p.username);
      d.audit({ type: 'meeting_scheduled', id: m.id, by: p.username, role: p.role, note: `${m.title}; ${new Date(m.startsAt).toISOString()}; ${m.pointIds.length} points` });
      res.status(201).json({ ok: true, data: m });
    } catch (err) {
      if (err instanceof MeetingError) return sendError(res, 400, err.code, err.message);
      next(err);
    }
  });
  r.delete('/vc/meetings/:id', async (req, res, next) => {
    const p = principalOf(res);
    try {
      const m = await d.board.cancel(String(req.params.id));
      d.audit({ type: 'meeting_cancelled', id: m.id, by: p.username, role: p.role, note: m.title });
      res.json({ ok: true, data: m });
    } catch (err) {
      if (err instanceof MeetingError) return sendError(res, err.code === 'not_found' ? 404 : 400, err.code, err.message);
      next(err);
    }
  });
  return r;
}
