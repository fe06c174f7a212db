/**
 * The leader's changes relayed to a standby (server/cluster/relay.ts), two relays wired to each
 * other in memory as the Socket.IO adapter would: newer versions only, a relayed state held until
 * the event log confirms it, the event log's state taken over a relayed one of the same version,
 * corrections and forgotten alerts taken at once, and unconfirmed ones read again.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Alert } from '../../contract/index.js';
import { EventBus } from '../../server/bus.js';
import { ChangeRelay } from '../../server/cluster/relay.js';
import type { StreamType } from '../../server/db/sor.js';
import type { IoServer } from '../../server/push/hub.js';

const log = pino({ level: 'silent' });

function alert(version: number, over: Partial<Omit<Alert, 'rule' | 'data'>> = {}): Alert {
  return {
    id: 'al-1', rule: 'detection_accident', dedupeKey: 'detection:c1:accident:1', severity: 'critical', state: 'active', title: 't',
    source: { kind: 'camera', id: 'c1' }, position: null, wardId: null, incidentId: null, count: 1, firstSeen: 1, lastSeen: 1,
    escalated: false, acknowledgedBy: null, acknowledgedAt: null, clearedBy: null, clearedAt: null, data: { kind: 'accident', confidence: 0.9, cameraId: 'c1' }, version, ...over,
  };
}

/** Two servers whose serverSideEmit reaches the other one, as over Redis. */
function pair() {
  const handlers = new Map<string, Map<string, (arg: unknown) => void>>();
  const io = (me: string, other: string) =>
    ({
      on: (ev: string, fn: (arg: unknown) => void) => {
        if (!handlers.has(me)) handlers.set(me, new Map());
        handlers.get(me)!.set(ev, fn);
      },
      serverSideEmit: (ev: string, arg: unknown) => handlers.get(other)?.get(ev)?.(JSON.parse(JSON.stringify(arg))),
    }) as unknown as IoServer;
  return { leaderIo: io('a', 'b'), standbyIo: io('b', 'a') };
}

interface Side {
  relay: ChangeRelay;
  bus: EventBus;
  held: Map<string, Alert>;
  forgotten: string[];
  reread: { stream: StreamType; id: string }[][];
}

function side(io: IoServer, leading: boolean): Side {
  const bus = new EventBus(log);
  const held = new Map<string, Alert>();
  const forgotten: string[] = [];
  const reread: { stream: StreamType; id: string }[][] = [];
  const relay = new ChangeRelay({
    io,
    bus,
    leading: () => leading,
    adopt: (_stream, state, force) => {
      const mine = held.get(state.id);
      if (mine && !force && mine.version >= state.version) return false;
      held.set(state.id, state as Alert);
      return true;
    },
    forget: (_stream, id) => {
      held.delete(id);
      forgotten.push(id);
    },
    reread: async (ids) => {
      reread.push(ids);
    },
    log,
    confirmMs: 1000,
  });
  relay.start();
  return { relay, bus, held, forgotten, reread };
}

const sides: Side[] = [];
afterEach(() => {
  for (const s of sides.splice(0)) s.relay.stop();
  vi.useRealTimers();
});

async function setup() {
  const { leaderIo, standbyIo } = pair();
  const leader = side(leaderIo, true);
  const standby = side(standbyIo, false);
  sides.push(leader, standby);
  return { leader, standby };
}
/** The relay sends once per turn of the event loop. */
const turn = () => new Promise((r) => setImmediate(r));

describe('the relay of the leader’s changes', () => {
  it('takes a newer version at once, and a burst of one turn as one message', async () => {
    const { leader, standby } = await setup();
    leader.bus.emit('state.change', { kind: 'alert', alert: alert(1) });
    leader.bus.emit('state.change', { kind: 'alert', alert: alert(2, { count: 2 }) });
    expect(standby.held.size).toBe(0);
    await turn();
    expect(standby.held.get('al-1')).toMatchObject({ version: 2, count: 2 });
    expect(standby.relay.waiting).toBe(1);
    // An older version relayed late changes nothing.
    leader.bus.emit('state.change', { kind: 'alert', alert: alert(1, { count: 9 }) });
    await turn();
    expect(standby.held.get('al-1')!.count).toBe(2);
  });

  it('a standby relays nothing, and devices and KPIs are not relayed', async () => {
    const { leader, standby } = await setup();
    standby.bus.emit('state.change', { kind: 'alert', alert: alert(5) });
    leader.bus.emit('state.change', { kind: 'kpis', kpis: {} as never });
    await turn();
    expect(leader.held.size).toBe(0);
    expect(standby.held.size).toBe(0);
  });

  it('the event log confirms a relayed version; the same version from the log replaces the relayed one (two writers, one stored)', async () => {
    const { leader, standby } = await setup();
    leader.bus.emit('state.change', { kind: 'alert', alert: alert(3, { state: 'active' }) });
    await turn();
    // The event log's version 3 is another writer's (an acknowledgement): the caller takes it by force.
    expect(standby.relay.confirm('alert', 'al-1', 3)).toBe(true);
    expect(standby.relay.waiting).toBe(0);
    // Confirmed: a later version from the log is just newer.
    leader.bus.emit('state.change', { kind: 'alert', alert: alert(4) });
    await turn();
    expect(standby.relay.confirm('alert', 'al-1', 5)).toBe(false);
    expect(standby.relay.confirm('alert', 'al-2', 1)).toBe(false);
  });

  it('a correction after a refused write replaces the relayed state whatever its version; a forgotten alert leaves', async () => {
    const { leader, standby } = await setup();
    leader.bus.emit('state.change', { kind: 'alert', alert: alert(7, { count: 7 }) });
    await turn();
    // The database refused version 7; it holds version 6.
    leader.relay.corrected('alert', alert(6, { count: 6 }));
    await turn();
    expect(standby.held.get('al-1')).toMatchObject({ version: 6, count: 6 });
    expect(standby.relay.waiting).toBe(0);
    leader.relay.forgotten('alert', 'al-1');
    await turn();
    expect(standby.forgotten).toEqual(['al-1']);
    expect(standby.held.has('al-1')).toBe(false);
  });

  it('a relayed state the event log never confirms is read again from PostgreSQL', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'Date'] });
    const { leader, standby } = await setup();
    leader.bus.emit('state.change', { kind: 'alert', alert: alert(2) });
    await turn();
    expect(standby.relay.waiting).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(standby.reread).toEqual([]);
    vi.advanceTimersByTime(2000);
    expect(standby.reread).toEqual([[{ stream: 'alert', id: 'al-1' }]]);
    expect(standby.relay.waiting).toBe(0);
  });
});
