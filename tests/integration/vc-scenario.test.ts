/**
 * Issue #23 part 1, with the simulators: in the fiber-cut scenario on the test town (60×), a
 * meeting scheduled for the points of every ward; the ward whose fiber is cut loses its
 * point before the meeting, and the alert names the cut link, the cause an officer acts on.
 * (The typhoon's drops are checked against its plan in tests/unit/simulators.test.ts.)
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AlertOf } from '../../contract/index.js';
import type { VcBoardView } from '../../contract/vc.js';
import { appStackForFile } from '../harness/stack.js';
import { waitFor } from '../harness/wait.js';

const stack = appStackForFile({
  env: { CITY_PACK: path.resolve(import.meta.dirname, '../../citypacks/test-town'), SIMULATORS: 'on', SIM_SCENARIO: 'fiber-cut', SIM_SPEED: '60', SIM_SEED: '3' },
});

describe('video-conference points in the fiber-cut scenario', () => {
  it('drops the point behind the cut before the meeting, and the alert names the cut link', async () => {
    const { app } = stack();
    const res = await fetch(`${app.url}/api/vc/meetings`, {
      method: 'POST',
      headers: { ...(await app.headers('supervisor')), 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Họp trực tuyến phòng chống thiên tai', startsAt: Date.now() + 10 * 60_000, durationMin: 90, pointIds: app.pack.sites.vcPoints.map((v) => v.id) }),
    });
    expect(res.status).toBe(201);
    const alert = await waitFor(() => app.operations.alerts.open().find((a): a is AlertOf<'vc_not_ready'> => a.rule === 'vc_not_ready'), { timeoutMs: 20_000, message: 'a point dropped before the meeting' });
    const cut = app.operations.alerts.open().find((a) => a.rule === 'link_down')!;
    expect(cut).toBeDefined();
    expect(alert.data.cause).toEqual({ kind: 'link', id: cut.source.id, name: app.pack.sites.links.find((l) => l.id === cut.source.id)!.name });
    expect(alert.wardId).toBe(app.pack.sites.links.find((l) => l.id === cut.source.id)!.to);
    expect(alert.title).toContain('đứt cáp quang');
    // Only the ward behind the cut: the others are ready.
    const board = (await (await fetch(`${app.url}/api/vc`, { headers: await app.headers('wall') })).json()) as { data: VcBoardView };
    expect(board.data.readiness.expected).toBe(app.pack.sites.vcPoints.length);
    expect(board.data.readiness.ready).toBe(app.pack.sites.vcPoints.length - 1);
    expect(app.operations.alerts.open().filter((a) => a.rule === 'vc_not_ready')).toHaveLength(1);
  });
});
