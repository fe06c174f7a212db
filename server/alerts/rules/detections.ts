/**
 * Rules on camera detections (all timing on the engine clock, not the device's):
 *
 * - immediate (accident, fire/smoke, crowd by default): one alert per event at once.
 *   Repeats of the same kind on the same camera, each within dedupeWindowS of the
 *   previous one, are one episode and count on one alert. Key:
 *   `detection:${cameraId}:${kind}:${episodeStartMs}` — the start time is in the key
 *   because these alerts are never auto-cleared (an accident needs an officer), so a
 *   key without it would fold tomorrow's accident into today's open alert.
 *   Detections under minConfidence are ignored.
 * - violation burst: ≥ count violations within a sliding windowS on one camera or road;
 *   clears when the window holds fewer than count/2. Keys `violation_burst:camera:${id}`,
 *   `violation_burst:road:${roadId}` (a camera without a road counts on its own).
 * - congestion: reported queue ≥ queueM continuously for forS; clears when reports have
 *   been below it for forS/2, or after forS/2 without any report (cameras report
 *   congestion only while there is some, so silence means the queue is gone). A silence
 *   of forS/2 also breaks a stretch. Key `congestion:${cameraId}`.
 */
import type { Camera, DetectionData, DetectionKind, DetectionPayload, Evidence, RuleData } from '../../../contract/index.js';
// Vietnamese names: one vocabulary with the console (contract/labels-vi.ts).
import { DETECTION_KIND_VI } from '../../../contract/index.js';
import type { BusEvents } from '../../bus.js';
import { round, type RuleContext, type RuleFamily } from './context.js';

interface Episode {
  start: number;
  last: number;
}
interface Window {
  /** Violation times, oldest first; those before `head` have left the window. */
  times: number[];
  head: number;
  /** The camera whose violation last landed here: the alert's position for a road burst. */
  cameraId: string;
}
interface Queue {
  /** Start of the current stretch of reports at or above queueM (null: not in one). */
  aboveSince: number | null;
  /** Start of the current stretch of reports below it. */
  belowSince: number | null;
  lastReportAt: number;
  lastQueueM: number;
}

export function detectionRules(ctx: RuleContext): RuleFamily {
  const { detections: imm, violationBurst: burst, congestion: cong } = ctx.rules;
  const episodes = new Map<string, Episode>();
  const windows = new Map<string, Window>();
  const queues = new Map<string, Queue>();
  const burstKinds = new Set<DetectionKind>(burst.kinds);
  const cam = (id: string): Camera | undefined => ctx.registry.cameras.get(id);

  function resumed(cameraId: string, kind: DetectionKind, now: number): Episode | undefined {
    const prefix = `detection:${cameraId}:${kind}:`;
    let best: Episode | undefined;
    for (const a of ctx.alerts.openWithPrefix(prefix)) {
      const start = Number(a.dedupeKey.slice(prefix.length));
      if (!Number.isFinite(start) || now - a.lastSeen > imm.dedupeWindowS * 1000) continue;
      if (!best || a.lastSeen > best.last) best = { start, last: a.lastSeen };
    }
    if (best) episodes.set(`${cameraId}:${kind}`, best);
    return best;
  }

  function immediate(e: BusEvents['camera.detection'], now: number): void {
    const p = e.payload;
    const severity = imm.immediate[p.kind];
    if (!severity || p.confidence < imm.minConfidence) return;
    const epKey = `${e.id}:${p.kind}`;
    let ep = episodes.get(epKey);
    // An episode this engine did not see begin (it took the lead, or restarted): the open alert
    // of this camera and kind still within the window is its start, so a redelivered or repeated
    // detection counts on it instead of raising a second alert.
    if (!ep) ep = resumed(e.id, p.kind, now);
    if (!ep || now - ep.last > imm.dedupeWindowS * 1000) episodes.set(epKey, (ep = { start: now, last: now }));
    ep.last = now;
    const c = cam(e.id);
    const data: DetectionData = { kind: p.kind, confidence: p.confidence, cameraId: e.id };
    if (p.kind === 'crowd' && p.peopleCount !== undefined) data.peopleCount = p.peopleCount;
    if (p.plate !== undefined) data.plate = p.plate;
    const evidence = evidenceOf(p);
    if (evidence) data.evidence = evidence;
    ctx.alerts.raise(
      {
        rule: `detection_${p.kind}`,
        dedupeKey: `detection:${e.id}:${p.kind}:${ep.start}`,
        severity,
        title: `${DETECTION_KIND_VI[p.kind]}: ${c?.name ?? e.id}`,
        source: { kind: 'camera', id: e.id },
        // Where the event is, which the camera located; its own position is only the fallback.
        position: [p.lon, p.lat],
        wardId: c?.wardId ?? null,
        data,
      },
      now,
    );
  }

  let observingSince: number | null = null;

  /** The burst key per camera, made once (a violation arrives many times a second on a busy road). */
  const burstKeys = new Map<string, { key: string; roadId: string | null }>();
  function burstKey(cameraId: string): { key: string; roadId: string | null } {
    const roadId = burst.by === 'road' ? (cam(cameraId)?.roadId ?? null) : null;
    let k = burstKeys.get(cameraId);
    if (!k || k.roadId !== roadId) {
      k = roadId ? { key: `violation_burst:road:${roadId}`, roadId } : { key: `violation_burst:camera:${cameraId}`, roadId: null };
      burstKeys.set(cameraId, k);
    }
    return k;
  }

  const inWindow = (w: Window) => w.times.length - w.head;

  function prune(w: Window, now: number): void {
    const from = now - burst.windowS * 1000;
    while (w.head < w.times.length && w.times[w.head]! <= from) w.head++;
    // The spent front goes now and then, not on every message: a splice moves the whole window.
    if (w.head > 0 && w.head * 2 >= w.times.length) {
      w.times.splice(0, w.head);
      w.head = 0;
    }
  }

  function violation(e: BusEvents['camera.detection'], now: number): void {
    const { key, roadId } = burstKey(e.id);
    let w = windows.get(key);
    if (!w) windows.set(key, (w = { times: [], head: 0, cameraId: e.id }));
    w.times.push(now);
    w.cameraId = e.id;
    prune(w, now);
    // Already raised: nothing to build (a busy road sends thousands of violations an hour).
    const n = inWindow(w);
    if (n < burst.count || ctx.alerts.isActive(key)) return;
    const c = cam(e.id);
    const where = roadId ? (ctx.pack.roads.features.find((r) => r.properties.id === roadId)?.properties.name ?? roadId) : (c?.name ?? e.id);
    const data: RuleData['violation_burst'] = { count: n, windowS: burst.windowS, by: burst.by, cameraId: e.id };
    if (roadId) data.roadId = roadId;
    ctx.alerts.raiseOnce(
      {
        rule: 'violation_burst',
        dedupeKey: key,
        severity: burst.severity,
        title: `Vi phạm dồn dập: ${n} lượt/${round(burst.windowS / 60, 1)} phút tại ${where}`,
        source: { kind: 'camera', id: e.id },
        position: c?.position ?? [e.payload.lon, e.payload.lat],
        wardId: c?.wardId ?? null,
        data,
      },
      now,
    );
  }

  function congestion(e: BusEvents['camera.detection'], queueM: number, now: number): void {
    const q = queues.get(e.id) ?? { aboveSince: null, belowSince: null, lastReportAt: now, lastQueueM: 0 };
    queues.set(e.id, q);
    // A silence of forS/2 breaks any stretch, above or below.
    const gap = now - q.lastReportAt >= (cong.forS * 1000) / 2;
    if (queueM >= cong.queueM) {
      if (q.aboveSince === null || gap) q.aboveSince = now;
      q.belowSince = null;
    } else {
      q.aboveSince = null;
      if (q.belowSince === null || gap) q.belowSince = now;
    }
    q.lastReportAt = now;
    q.lastQueueM = queueM;
  }

  function tickCongestion(now: number): void {
    const halfMs = (cong.forS * 1000) / 2;
    for (const [id, q] of queues) {
      const key = `congestion:${id}`;
      const silent = now - q.lastReportAt >= halfMs;
      if (silent || (q.belowSince !== null && now - q.belowSince >= halfMs)) {
        ctx.alerts.clear(key, now, silent ? `no congestion report for ${cong.forS / 2} s` : `queue below ${cong.queueM} m for ${cong.forS / 2} s`);
        queues.delete(id);
        continue;
      }
      if (q.aboveSince === null || now - q.aboveSince < cong.forS * 1000 || ctx.alerts.isActive(key)) continue;
      const c = cam(id);
      ctx.alerts.raiseOnce(
        {
          rule: 'congestion',
          dedupeKey: key,
          severity: cong.severity,
          title: `Ùn tắc kéo dài: ${c?.name ?? id} (hàng xe ${Math.round(q.lastQueueM)} m)`,
          source: { kind: 'camera', id },
          position: c?.position ?? null,
          wardId: c?.wardId ?? null,
          data: { queueM: Math.round(q.lastQueueM), forS: Math.round((now - q.aboveSince) / 1000) },
        },
        now,
      );
    }
    // After a restart the store may hold congestion alerts we have no reports for: they clear after forS/2 of silence.
    for (const key of ctx.alerts.keysWithPrefix('congestion:')) {
      const id = key.slice('congestion:'.length);
      if (!queues.has(id)) queues.set(id, { aboveSince: null, belowSince: null, lastReportAt: now, lastQueueM: 0 });
    }
  }

  function tick(now: number): void {
    for (const [k, ep] of episodes) if (now - ep.last > imm.dedupeWindowS * 1000) episodes.delete(k);
    // Windows live in memory: after a restart a burst alert is only judged
    // once a whole window has been watched, never cleared for lack of history.
    observingSince ??= now;
    if (now - observingSince < burst.windowS * 1000) return tickCongestion(now);
    for (const [key, w] of windows) {
      prune(w, now);
      if (inWindow(w) < burst.count / 2) ctx.alerts.clear(key, now, `fewer than ${burst.count / 2} violations in ${burst.windowS} s`);
      if (inWindow(w) === 0 && !ctx.alerts.isActive(key)) windows.delete(key);
    }
    for (const key of ctx.alerts.keysWithPrefix('violation_burst:')) if (!windows.has(key)) ctx.alerts.clear(key, now, 'no violations in the window');
    tickCongestion(now);
  }

  return {
    name: 'detections',
    onDetection(e, now) {
      const p = e.payload;
      immediate(e, now);
      if (burstKinds.has(p.kind)) violation(e, now);
      if (p.kind === 'congestion') congestion(e, p.queueLengthM, now);
    },
    tick,
  };
}

/** What a detection names as its evidence (contract/video.ts), or undefined when nothing. */
function evidenceOf(p: DetectionPayload): Evidence | undefined {
  const e: Evidence = {};
  if (p.snapshotId !== undefined) e.snapshotId = p.snapshotId;
  if (p.snapshot !== undefined) e.snapshotUrl = p.snapshot;
  if (p.frigateEventId !== undefined) e.frigateEventId = p.frigateEventId;
  if (p.box !== undefined) e.box = p.box;
  return Object.keys(e).length > 0 ? e : undefined;
}
