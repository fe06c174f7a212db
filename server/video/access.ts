/**
 * Who may watch which camera (issue #22), asked at every grant and renewal of a stream:
 *   - officers, supervisors and admins: every camera (they hold `city:view`);
 *   - a responder: the cameras of the incidents its unit is working (near them, or whose
 *     alert came from them), and nothing once the unit is released;
 *   - the wall: nothing, unless VIDEO_ON_WALL is on, and then only the camera a critical alert
 *     came from, while that alert is active and within WALL_VIDEO_WINDOW_MS of being raised: what
 *     its interrupt plays, and no other (not the cameras near the alert's incident).
 * The REST guard has already required `video:view`; this narrows it per camera.
 */
import type { Alert, Incident } from '../../contract/index.js';
import type { Principal } from '../auth/service.js';
import { can } from '../auth/permissions.js';

/** How long after a critical alert is raised the wall may still play its cameras. */
export const WALL_VIDEO_WINDOW_MS = 5 * 60_000;

export interface VideoAccessDeps {
  incidents: () => Iterable<Incident>;
  alerts: () => Iterable<Alert>;
  alert: (id: string) => Alert | undefined;
  videoOnWall: boolean;
  now: () => number;
}

/** The cameras of an incident: those near it, and those its alerts came from. */
export function incidentCameras(i: Incident, alert: (id: string) => Alert | undefined): Set<string> {
  const out = new Set(i.cameraIds);
  for (const id of i.alertIds) {
    const a = alert(id);
    if (a?.source.kind === 'camera') out.add(a.source.id);
  }
  return out;
}

/** null when `p` may watch `cameraId`, else why not (said to the caller). */
export function videoRefusal(p: Principal, cameraId: string, d: VideoAccessDeps): string | null {
  if (can(p.role, 'city:view')) return null;
  if (p.role === 'responder') {
    if (!p.unitId) return 'no unit bound to this account';
    for (const i of d.incidents()) {
      if (i.status === 'closed') continue;
      if (!i.units.some((u) => u.unitId === p.unitId && u.status !== 'released')) continue;
      if (incidentCameras(i, d.alert).has(cameraId)) return null;
    }
    return 'only the cameras of your unit’s incidents';
  }
  if (p.role === 'wall') {
    if (!d.videoOnWall) return 'the wall shows no video (VIDEO_ON_WALL is off)';
    const since = d.now() - WALL_VIDEO_WINDOW_MS;
    for (const a of d.alerts()) {
      if (a.severity !== 'critical' || a.state !== 'active' || a.firstSeen < since) continue;
      if (a.source.kind === 'camera' && a.source.id === cameraId) return null;
    }
    return 'the wall plays a camera only during a critical alert';
  }
  return 'no video for this role';
}
