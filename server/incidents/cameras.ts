/**
 * The cameras an officer wants to look through when an incident opens: those
 * within a radius of it, nearest first. Read from the registry's live picture,
 * not from the incident state, so it stays where it is when that state moves.
 */
import type { LngLat } from '../../contract/index.js';
import type { Registry } from '../registry/registry.js';
import { distanceM } from '../../contract/geo.js';

export interface CameraNear {
  id: string;
  /** Distance in whole metres. */
  d: number;
}

/** At most this many: the incident panel shows them as a strip. */
const MAX_CAMERAS = 8;

export type NearestCameras = (p: LngLat) => CameraNear[];

export function nearestCameras(registry: Pick<Registry, 'cameras'>, radiusM = 500): NearestCameras {
  return (p) => {
    const out: CameraNear[] = [];
    for (const c of registry.cameras.values()) {
      if (!c.position) continue;
      const d = distanceM(p, c.position);
      if (d <= radiusM) out.push({ id: c.id, d: Math.round(d) });
    }
    return out.sort((a, b) => a.d - b.d).slice(0, MAX_CAMERAS);
  };
}
