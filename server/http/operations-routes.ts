/**
 * REST for integrations, the same commands as Socket.IO: alerts, incidents,
 * units, KPIs, audit, history, CSV export.
 */
import { secureRouter } from './paths.js';
import express from 'express';
import type { Request, Response } from 'express';
import type { InfluxDB } from 'influx';
import type { CityPack, ErrorCode, Result } from '../../contract/index.js';
import { alertToCap } from '../alerts/cap-export.js';
import { buildCap } from '../ingest/cap/build.js';
import { INCIDENT_ACTIONS } from '../../contract/index.js';
import type { AuditQuery, AuditRow } from '../db/sor.js';
import type { CommandName } from '../../contract/index.js';
import type { Actor, Commands } from '../push/commands.js';
import type { Operations } from '../operations.js';
import { incidentsCsv, shiftIncidents } from './csv.js';
import { detectionsQuery, readDetections } from './detections.js';
import { shiftWindow, zoneOffsetMs } from '../../contract/shift.js';
import { historyQuery } from './history.js';
import { sendError } from './send.js';

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_transition: 409,
  unavailable: 503,
  internal: 500,
};

export function sendResult(res: Response, r: Result<unknown>): void {
  if (r.ok) res.json(r);
  else res.status(STATUS[r.error.code]).json(r);
}

/** Parse a time from a query parameter: epoch ms or ISO 8601. */
export function parseTime(v: unknown, fallback: number): number | null {
  if (v === undefined || v === '') return fallback;
  if (typeof v !== 'string') return null;
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  return Number.isFinite(n) ? n : null;
}

export function operationsRoutes(deps: {
  operations: Operations;
  commands: Commands;
  influx: InfluxDB;
  pack: CityPack;
  /** CAP `sender` of our exports: this centre's address. */
  capSender: string;
  /** Local hours at which shifts start (SHIFT_STARTS); contract/shift.ts's default when absent. */
  shiftStarts?: readonly number[];
  actorOf: (req: Request) => Actor;
  /** The audit trail (PostgreSQL), read after every change already made is written. */
  audit: (q: AuditQuery) => Promise<AuditRow[]>;
  now: () => number;
}): express.Router {
  const r = secureRouter();
  const { operations, commands } = deps;
  const run = (name: CommandName, req: Request, res: Response, extra: Record<string, unknown> = {}) => {
    const body = typeof req.body === 'object' && req.body !== null ? req.body : {};
    void commands.execute(name, { ...body, ...extra }, deps.actorOf(req)).then((r) => sendResult(res, r));
  };

  r.get('/alerts', (req, res) => {
    res.json({ ok: true, data: req.query.state === 'all' ? operations.alerts.all() : operations.alerts.open() });
  });
  r.get('/alerts/:id', (req, res) => {
    const a = operations.alerts.get(req.params.id);
    if (!a) return sendError(res, 404, 'not_found', 'no such alert');
    res.json({ ok: true, data: a });
  });
  r.get('/alerts/:id/cap', (req, res) => {
    const a = operations.alerts.get(req.params.id);
    if (!a) return sendError(res, 404, 'not_found', 'no such alert');
    res.type('application/cap+xml; charset=utf-8').send(buildCap(alertToCap(a, deps.pack, deps.capSender, `${req.protocol}://${req.get('host') ?? 'localhost'}`)));
  });
  r.post('/alerts/:id/acknowledge', (req, res) => run('alert:acknowledge', req, res, { id: req.params.id }));
  r.post('/alerts/:id/clear', (req, res) => run('alert:clear', req, res, { id: req.params.id }));

  r.get('/incidents.csv', (req, res) => {
    const now = deps.now();
    // ?shift=current: every incident the shift now on duty saw (contract/shift.ts), named for its start in local time.
    if (req.query.shift !== undefined) {
      if (req.query.shift !== 'current') return sendError(res, 400, 'bad_request', 'shift: current');
      const tz = deps.pack.meta.timezone;
      const w = shiftWindow(now, tz, deps.shiftStarts);
      const stamp = shiftStamp(w.from, tz);
      res.set('X-Shift-From', String(w.from)).set('X-Shift-To', String(w.to));
      return res.type('text/csv; charset=utf-8').attachment(`incidents-shift-${stamp}.csv`).send(incidentsCsv(shiftIncidents(operations.incidents.recent(), w.from, Math.min(now, w.to))));
    }
    const from = parseTime(req.query.from, now - 24 * 3600_000);
    const to = parseTime(req.query.to, now);
    if (from === null || to === null) return sendError(res, 400, 'bad_request', 'from/to: epoch ms or ISO 8601');
    const rows = operations.incidents.recent().filter((i) => i.createdAt >= from && i.createdAt <= to);
    res.type('text/csv; charset=utf-8').attachment(`incidents-${new Date(from).toISOString().slice(0, 10)}.csv`).send(incidentsCsv(rows));
  });
  r.get('/incidents', (req, res) => {
    res.json({ ok: true, data: req.query.status === 'all' ? operations.incidents.recent() : operations.incidents.open() });
  });
  r.get('/incidents/:id', (req, res) => {
    const inc = operations.incidents.get(req.params.id);
    if (!inc) return sendError(res, 404, 'not_found', 'no such incident');
    res.json({ ok: true, data: { incident: inc, candidates: operations.candidates(inc) } });
  });
  r.post('/incidents/:id/notes', (req, res) => run('incident:note', req, res, { id: req.params.id }));
  r.post('/incidents/:id/:action', (req, res) => {
    const action = req.params.action.replace('-', '_');
    if (!(INCIDENT_ACTIONS as readonly string[]).includes(action)) return sendError(res, 404, 'not_found', `no action ${action.slice(0, 32)}`);
    run(`incident:${action}` as CommandName, req, res, { id: req.params.id });
  });

  r.get('/cameras/:id/detections', async (req, res) => {
    const q = detectionsQuery(req.params.id, req.query, deps.now());
    if (!q.ok) return sendError(res, 400, 'bad_request', q.error);
    try {
      res.json({ ok: true, data: await readDetections(deps.influx, q) });
    } catch {
      sendError(res, 503, 'unavailable', 'the time series cannot be read now');
    }
  });

  r.get('/units', (_req, res) => res.json({ ok: true, data: operations.units.list() }));
  r.post('/units/:id/status', (req, res) => run('unit:status', req, res, { id: req.params.id }));
  r.get('/kpis', (_req, res) => res.json({ ok: true, data: operations.kpis() }));

  r.get('/audit', async (req, res) => {
    const now = deps.now();
    const from = parseTime(req.query.from, now - 24 * 3600_000);
    const to = parseTime(req.query.to, now);
    const limit = Math.min(Number(req.query.limit ?? 500) || 500, 5000);
    const entity = req.query.entity;
    if (from === null || to === null) return sendError(res, 400, 'bad_request', 'from/to: epoch ms or ISO 8601');
    if (entity !== undefined && !['alert', 'incident', 'unit', 'auth', 'ingest', 'video'].includes(String(entity))) return sendError(res, 400, 'bad_request', 'entity: alert, incident, unit, auth, ingest or video');
    const str = (v: unknown) => (typeof v === 'string' && v.length <= 128 ? v : undefined);
    try {
      const rows = await deps.audit({ from, to, limit, entity: entity as string | undefined, id: str(req.query.id), by: str(req.query.by) });
      res.json({ ok: true, data: rows });
    } catch (err) {
      return sendError(res, 503, 'unavailable', `the audit trail cannot be read now: ${(err as Error).message}`);
    }
  });

  r.get('/history', async (req, res) => {
    const q = historyQuery(req.query, deps.now());
    if (!q.ok) return sendError(res, 400, 'bad_request', q.error);
    const rows = await deps.influx.query<{ time: Date; value: number | null }>(q.influxql);
    res.json({ ok: true, data: { ...q.meta, points: rows.map((p) => [p.time.getTime(), p.value]) } });
  });
  return r;
}

/** A shift's start as a file-name stamp in the city's time: 2026-12-07T22-00. */
const shiftStamp = (at: number, timeZone: string): string => new Date(at + zoneOffsetMs(at, timeZone)).toISOString().slice(0, 16).replace(':', '-');
