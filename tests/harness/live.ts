/**
 * A delta's changes with each live-table row read back as one change of its own
 * (`{ kind: 'cameraLive', camera: { id, …changed fields } }`), for assertions that
 * follow one device through the deltas. The wire form itself is tested in
 * tests/unit/live.test.ts and tests/integration/rooms.test.ts.
 */
import { readLiveRow, type CameraLive, type FullChange, type LinkLive, type StationLive } from '../../contract/index.js';
import type { Change } from '../../contract/index.js';

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
