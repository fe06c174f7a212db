/**
 * Video-conference points and meetings (contract/vc.ts): each point's last status from
 * `vc.status`, with staleness; the meetings kept in PostgreSQL (table vc_meetings), cached
 * and read again every 30 s (another instance may have changed them); the readiness of the
 * next meeting by commune; and what a point's outage is behind (a cut fiber link to its
 * commune, a dead station), for the alert to name.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import type { CityPack, Link, Station } from '../../contract/index.js';
import { vcReady, type Meeting, type VcBoardView, type VcPointState, type VcReadiness } from '../../contract/vc.js';
import type { EventBus } from '../bus.js';
import type { Logger } from '../log.js';

const OWNER = 'vc';
const RELOAD_MS = 30_000;

export interface VcBoardDeps {
  pack: CityPack;
  bus: EventBus;
  pool: pg.Pool;
  staleMs: number;
  stations: () => Iterable<Station>;
  links: () => Iterable<Link>;
  log: Logger;
  now: () => number;
}

export class MeetingError extends Error {
  constructor(
    readonly code: 'bad_request' | 'not_found',
    message: string,
  ) {
    super(message);
  }
}

const ms = (v: unknown) => (v instanceof Date ? v.getTime() : v === null || v === undefined ? null : Number(v));

function meetingOf(r: Record<string, unknown>): Meeting {
  return {
    id: String(r.id),
    title: String(r.title),
    startsAt: ms(r.starts_at)!,
    durationMin: Number(r.duration_min),
    pointIds: r.point_ids as string[],
    createdBy: String(r.created_by),
    createdAt: ms(r.created_at)!,
    cancelledAt: ms(r.cancelled_at),
  };
}

export const meetingEnd = (m: Pick<Meeting, 'startsAt' | 'durationMin'>) => m.startsAt + m.durationMin * 60_000;

export class VcBoard {
  private readonly points = new Map<string, VcPointState>();
  private meetingList: Meeting[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly d: VcBoardDeps) {
    for (const p of d.pack.sites.vcPoints) {
      this.points.set(p.id, { id: p.id, name: p.name, wardId: p.wardId, position: p.position, state: 'unknown', lossPct: null, jitterMs: null, rttMs: null, lastTestCallAt: null, lastTestCallOk: null, lastSeen: null, stale: false });
    }
  }

  /** Whether a status for this id may be taken: the point is in the city pack. */
  knows(id: string): boolean {
    return this.points.has(id);
  }

  async start(): Promise<void> {
    this.d.bus.on('vc.status', OWNER, (e) => {
      const cur = this.points.get(e.id);
      if (!cur || (cur.lastSeen !== null && e.payload.ts < cur.lastSeen)) return;
      const p = e.payload;
      this.points.set(e.id, {
        ...cur,
        state: p.state,
        lossPct: p.lossPct ?? null,
        jitterMs: p.jitterMs ?? null,
        rttMs: p.rttMs ?? null,
        lastTestCallAt: p.lastTestCallAt ?? cur.lastTestCallAt,
        lastTestCallOk: p.lastTestCallOk ?? cur.lastTestCallOk,
        lastSeen: p.ts,
      });
    });
    await this.reload();
    this.timer = setInterval(() => void this.reload().catch((err: Error) => this.d.log.warn({ err: err.message }, 'meetings not re-read')), RELOAD_MS);
    this.timer.unref();
  }

  stop(): void {
    this.d.bus.removeOwner(OWNER);
    if (this.timer) clearInterval(this.timer);
  }

  private async reload(): Promise<void> {
    const r = await this.d.pool.query(`SELECT * FROM vc_meetings WHERE cancelled_at IS NULL AND starts_at > now() - interval '1 day' ORDER BY starts_at`);
    this.meetingList = r.rows.map(meetingOf);
  }

  /** Every point, with staleness judged now. */
  pointStates(): VcPointState[] {
    const now = this.d.now();
    return [...this.points.values()].map((p) => ({ ...p, stale: p.lastSeen !== null && now - p.lastSeen > this.d.staleMs }));
  }

  point(id: string): VcPointState | undefined {
    return this.pointStates().find((p) => p.id === id);
  }

  /** Meetings not cancelled that have not ended, soonest first. */
  meetings(): Meeting[] {
    const now = this.d.now();
    return this.meetingList.filter((m) => meetingEnd(m) > now);
  }

  async create(input: { title: string; startsAt: number; durationMin: number; pointIds: string[] }, by: string): Promise<Meeting> {
    const unknown = input.pointIds.filter((id) => !this.points.has(id));
    if (unknown.length) throw new MeetingError('bad_request', `no such video-conference point: ${unknown.slice(0, 5).join(', ')}`);
    if (meetingEnd(input) <= this.d.now()) throw new MeetingError('bad_request', 'the meeting would already be over');
    const id = `mt-${crypto.randomBytes(6).toString('hex')}`;
    const r = await this.d.pool.query(
      `INSERT INTO vc_meetings (id, title, starts_at, duration_min, point_ids, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [id, input.title, new Date(input.startsAt), input.durationMin, [...new Set(input.pointIds)], by.slice(0, 64), new Date(this.d.now())],
    );
    await this.reload();
    return meetingOf(r.rows[0]);
  }

  async cancel(id: string): Promise<Meeting> {
    const r = await this.d.pool.query(`UPDATE vc_meetings SET cancelled_at = $2 WHERE id = $1 AND cancelled_at IS NULL RETURNING *`, [id, new Date(this.d.now())]);
    if (!r.rows[0]) throw new MeetingError('not_found', 'no such meeting (or already cancelled)');
    await this.reload();
    return meetingOf(r.rows[0]);
  }

  /** The meeting under way, else the next one; its points ready out of expected, by commune. */
  readiness(): VcReadiness {
    const now = this.d.now();
    const meeting = this.meetings().find((m) => m.startsAt <= now) ?? this.meetings()[0] ?? null;
    const states = new Map(this.pointStates().map((p) => [p.id, p]));
    const ids = meeting ? meeting.pointIds : [...states.keys()];
    const wards = new Map<string, { wardId: string; ready: number; expected: number }>();
    for (const id of ids) {
      const p = states.get(id);
      if (!p) continue;
      const w = wards.get(p.wardId) ?? { wardId: p.wardId, ready: 0, expected: 0 };
      w.expected++;
      if (vcReady(p)) w.ready++;
      wards.set(p.wardId, w);
    }
    const list = [...wards.values()].sort((a, b) => a.ready / a.expected - b.ready / b.expected || a.wardId.localeCompare(b.wardId));
    return { meeting, wards: list, ready: list.reduce((n, w) => n + w.ready, 0), expected: list.reduce((n, w) => n + w.expected, 0) };
  }

  view(): VcBoardView {
    return { points: this.pointStates(), meetings: this.meetings(), readiness: this.readiness() };
  }

  /**
   * What a point's outage is behind, in words an officer can act on, or null: a commune fiber
   * link to its ward that is down (or the station it starts from), else a station in its ward down.
   */
  causeOf(pointId: string): { kind: 'link' | 'station'; id: string; name: string } | null {
    const p = this.points.get(pointId);
    if (!p) return null;
    const stations = [...this.d.stations()];
    const dead = (s: Station | undefined) => !!s && (s.state === 'down' || s.stale);
    for (const l of this.d.links()) {
      if (l.to !== p.wardId) continue;
      if (l.state === 'down' || l.stale) return { kind: 'link', id: l.id, name: l.name };
      const from = stations.find((s) => s.id === l.from);
      if (dead(from)) return { kind: 'station', id: from!.id, name: from!.name };
    }
    const s = stations.find((x) => x.wardId === p.wardId && dead(x));
    return s ? { kind: 'station', id: s.id, name: s.name } : null;
  }
}
