/** The live-table wire form (contract/live.ts): what a row holds, and that reading it back gives the fields sent. */
import { describe, expect, it } from 'vitest';
import { LIVE_FIELDS, liveRowLastSeen, liveRowOf, liveValues, readLiveRow, type LiveEntity, type LiveRow } from '../../contract/live.js';
import { liveRow } from '../harness/live.js';
import { makeCamera } from '../fixtures/domain.js';
import { createRng } from '../../simulators/rng.js';

describe('live rows', () => {
  it('hold the id, then (field number, value) for each field given, the time counted from t', () => {
    const t = 1_795_464_890_800;
    expect(liveRow('station', { id: 'bs-1', loadPct: 48, lastSeen: t - 39 }, t)).toEqual(['bs-1', 4, 48, 5, -39]);
    expect(liveRow('camera', { id: 'cam-1', state: 'offline', fps: null, stale: true }, t)).toEqual(['cam-1', 0, 'offline', 1, null, 4, true]);
    // A null lastSeen stays null (a device never heard from).
    expect(liveRow('link', { id: 'l-1', lastSeen: null }, t)).toEqual(['l-1', 3, null]);
  });

  it('are about a third of the size of the same change as an object', () => {
    const t = 1_795_464_890_800;
    const fields = { id: 'load-bs-000001', loadPct: 48, lastSeen: 1_795_464_890_761 };
    const asObject = JSON.stringify({ kind: 'stationLive', station: fields });
    const asRow = JSON.stringify(liveRow('station', fields, t));
    expect(asRow.length / asObject.length).toBeLessThan(0.4);
  });

  it('read back to the fields sent, for random changes of every device kind', () => {
    const rng = createRng(7, 'live-rows');
    const values = [null, true, false, 0, -1, 12.5, 'online', 'mất điện', 1_795_464_890_761];
    for (let n = 0; n < 2_000; n++) {
      const entity = (['camera', 'station', 'link'] as const)[n % 3]! as LiveEntity;
      const t = 1_795_464_000_000 + Math.floor(rng.uniform(0, 1e6));
      const fields: { id: string } & Record<string, string | number | boolean | null> = { id: `dev-${n}` };
      for (const name of LIVE_FIELDS[entity]) {
        if (rng.uniform(0, 1) < 0.5) continue;
        fields[name] = name === 'lastSeen' ? (rng.uniform(0, 1) < 0.1 ? null : t - Math.floor(rng.uniform(-50, 5000))) : values[Math.floor(rng.uniform(0, values.length))]!;
      }
      const row = JSON.parse(JSON.stringify(liveRow(entity, fields, t))) as LiveRow;
      expect(readLiveRow({ entity, t }, row)).toEqual(fields);
      expect(liveRowLastSeen({ entity, t }, row)).toBe(typeof fields.lastSeen === 'number' ? fields.lastSeen : null);
    }
  });

  it('against the values last sent, carry only those that differ, and nothing when none does', () => {
    const t = 50_000;
    const cam = makeCamera('cam-1', { state: 'online', fps: 25, bitrateKbps: 4000, lastSeen: 49_000, stale: false });
    const before = liveValues('camera', cam);
    // The values in LIVE_FIELDS order, read from the device (its site data left out).
    expect(before).toEqual(['online', 25, 4000, 49_000, false]);
    const after = liveValues('camera', { ...cam, lastSeen: 49_900 });
    expect(liveRowOf('camera', 'cam-1', after, before, t)).toEqual(['cam-1', 3, -100]);
    expect(liveRowOf('camera', 'cam-1', after, after, t)).toBeNull();
    // No baseline yet: every value goes.
    expect(readLiveRow({ entity: 'camera', t }, liveRowOf('camera', 'cam-1', after, undefined, t)!)).toEqual({ id: 'cam-1', state: 'online', fps: 25, bitrateKbps: 4000, lastSeen: 49_900, stale: false });
  });

  it('skip a field number this build does not know (a newer server), keeping the others', () => {
    const row: LiveRow = ['cam-1', 99, 'x', 0, 'degraded', 3, -5];
    expect(readLiveRow({ entity: 'camera', t: 1000 }, row)).toEqual({ id: 'cam-1', state: 'degraded', lastSeen: 995 });
  });
});
