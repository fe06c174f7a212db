/**
 * Open311 GeoReport v2 (contract/open311.ts): citizen requests in, each one an incident of
 * channel `citizen_app` through the same path as any other report (the bus's
 * `incident.report`: InfluxDB, the report's alert, correlation into an incident).
 *
 * Abuse controls on POST, in this order:
 *   - the api_key is an ingest token with scope `open311` (one per client app, issued and
 *     revoked by an admin; hashed in PostgreSQL); with none issued, POST is off (503);
 *   - at most OPEN311_RATE_PER_KEY_PER_MIN requests a minute per key, and
 *     OPEN311_RATE_PER_DEVICE_PER_HOUR an hour per `device_id` (429);
 *   - a request of the same service within OPEN311_DUPLICATE_RADIUS_M metres (or at the same
 *     address) and OPEN311_DUPLICATE_WINDOW_MIN minutes of one still open is that request:
 *     its id comes back with a notice saying so, and no second incident is opened.
 * Refusals are logged and counted in feed health (feed `open311`) without the key.
 *
 * The GETs are public, as GeoReport has them, and list nothing personal: no e-mail, phone,
 * name or device, and status notes are fixed phrases, never an officer's own words.
 */
import express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Incident, IncidentReportPayload, LngLat } from '../../../contract/index.js';
import { distanceM } from '../../../contract/geo.js';
import {
  OPEN311_SERVICES,
  OPEN311_STATUS_NOTES,
  open311RequestForm,
  open311Service,
  open311Status,
  type GeoReportCreated,
  type GeoReportRequest,
  type GeoReportService,
  type Open311RequestForm,
} from '../../../contract/open311.js';
import type { EventBus } from '../../bus.js';
import { secureRouter } from '../../http/paths.js';
import type { Logger } from '../../log.js';
import type { FeedHealthTracker } from '../health.js';
import type { IngestTokens } from '../tokens.js';
import type { Open311Row, Open311Store } from './store.js';

/** The reporting system's id on the bus and in InfluxDB: one for every citizen app. */
export const OPEN311_SOURCE = 'open311';
const POST_PATH = '/open311/v2/requests.json';
const DAY_MS = 86_400_000;

export interface Open311Limits {
  perKeyPerMin: number;
  perDevicePerHour: number;
  duplicateRadiusM: number;
  duplicateWindowMin: number;
}

export interface Open311Deps {
  bus: EventBus;
  store: Open311Store;
  tokens: IngestTokens;
  /** The incidents in memory: the one a request became, and its live status. */
  incidents: { get(id: string): Incident | undefined; byRef(ref: string): Incident | undefined };
  health: FeedHealthTracker;
  limits: Open311Limits;
  /** Whether this instance takes ingest (it leads, or runs alone). */
  leads: () => boolean;
  log: Logger;
  now: () => number;
}

/** GeoReport's error answer: an array of { code, description }, code = the HTTP status. */
function geoError(res: Response, status: number, description: string): void {
  res.status(status).json([{ code: status, description }]);
}

export function open311Routes(d: Open311Deps): express.Router {
  const r = secureRouter();
  const refuse = (res: Response, status: number, reason: string, description: string, sample = '') => {
    d.log.warn({ reason, detail: description.slice(0, 300) }, 'citizen request refused');
    d.health.rejected('open311', `POST ${POST_PATH}`, reason, description, Buffer.from(sample));
    geoError(res, status, description);
  };
  const limited = (windowMs: number, limit: number, key: (req: Request, res: Response) => string | null, what: string): RequestHandler => {
    const l = rateLimit({
      windowMs,
      limit,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: (req, res) => key(req, res) ?? '',
      skip: (req, res) => key(req, res) === null,
      handler: (_req, res) => refuse(res, 429, 'rate_limited', `too many requests from this ${what}: try again later`),
    });
    return l;
  };

  r.get('/open311/v2/services.json', (_req, res) => {
    const list: GeoReportService[] = OPEN311_SERVICES.map((s) => ({
      service_code: s.code,
      service_name: s.name.vi,
      description: s.name.en,
      metadata: false,
      type: 'realtime',
      keywords: s.keywords,
      group: s.group,
    }));
    res.json(list);
  });

  // Requests are taken one at a time: a duplicate check and the request it finds (or the one
  // it opens) are one step, so two identical requests sent at once make one incident.
  let queue: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };

  r.post(
    POST_PATH,
    (req, res, next) => {
      if (!d.leads()) return geoError(res, 503, 'this instance stands by: try again');
      if (d.tokens.usable('open311').length === 0) return geoError(res, 503, 'citizen requests are off: no client app has an api_key yet (an admin issues one: ingest token with scope open311)');
      if (!req.is('application/x-www-form-urlencoded')) return refuse(res, 415, 'bad_content_type', 'send the request form-encoded (application/x-www-form-urlencoded)');
      next();
    },
    express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 100 }),
    (req, res, next) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const key = typeof body.api_key === 'string' ? body.api_key.trim() : undefined;
      const a = d.tokens.authenticate(key, 'open311');
      if (!a.ok) return refuse(res, 403, `api_key_${a.reason}`, a.reason === 'missing' ? 'api_key is required' : 'api_key is not valid');
      res.locals.open311Key = a.token.id;
      next();
    },
    limited(60_000, d.limits.perKeyPerMin, (_req, res) => String(res.locals.open311Key), 'client app'),
    (req, res, next) => {
      const f = open311RequestForm.safeParse(req.body);
      if (!f.success) {
        const i = f.error.issues[0]!;
        const field = i.path.join('.');
        return refuse(res, 400, 'bad_form', `${field ? `${field}: ` : ''}${i.message}`, sampleOf(req.body));
      }
      if (!open311Service(f.data.service_code)) return refuse(res, 400, 'unknown_service', `service_code ${JSON.stringify(f.data.service_code.slice(0, 64))} not found (GET /open311/v2/services.json)`);
      res.locals.open311Form = f.data;
      next();
    },
    limited(3_600_000, d.limits.perDevicePerHour, (_req, res) => (res.locals.open311Form as Open311RequestForm).device_id ?? null, 'device'),
    (_req, res, next) => {
      oneAtATime(() => accept(res)).catch(next);
    },
  );

  async function accept(res: Response): Promise<void> {
    const f = res.locals.open311Form as Open311RequestForm;
    const service = open311Service(f.service_code)!;
    const keyId = String(res.locals.open311Key);
    const at = d.now();
    const position: LngLat | null = f.lat !== undefined && f.long !== undefined ? [f.long, f.lat] : null;
    const address = f.address_string || null;

    const dup = await duplicateOf(service.code, position, address, at);
    if (dup) {
      await d.store.countDuplicate(dup.id);
      d.health.rejected('open311', `POST ${POST_PATH}`, 'duplicate', `same as request ${dup.id}`, Buffer.from(`service_code=${service.code}`));
      d.log.info({ requestId: dup.id, incidentId: dup.incidentId }, 'citizen request recognised as a duplicate');
      const body: GeoReportCreated[] = [
        {
          service_request_id: dup.id,
          service_notice: `Trùng với phản ánh số ${dup.id} đang được xử lý: không mở yêu cầu mới (duplicate of request ${dup.id}, already being handled: no new request was opened)`,
          account_id: null,
        },
      ];
      res.status(200).json(body);
      return;
    }

    const id = await d.store.nextId();
    const name = [f.first_name, f.last_name].filter(Boolean).join(' ') || null;
    const payload: IncidentReportPayload = {
      seq: 0,
      ts: at,
      channel: 'citizen_app',
      type: service.incidentType,
      severity: service.severity,
      description: f.description || service.name.vi,
      externalRef: `R${id}`,
      ...(position ? { lat: position[1], lon: position[0] } : {}),
      ...(address ? { address } : {}),
      ...(name ? { reporter: name.slice(0, 128) } : {}),
      ...(f.phone ? { callback: f.phone } : {}),
    };
    d.bus.emit('incident.report', { id: OPEN311_SOURCE, sourceId: OPEN311_SOURCE, payload, receivedAt: at });
    // The bus is synchronous: correlation has opened (or joined) the incident by now.
    const inc = d.incidents.byRef(`${OPEN311_SOURCE}:R${id}`);
    if (!inc) throw new Error(`citizen request ${id} opened no incident`);
    await d.store.insert({
      id,
      serviceCode: service.code,
      incidentId: inc.id,
      keyId,
      deviceId: f.device_id || null,
      lat: position?.[1] ?? null,
      lon: position?.[0] ?? null,
      address,
      description: f.description ?? '',
      mediaUrl: f.media_url ?? null,
      email: f.email || null,
      phone: f.phone || null,
      name,
      requestedAt: at,
    });
    d.health.accepted('open311');
    d.log.info({ requestId: id, incidentId: inc.id, service: service.code }, 'citizen request accepted');
    const body: GeoReportCreated[] = [{ service_request_id: id, service_notice: `Đã tiếp nhận phản ánh số ${id} (request ${id} received)`, account_id: null }];
    res.status(201).json(body);
  }

  /** A request still open of the same service, near (or at the same address) and recent. */
  async function duplicateOf(code: string, position: LngLat | null, address: string | null, at: number): Promise<Open311Row | null> {
    const since = at - d.limits.duplicateWindowMin * 60_000;
    for (const row of await d.store.recent(code, since)) {
      if (open311Status(statusOf(row).status) === 'closed') continue;
      if (position && row.lat !== null && row.lon !== null && distanceM(position, [row.lon, row.lat]) <= d.limits.duplicateRadiusM) return row;
      if (!position && address && row.address && row.address.toLowerCase().replace(/\s+/g, ' ') === address.toLowerCase().replace(/\s+/g, ' ')) return row;
    }
    return null;
  }

  /** The incident's status: the picture in memory is the freshest; PostgreSQL's for ones it no longer holds. */
  function statusOf(row: Open311Row): { status: Incident['status']; updatedAt: number } {
    const inc = d.incidents.get(row.incidentId);
    if (inc) return { status: inc.status, updatedAt: inc.updatedAt };
    return { status: row.incidentStatus ?? 'new', updatedAt: row.incidentUpdatedAt ?? row.requestedAt };
  }

  function shape(row: Open311Row): GeoReportRequest {
    const s = statusOf(row);
    const service = open311Service(row.serviceCode);
    return {
      service_request_id: row.id,
      status: open311Status(s.status),
      status_notes: OPEN311_STATUS_NOTES[s.status],
      service_name: service?.name.vi ?? row.serviceCode,
      service_code: row.serviceCode,
      description: row.description,
      agency_responsible: 'Trung tâm Giám sát, điều hành đô thị thông minh (IOC)',
      service_notice: '',
      requested_datetime: new Date(row.requestedAt).toISOString(),
      updated_datetime: new Date(Math.max(s.updatedAt, row.requestedAt)).toISOString(),
      expected_datetime: null,
      address: row.address ?? '',
      address_id: '',
      zipcode: '',
      lat: row.lat,
      long: row.lon,
      media_url: row.mediaUrl ?? '',
    };
  }

  r.get('/open311/v2/requests.json', async (req, res, next) => {
    try {
      const q = req.query as Record<string, unknown>;
      const str = (k: string) => (typeof q[k] === 'string' ? (q[k] as string).trim() : undefined);
      const ids = str('service_request_id');
      const now = d.now();
      let rows: Open311Row[];
      if (ids) {
        // GeoReport: with service_request_id, every other parameter is ignored.
        const list = ids.split(',').map((s) => s.trim()).filter(Boolean);
        if (list.length > 100 || list.some((x) => !/^[1-9][0-9]{0,17}$/.test(x))) return geoError(res, 400, 'service_request_id: up to 100 request ids, comma-separated');
        rows = await d.store.list({ ids: list, from: 0, to: now + DAY_MS, limit: 100 });
      } else {
        const date = (k: string) => {
          const v = str(k);
          if (v === undefined) return undefined;
          const t = Date.parse(v);
          return Number.isFinite(t) && /^\d{4}-\d{2}-\d{2}/.test(v) ? t : NaN;
        };
        const end = date('end_date') ?? now;
        const start = date('start_date') ?? end - 90 * DAY_MS;
        if (Number.isNaN(start) || Number.isNaN(end)) return geoError(res, 400, 'start_date and end_date: W3C dates (2026-12-07T09:00:00+07:00)');
        if (end < start || end - start > 90 * DAY_MS) return geoError(res, 400, 'start_date to end_date: at most 90 days, in order');
        const status = str('status');
        const wanted = status ? status.split(',').map((s) => s.trim()) : ['open', 'closed'];
        if (wanted.some((s) => s !== 'open' && s !== 'closed')) return geoError(res, 400, 'status: open, closed or both');
        const serviceCode = str('service_code');
        rows = await d.store.list({ ...(serviceCode ? { serviceCode } : {}), from: start, to: end, limit: 1000 });
        rows = rows.filter((row) => wanted.includes(open311Status(statusOf(row).status)));
      }
      res.json(rows.map(shape));
    } catch (err) {
      next(err);
    }
  });

  r.get('/open311/v2/requests/:id.json', async (req, res, next) => {
    try {
      const row = await d.store.get(String(req.params.id));
      if (!row) return geoError(res, 404, 'no such service request');
      res.json([shape(row)]);
    } catch (err) {
      next(err);
    }
  });

  // Anything else under /open311: GeoReport's 404, never the console's page; body errors in its shape.
  r.use('/open311', (_req, res) => geoError(res, 404, 'no such Open311 resource (GeoReport v2: services.json, requests.json, requests/{id}.json)'));
  r.use('/open311', (err: Error & { type?: string; status?: number }, _req: Request, res: Response, next: NextFunction) => {
    if (err.type === 'entity.too.large') return refuse(res, 413, 'too_large', 'request form larger than 16 KB');
    if (err.status && err.status < 500) return refuse(res, err.status, 'bad_form', 'the form could not be read');
    d.log.error({ err }, 'citizen request failed');
    geoError(res, 500, 'internal error: try again');
  });
  return r;
}

/** What feed health shows of a refused form: its service and length, never the key or personal fields. */
function sampleOf(body: unknown): string {
  const b = (body ?? {}) as Record<string, unknown>;
  return `service_code=${String(b.service_code ?? '').slice(0, 64)} fields=${Object.keys(b).length}`;
}
