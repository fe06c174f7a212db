/**
 * Live tables in tests. readChanges: a delta's changes with each live-table row read
 * back as one change of its own (`{ kind: 'cameraLive', camera: { id, …changed
 * fields } }`), for assertions that follow one device through the deltas. liveRow: the
 * row of a fields object, to build deltas by hand. The wire form itself is tested in
 * tests/unit/live.test.ts and tests/integration/rooms.test.ts.
 */
import { LIVE_FIELDS, liveRowOf, readLiveRow, type CameraLive, type Change, type FullChange, type LinkLive, type LiveEntity, type LiveRow, type LiveValue, type StationLive } from '../../contract/index.js';

export type ReadChange = FullChange | { kind: 'cameraLive'; camera: CameraLive } | { kind: 'stationLive'; station: StationLive } | { kind: 'linkLive'; link: LinkLive };

export function readChanges(changes: readonly Change[]): ReadChange[] {
  const out: ReadChange[] = [];
  for (const c of changes) {
    if (c.kind !== 'live') {
      out.push(c);
      continue;
    }
    for (const row of c.rows) {
      if (c.entity === 'camera') out.push({ kind: 'cameraLive', camera: readLiveRow({ entity: 'camera', t: c.t }, row) });
      else if (c.entity === 'station') out.push({ kind: 'stationLive', station: readLiveRow({ entity: 'station', t: c.t }, row) });
      else out.push({ kind: 'linkLive', link: readLiveRow({ entity: 'link', t: c.t }, row) });
    }
  }
  return out;
}

/** The row the server sends for a device whose given fields (the id apart) changed: liveRowOf with no baseline. */
export function liveRow(entity: LiveEntity, fields: { id: string } & Record<string, LiveValue | undefined>, t: number): LiveRow {
  return liveRowOf(entity, fields.id, LIVE_FIELDS[entity].map((n) => fields[n]), undefined, t) ?? [fields.id];
}
