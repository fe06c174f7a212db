/**
 * Where citizen requests are kept: the table open311_requests (migration 0006_open311), one row per
 * request accepted, with the incident it became. Status is not kept here: it is the incident's,
 * read from the incidents table and, fresher, from the picture in memory (routes.ts).
 */
import type pg from 'pg';
import type { IncidentStatus } from '../../../contract/index.js';

/** What a request says, as accepted: both the row written and the row read back have it. */
interface Open311Request {
  id: string;
  serviceCode: string;
  incidentId: string;
  keyId: string;
  deviceId: string | null;
  lat: number | null;
  lon: number | null;
  address: string | null;
  description: string;
  mediaUrl: string | null;
  requestedAt: number;
}

export interface Open311Row extends Open311Request {
  duplicates: number;
  /** The incident's status and last change as PostgreSQL has them (null: not written yet). */
  incidentStatus: IncidentStatus | null;
  incidentUpdatedAt: number | null;
}

export interface NewOpen311Row extends Open311Request {
  email: string | null;
  phone: string | null;
  name: string | null;
}

export interface Open311Query {
  ids?: string[];
  serviceCode?: string;
  from: number;
  to: number;
  limit: number;
}

const SELECT = `SELECT r.id::text AS id, r.service_code, r.incident_id, r.key_id, r.device_id, r.lat, r.lon, r.address, r.description, r.media_url,
  r.requested_at, r.duplicates, i.status AS incident_status, i.updated_at AS incident_updated_at
  FROM open311_requests r LEFT JOIN incidents i ON i.id = r.incident_id`;

function rowOf(r: Record<string, unknown>): Open311Row {
  return {
    id: String(r.id),
    serviceCode: String(r.service_code),
    incidentId: String(r.incident_id),
    keyId: String(r.key_id),
    deviceId: (r.device_id as string | null) ?? null,
    lat: (r.lat as number | null) ?? null,
    lon: (r.lon as number | null) ?? null,
    address: (r.address as string | null) ?? null,
    description: String(r.description ?? ''),
    mediaUrl: (r.media_url as string | null) ?? null,
    requestedAt: (r.requested_at as Date).getTime(),
    duplicates: Number(r.duplicates),
    incidentStatus: (r.incident_status as IncidentStatus | null) ?? null,
    incidentUpdatedAt: r.incident_updated_at ? (r.incident_updated_at as Date).getTime() : null,
  };
}

export class Open311Store {
  constructor(private readonly pool: pg.Pool) {}

  /** A new request's id, taken before its incident is opened (the incident's reference names it). */
  async nextId(): Promise<string> {
    const r = await this.pool.query<{ id: string }>(`SELECT nextval('open311_requests_id_seq')::text AS id`);
    return r.rows[0]!.id;
  }

  async insert(n: NewOpen311Row): Promise<void> {
    await this.pool.query(
      `INSERT INTO open311_requests (id, service_code, incident_id, key_id, device_id, lat, lon, address, description, media_url, email, phone, name, requested_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [n.id, n.serviceCode, n.incidentId, n.keyId, n.deviceId, n.lat, n.lon, n.address, n.description, n.mediaUrl, n.email, n.phone, n.name, new Date(n.requestedAt)],
    );
  }

  /** Requests of one service since `from`, newest first: the candidates a new one may duplicate. */
  async recent(serviceCode: string, from: number): Promise<Open311Row[]> {
    const r = await this.pool.query(`${SELECT} WHERE r.service_code = $1 AND r.requested_at >= $2 ORDER BY r.requested_at DESC LIMIT 500`, [serviceCode, new Date(from)]);
    return r.rows.map(rowOf);
  }

  async countDuplicate(id: string): Promise<void> {
    await this.pool.query(`UPDATE open311_requests SET duplicates = duplicates + 1 WHERE id = $1`, [id]);
  }

  async list(q: Open311Query): Promise<Open311Row[]> {
    const where = ['r.requested_at >= $1', 'r.requested_at <= $2'];
    const args: unknown[] = [new Date(q.from), new Date(q.to)];
    if (q.ids) {
      args.push(q.ids);
      where.push(`r.id::text = ANY($${args.length}::text[])`);
    }
    if (q.serviceCode) {
      args.push(q.serviceCode);
      where.push(`r.service_code = $${args.length}`);
    }
    args.push(q.limit);
    const r = await this.pool.query(`${SELECT} WHERE ${where.join(' AND ')} ORDER BY r.requested_at DESC LIMIT $${args.length}`, args);
    return r.rows.map(rowOf);
  }

  async get(id: string): Promise<Open311Row | null> {
    if (!/^[1-9][0-9]{0,17}$/.test(id)) return null;
    const r = await this.pool.query(`${SELECT} WHERE r.id = $1::bigint`, [id]);
    return r.rows[0] ? rowOf(r.rows[0]) : null;
  }
}
