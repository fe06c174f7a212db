/**
 * Video-conference rules, judged every tick against the meeting schedule:
 *
 * - `vc_not_ready:${meetingId}:${pointId}`: a point that must join is not ready (offline,
 *   silent or never heard from) from `offlineBeforeMin` minutes before the start until the
 *   meeting ends; the alert names what the point is behind (a cut commune fiber link, a dead
 *   station) when the live picture shows one. Cleared when the point is ready, or the meeting
 *   is over or cancelled.
 * - `vc_quality:${meetingId}:${pointId}`: during the meeting, a point's packet loss, jitter or
 *   round-trip time past its threshold. Cleared when all three are back under.
 */
import type { Meeting, VcPointState } from '../../../contract/vc.js';
import { vcReady } from '../../../contract/vc.js';
import type { RuleContext, RuleFamily } from './context.js';

/** What the rules read of the video-conference board (server/vc/board.ts). */
export interface VcSource {
  meetings(): Meeting[];
  pointStates(): VcPointState[];
  causeOf(pointId: string): { kind: 'link' | 'station'; id: string; name: string } | null;
}

const STATE_VI: Record<string, string> = { offline: 'mất kết nối', unknown: 'chưa có tín hiệu', stale: 'mất liên lạc', online: 'sẵn sàng', in_session: 'đang họp' };

export function vcRules(ctx: RuleContext, vc: VcSource): RuleFamily {
  const r = ctx.rules.vc;
  /** The cause each raised vc_not_ready named: a cause found later (the link's status came after) updates the alert. */
  const named = new Map<string, string>();
  return {
    name: 'vc',
    tick(now) {
      const meetings = vc.meetings();
      const points = new Map(vc.pointStates().map((p) => [p.id, p]));
      const live = new Set<string>();
      for (const m of meetings) {
        const end = m.startsAt + m.durationMin * 60_000;
        const watching = now >= m.startsAt - r.offlineBeforeMin * 60_000 && now < end;
        if (!watching) continue;
        const during = now >= m.startsAt;
        for (const id of m.pointIds) {
          const p = points.get(id);
          if (!p) continue;
          const notReadyKey = `vc_not_ready:${m.id}:${id}`;
          const qualityKey = `vc_quality:${m.id}:${id}`;
          live.add(notReadyKey);
          live.add(qualityKey);
          const base = { source: { kind: 'vc' as const, id }, position: p.position, wardId: p.wardId };
          if (!vcReady(p)) {
            const state = p.stale ? 'stale' : p.state;
            const cause = vc.causeOf(id);
            const because = cause ? ` — do ${cause.kind === 'link' ? 'đứt cáp quang' : 'mất trạm'} ${cause.name}` : '';
            const causeKey = cause ? `${cause.kind}:${cause.id}` : '';
            if (named.get(notReadyKey) !== causeKey || !ctx.alerts.isActive(notReadyKey)) {
              named.set(notReadyKey, causeKey);
              ctx.alerts.raise(
                {
                  ...base,
                  rule: 'vc_not_ready',
                  dedupeKey: notReadyKey,
                  severity: r.notReadySeverity,
                  title: `${p.name} ${STATE_VI[state] ?? state} trước cuộc họp "${m.title}"${because}`,
                  data: { meetingId: m.id, meeting: m.title, startsAt: m.startsAt, pointId: id, point: p.name, state, cause },
                },
                now,
              );
            }
          } else {
            named.delete(notReadyKey);
            ctx.alerts.clear(notReadyKey, now, 'point ready');
          }

          const bad = during && vcReady(p) && ((p.lossPct ?? 0) > r.maxLossPct || (p.jitterMs ?? 0) > r.maxJitterMs || (p.rttMs ?? 0) > r.maxRttMs);
          if (bad) {
            ctx.alerts.raiseOnce(
              {
                ...base,
                rule: 'vc_quality',
                dedupeKey: qualityKey,
                severity: r.qualitySeverity,
                title: `Chất lượng đường truyền kém: ${p.name}, cuộc họp "${m.title}"`,
                data: { meetingId: m.id, meeting: m.title, pointId: id, point: p.name, lossPct: p.lossPct, jitterMs: p.jitterMs, rttMs: p.rttMs },
              },
              now,
            );
          } else ctx.alerts.clear(qualityKey, now, during ? 'quality back' : 'not in session');
        }
      }
      // Meetings over or cancelled: their alerts end with them.
      for (const key of [...ctx.alerts.keysWithPrefix('vc_not_ready:'), ...ctx.alerts.keysWithPrefix('vc_quality:')]) {
        if (live.has(key)) continue;
        named.delete(key);
        ctx.alerts.clear(key, now, 'meeting over or cancelled');
      }
    },
  };
}
