/**
 * A console left open through a night shift (issue #27, point 1): the server's feed
 * figures travel as they do in production (FeedHealthTracker → FeedHealthPush on the bus
 * → the city's AudienceStream → the console's store), on a clock run four hours fast.
 * The console's feed chip must agree with the server at every minute: green while the
 * cameras talk, amber then red when they stop, green again when they come back. It must
 * never turn red on its own, whatever this screen's clock says.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FeedHealth } from '../../contract/index.js';
import { EventBus } from '../../server/bus.js';
import { createLogger } from '../../server/log.js';
import { FEED_HEALTH_PUSH_MS, FeedHealthPush } from '../../server/ingest/health-push.js';
import { FeedHealthTracker } from '../../server/ingest/health.js';
import { AudienceStream } from '../../server/push/stream.js';
import { applyDeltas, applySnapshot, type LiveData } from '../../client/src/live/store.js';
import { feedStatus, pushSample, rejectTotal, SILENT_BAD_MS, SILENT_WARN_MS, worst, type Sample } from '../../client/src/app/feedHealth.js';

const START = Date.UTC(2026, 11, 6, 22, 0, 0);
const KPIS = { openIncidents: { critical: 0, major: 0, minor: 0, info: 0 }, activeAlerts: 0, cameraAvailabilityPct: null, stationAvailabilityPct: null, mttaS: null, mttrS: null, coveragePct: null };

describe('feed health over a long session (sped-up clock)', () => {
  beforeEach(() => vi.useFakeTimers({ now: START }));
  afterEach(() => vi.useRealTimers());

  it('the console shows what the server sees for four hours, and never ages the figures by itself', () => {
    const bus = new EventBus(createLogger('silent'));
    const health = new FeedHealthTracker(50, () => Date.now());
    const read = () => health.snapshot(() => 0);
    const push = new FeedHealthPush(bus, read);
    const stream = new AudienceStream({ kind: 'city' }, 'aud:city', 2000);
    stream.init(new Set());
    // The console opens now: a snapshot with the figures of this moment.
    let data: LiveData = applySnapshot(
      { epoch: 'e', seq: 0, serverTime: Date.now(), cameras: [], stations: [], links: [], alerts: [], incidents: [], units: [], kpis: KPIS, feeds: read() },
      Date.now(),
    );
    let deltas = 0;
    bus.on('state.change', 'test', (c) => {
      const delta = stream.next([c]);
      if (!delta) return;
      deltas++;
      const r = applyDeltas(data, [delta]);
      expect(r.stoppedAt).toBeNull();
      data = r.data;
    });
    const history = new Map<string, Sample[]>();
    const chip = () => {
      for (const f of data.feeds) history.set(f.feed, pushSample(history.get(f.feed) ?? [], { at: Date.now(), rejected: rejectTotal(f), messages: f.messages }));
      return worst(data.feeds.map((f) => feedStatus(f, history.get(f.feed) ?? []).level));
    };
    const camerasOf = (feeds: readonly FeedHealth[]) => feeds.find((f) => f.feed === 'cameras')!;

    push.start();
    // Cameras report every 2 s; the telecom feed every 5 s. Each minute, the chip is read.
    let camerasTalk = true;
    const cameras = setInterval(() => camerasTalk && health.accepted('cameras'), 2000);
    const telecom = setInterval(() => health.accepted('telecom'), 5000);
    const minutes = (n: number, expectLevel: (minute: number) => string) => {
      for (let m = 0; m < n; m++) {
        vi.advanceTimersByTime(60_000);
        const level = chip();
        expect({ at: new Date(Date.now()).toISOString(), level }).toEqual({ at: new Date(Date.now()).toISOString(), level: expectLevel(m) });
        // The console's figures are never older than one push.
        expect(Date.now() - camerasOf(data.feeds).at).toBeLessThan(FEED_HEALTH_PUSH_MS);
      }
    };

    // Four hours of a normal night: green at every minute.
    minutes(4 * 60, () => 'ok');
    expect(deltas).toBeGreaterThanOrEqual((4 * 3600_000) / FEED_HEALTH_PUSH_MS - 1);

    // The cameras stop: amber from 2 minutes of silence, red from 10. Read at half minutes,
    // away from the thresholds, so that one push's lag cannot blur what is expected.
    camerasTalk = false;
    const stoppedAt = Date.now();
    vi.advanceTimersByTime(30_000);
    const seen: string[] = [];
    for (let m = 0; m < 12; m++) {
      const quiet = Date.now() - stoppedAt;
      expect(chip()).toBe(quiet < SILENT_WARN_MS ? 'ok' : quiet < SILENT_BAD_MS ? 'warn' : 'bad');
      seen.push(chip());
      vi.advanceTimersByTime(60_000);
    }
    expect(new Set(seen)).toEqual(new Set(['ok', 'warn', 'bad']));
    expect(chip()).toBe('bad');
    expect(camerasOf(data.feeds).at - camerasOf(data.feeds).lastMessageAt!).toBeGreaterThanOrEqual(SILENT_BAD_MS);

    // They come back: green within one push.
    camerasTalk = true;
    vi.advanceTimersByTime(2000 + FEED_HEALTH_PUSH_MS);
    expect(chip()).toBe('ok');

    // The screen's own clock jumps three hours (a laptop woken from sleep, a wrong NTP step):
    // the figures it holds are the server's, so nothing turns red.
    vi.setSystemTime(Date.now() + 3 * 3600_000);
    expect(chip()).toBe('ok');

    push.stop();
    clearInterval(cameras);
    clearInterval(telecom);
  });
});
