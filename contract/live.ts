/**
 * Live device fields on the wire, as tables.
 *
 * Telemetry is most of what a console receives: at 5,000 msg/s, hundreds of devices
 * change every tenth of a second, and each change is one device's id plus a field or two
 * (its `lastSeen`, a station's load). As objects (`{"kind":"stationLive","station":
 * {"id":…,"loadPct":48,"lastSeen":1795464890761}}`) the names and the 13-digit clock
 * were two thirds of the bytes, and every screen parses every byte: a responder's phone
 * on 4G, and a server's thousand consoles. So a delta carries the live changes of each
 * device kind as one table: a row per device, its id then (field number, value) pairs,
 * with `lastSeen` counted from the table's `t`. The same change is about a third of
 * the size, and parses as arrays of plain values.
 */
import type { Camera, Link, Station } from './domain.js';

/** The fields of each device kind that change at run time, numbered by their place here. Append only: a number's meaning never changes. */
export const LIVE_FIELDS = {
  camera: ['state', 'fps', 'bitrateKbps', 'lastSeen', 'stale'],
  station: ['state', 'power', 'batteryPct', 'backhaul', 'loadPct', 'lastSeen', 'stale'],
  link: ['state', 'latencyMs', 'lossPct', 'lastSeen', 'stale'],
} as const satisfies { camera: readonly (keyof Camera)[]; station: readonly (keyof Station)[]; link: readonly (keyof Link)[] };

export type LiveEntity = keyof typeof LIVE_FIELDS;

/** A known device's live fields: the id, and those of the others that changed since the previous delta. */
export type CameraLive = Pick<Camera, 'id'> & Partial<Pick<Camera, (typeof LIVE_FIELDS.camera)[number]>>;
export type StationLive = Pick<Station, 'id'> & Partial<Pick<Station, (typeof LIVE_FIELDS.station)[number]>>;
export type LinkLive = Pick<Link, 'id'> & Partial<Pick<Link, (typeof LIVE_FIELDS.link)[number]>>;
export interface LiveOf {
  camera: CameraLive;
  station: StationLive;
  link: LinkLive;
}

export type LiveValue = string | number | boolean | null;
/** `[id, field, value, field, value, …]`: field numbers index LIVE_FIELDS[entity]. */
export type LiveRow = [id: string, ...pairs: LiveValue[]];

/** The live changes of one device kind in one delta. */
export interface LiveTable {
  kind: 'live';
  entity: LiveEntity;
  /** Server time (ms) the rows' `lastSeen` values count from. */
  t: number;
  rows: LiveRow[];
}

const LAST_SEEN: Record<LiveEntity, number> = {
  camera: LIVE_FIELDS.camera.indexOf('lastSeen'),
  station: LIVE_FIELDS.station.indexOf('lastSeen'),
  link: LIVE_FIELDS.link.indexOf('lastSeen'),
};

/** A device's live values in LIVE_FIELDS order (undefined: not given). */
export type LiveValues = readonly (LiveValue | undefined)[];

/** A device's live values, in LIVE_FIELDS[entity] order. */
export function liveValues(entity: LiveEntity, device: object): LiveValue[] {
  const names = LIVE_FIELDS[entity];
  const d = device as Record<string, LiveValue>;
  const out = new Array<LiveValue>(names.length);
  for (let i = 0; i < names.length; i++) out[i] = d[names[i]!]!;
  return out;
}

/**
 * The row of device `id` with live values `values`: the ones that differ from `prev`
 * (every one given, without `prev`); null when none does. `t` as the table's.
 */
export function liveRowOf(entity: LiveEntity, id: string, values: LiveValues, prev: LiveValues | undefined, t: number): LiveRow | null {
  const lastSeen = LAST_SEEN[entity];
  const row: LiveRow = [id];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === undefined || (prev !== undefined && prev[i] === v)) continue;
    row.push(i, i === lastSeen && typeof v === 'number' ? v - t : v);
  }
  return row.length > 1 ? row : null;
}

/** A row back as the device's id and changed fields; a field number this build does not know is skipped. */
export function readLiveRow<E extends LiveEntity>(table: { entity: E; t: number }, row: LiveRow): LiveOf[E] {
  const names: readonly string[] = LIVE_FIELDS[table.entity];
  const lastSeen = LAST_SEEN[table.entity];
  const out: Record<string, LiveValue> = { id: row[0] };
  for (let i = 1; i + 1 < row.length; i += 2) {
    const f = row[i];
    if (typeof f !== 'number') continue;
    const name = names[f];
    if (name === undefined) continue;
    const v = row[i + 1]!;
    out[name] = f === lastSeen && typeof v === 'number' ? table.t + v : v;
  }
  return out as unknown as LiveOf[E];
}

/** Just the `lastSeen` of a row (null when it did not change), without building the fields. */
export function liveRowLastSeen(table: { entity: LiveEntity; t: number }, row: LiveRow): number | null {
  const lastSeen = LAST_SEEN[table.entity];
  for (let i = 1; i + 1 < row.length; i += 2) {
    if (row[i] === lastSeen) {
      const v = row[i + 1];
      return typeof v === 'number' ? table.t + v : null;
    }
  }
  return null;
}
