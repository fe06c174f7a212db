/**
 * Camera health: offline (last-will "offline", or stale: silent past the registry's
 * interval) for longer than afterS, or degraded for longer than degradedAfterS.
 *
 * Timers are timestamps checked in tick(), not a setTimeout per camera. Time counts
 * from when the console saw the state (engine clock), not the device's own clock:
 * a camera with a wrong clock must not be able to shorten or lengthen the grace.
 *
 * Keys: `camera_offline:${cameraId}`, `camera_degraded:${cameraId}`.
 */
import type { Camera } from '../../../contract/index.js';
import type { AlertInput } from '../types.js';
import { deviceKeys } from '../../keys.js';
import type { RuleContext, RuleFamily } from './context.js';

type Bad = 'offline' | 'degraded';
interface Tracked {
  kind: Bad;
  since: number;
  /** Alert raised for this episode: tick() skips it. */
  done: boolean;
}

export const offlineKey = deviceKeys('camera_offline:');
export const degradedKey = deviceKeys('camera_degraded:');

function condition(c: Camera): Bad | null | 'unknown' {
  if (c.stale || c.state === 'offline') return 'offline';
  if (c.state === 'degraded') return 'degraded';
  // Never heard from (e.g. fresh start without stored state): no judgement either way.
  return c.state === 'unknown' ? 'unknown' : null;
}

export function cameraRules(ctx: RuleContext): RuleFamily & { reconcile(now: number): void } {
  const cfg = ctx.rules.cameraOffline;
  const tracked = new Map<string, Tracked>();

  function input(c: Camera, kind: Bad, sinceS: number): AlertInput {
    const offline = kind === 'offline';
    return {
      rule: offline ? 'camera_offline' : 'camera_degraded',
      dedupeKey: offline ? offlineKey(c.id) : degradedKey(c.id),
      severity: offline ? cfg.severity : cfg.degradedSeverity,
      title: offline ? `Camera mất kết nối: ${c.name}` : `Camera hoạt động kém: ${c.name}`,
      source: { kind: 'camera', id: c.id },
      position: c.position,
      wardId: c.wardId,
      data: { state: c.stale ? 'stale' : c.state, sinceS },
    };
  }

  function onCamera(c: Camera, now: number): void {
    const cond = condition(c);
    if (cond === 'unknown') return;
    const prev = tracked.get(c.id);
    if (cond === null) {
      tracked.delete(c.id);
      ctx.alerts.clear(offlineKey(c.id), now, 'camera back online');
      ctx.alerts.clear(degradedKey(c.id), now, 'camera back online');
      return;
    }
    if (prev?.kind === cond) return; // a heartbeat in the same state: the timer keeps running
    tracked.set(c.id, { kind: cond, since: now, done: false });
    // Offline → degraded: the camera is back, partly; the offline alert ends now.
    // Degraded → offline: the degraded alert stays until the offline one is raised, so there is no silent gap.
    if (cond === 'degraded') ctx.alerts.clear(offlineKey(c.id), now, 'camera reachable again (degraded)');
  }

  function tick(now: number): void {
    for (const [id, t] of tracked) {
      const afterMs = (t.kind === 'offline' ? cfg.afterS : cfg.degradedAfterS) * 1000;
      if (t.done || now - t.since < afterMs) continue;
      const cam = ctx.registry.cameras.get(id);
      if (!cam) {
        tracked.delete(id);
        continue;
      }
      ctx.alerts.raiseOnce(input(cam, t.kind, Math.round((now - t.since) / 1000)), now);
      if (t.kind === 'offline') ctx.alerts.clear(degradedKey(id), now, 'superseded by camera offline');
      t.done = true;
    }
  }

  /** At start: judge every camera's current state, and clear stored alerts for cameras now healthy. */
  function reconcile(now: number): void {
    for (const c of ctx.registry.cameras.values()) onCamera(c, now);
    for (const key of [...ctx.alerts.keysWithPrefix('camera_offline:'), ...ctx.alerts.keysWithPrefix('camera_degraded:')]) {
      const id = key.slice(key.indexOf(':') + 1);
      if (!ctx.registry.cameras.has(id)) ctx.alerts.clear(key, now, 'camera no longer in the city pack');
    }
  }

  return { name: 'camera', onCamera, tick, reconcile };
}
