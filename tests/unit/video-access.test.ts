/**
 * The pure parts of live video (issue #22): who may watch which camera (the wall only inside a
 * critical alert's interrupt, and only with VIDEO_ON_WALL; a responder only its unit's incidents'
 * cameras), stream tokens (one camera, tamper-proof, expiring), and the audit of a view's length
 * (a closed view, and one whose player stopped renewing).
 */
import crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { Alert, Incident } from '../../contract/index.js';
import type { Principal } from '../../server/auth/service.js';
import { videoRefusal, WALL_VIDEO_WINDOW_MS, type VideoAccessDeps } from '../../server/video/access.js';
import { signStreamToken, verifyStreamToken } from '../../server/video/tokens.js';
import { LiveViews } from '../../server/video/views.js';

const NOW = Date.UTC(2026, 11, 7, 3, 0, 0);
const who = (role: Principal['role'], unitId: string | null = null): Principal => ({ kind: role === 'wall' ? 'display' : 'user', id: `u-${role}`, username: role, displayName: role, role, unitId, sessionId: null, expiresAt: null });

const alert = (o: Partial<Alert>): Alert =>
  ({ id: 'al-1', rule: 'detection_accident', severity: 'critical', state: 'active', source: { kind: 'camera', id: 'cam-1' }, incidentId: null, firstSeen: NOW - 60_000, data: {}, ...o }) as Alert;
const incident = (o: Partial<Incident>): Incident =>
  ({ id: 'inc-1', status: 'dispatched', units: [{ unitId: 'u-police', status: 'dispatched' }], alertIds: [], cameraIds: ['cam-2', 'cam-3'], ...o }) as Incident;

function deps(o: { alerts?: Alert[]; incidents?: Incident[]; videoOnWall?: boolean } = {}): VideoAccessDeps {
  const alerts = o.alerts ?? [];
  const incidents = o.incidents ?? [];
  return {
    alerts: () => alerts,
    incidents: () => incidents,
    alert: (id) => alerts.find((a) => a.id === id),
    videoOnWall: o.videoOnWall ?? false,
    now: () => NOW,
  };
}

describe('who may watch', () => {
  it('officers, supervisors and admins: every camera', () => {
    for (const r of ['duty_officer', 'supervisor', 'admin'] as const) expect(videoRefusal(who(r), 'cam-9', deps())).toBeNull();
  });

  it('a responder: its unit’s incidents’ cameras (near it, or its alerts’ source), not once released or closed', () => {
    const d = deps({ incidents: [incident({ alertIds: ['al-1'] })], alerts: [alert({ source: { kind: 'camera', id: 'cam-7' } })] });
    const r = who('responder', 'u-police');
    expect(videoRefusal(r, 'cam-2', d)).toBeNull();
    expect(videoRefusal(r, 'cam-7', d)).toBeNull();
    expect(videoRefusal(r, 'cam-9', d)).toMatch(/your unit/);
    expect(videoRefusal(who('responder', 'u-fire'), 'cam-2', d)).toMatch(/your unit/);
    expect(videoRefusal(who('responder', null), 'cam-2', d)).toMatch(/no unit/);
    expect(videoRefusal(r, 'cam-2', deps({ incidents: [incident({ units: [{ unitId: 'u-police', status: 'released' } as Incident['units'][number]] })] }))).not.toBeNull();
    expect(videoRefusal(r, 'cam-2', deps({ incidents: [incident({ status: 'closed' })] }))).not.toBeNull();
  });

  it('the wall: nothing unless VIDEO_ON_WALL; then only a fresh, active critical alert’s own camera, not its incident’s nearest', () => {
    const w = who('wall');
    const critical = alert({ incidentId: 'inc-1' });
    expect(videoRefusal(w, 'cam-1', deps({ alerts: [critical] }))).toMatch(/VIDEO_ON_WALL/);
    const on = (alerts: Alert[]) => deps({ alerts, incidents: [incident({})], videoOnWall: true });
    expect(videoRefusal(w, 'cam-1', on([critical]))).toBeNull();
    expect(videoRefusal(w, 'cam-2', on([critical]))).toMatch(/critical alert/);
    expect(videoRefusal(w, 'cam-9', on([critical]))).toMatch(/critical alert/);
    expect(videoRefusal(w, 'cam-1', on([alert({ severity: 'major' })]))).not.toBeNull();
    expect(videoRefusal(w, 'cam-1', on([alert({ state: 'acknowledged' })]))).not.toBeNull();
    expect(videoRefusal(w, 'cam-1', on([alert({ firstSeen: NOW - WALL_VIDEO_WINDOW_MS - 1 })]))).not.toBeNull();
  });
});

describe('stream tokens', () => {
  const key = crypto.randomBytes(32);
  const t = signStreamToken({ cam: 'cam-1', view: 'v-1', exp: NOW + 60_000 }, key);

  it('open their own camera until they expire', () => {
    expect(verifyStreamToken(t, 'cam-1', key, NOW)).toEqual({ ok: true, claims: { cam: 'cam-1', view: 'v-1', exp: NOW + 60_000 } });
    expect(verifyStreamToken(t, 'cam-2', key, NOW)).toEqual({ ok: false, reason: 'camera' });
    expect(verifyStreamToken(t, 'cam-1', key, NOW + 60_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuse another key, a changed claim, and anything malformed, without throwing', () => {
    expect(verifyStreamToken(t, 'cam-1', crypto.randomBytes(32), NOW)).toEqual({ ok: false, reason: 'signature' });
    const [, sig] = t.split('.');
    const forged = `${Buffer.from(JSON.stringify({ cam: 'cam-1', view: 'v-1', exp: NOW + 3_600_000 })).toString('base64url')}.${sig}`;
    expect(verifyStreamToken(forged, 'cam-1', key, NOW)).toEqual({ ok: false, reason: 'signature' });
    for (const bad of [undefined, 42, '', 'x', `${t}.x`, 'a'.repeat(5000), ['a']]) expect(verifyStreamToken(bad, 'cam-1', key, NOW).ok, String(bad).slice(0, 20)).toBe(false);
  });
});

describe('the audit of live views', () => {
  it('one row when a view opens, one with its length when it closes or lapses; renewals keep the view', () => {
    vi.useFakeTimers();
    let now = NOW;
    const rows: { type: string; cameraId: string; by: string; note: string }[] = [];
    const views = new LiveViews((e) => rows.push(e), 120_000, () => now);
    views.start();
    const a = views.open(undefined, 'cam-1', { userId: 'u1', by: 'lan', role: 'duty_officer' });
    now += 30_000;
    expect(views.open(a, 'cam-1', { userId: 'u1', by: 'lan', role: 'duty_officer' })).toBe(a);
    // Another user, or another camera, is another view.
    expect(views.open(a, 'cam-1', { userId: 'u2', by: 'minh', role: 'supervisor' })).not.toBe(a);
    expect(views.open(a, 'cam-2', { userId: 'u1', by: 'lan', role: 'duty_officer' })).not.toBe(a);
    now += 53_000;
    expect(views.close(a, 'u2')).toBe(false);
    expect(views.close(a, 'u1')).toBe(true);
    expect(rows.filter((r) => r.note.includes(a))).toEqual([
      { type: 'view_started', cameraId: 'cam-1', by: 'lan', role: 'duty_officer', address: undefined, note: `view ${a}` },
      { type: 'view_ended', cameraId: 'cam-1', by: 'lan', role: 'duty_officer', address: undefined, note: `view ${a}: 83 s (closed)` },
    ]);
    // The others lapse when no one renews them: their length runs to the last renewal.
    now += 121_000;
    vi.advanceTimersByTime(5000);
    expect(views.size).toBe(0);
    views.stop();
    vi.useRealTimers();
    expect(rows.filter((r) => r.type === 'view_ended' && r.note.endsWith('(lapsed)')).map((r) => r.note.replace(/^view \S+: /, ''))).toEqual(['0 s (lapsed)', '0 s (lapsed)']);
  });
});
