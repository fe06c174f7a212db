/**
 * A console that loses its connection during a burst gets exactly what it
 * missed when it comes back: no gap, no duplicate (catch-up from its last
 * seq within the server's epoch).
 */
import { expect, it } from 'vitest';
import mqtt from 'mqtt';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, Delta, HandshakeAuth, Incident, ServerToClientEvents, Snapshot } from '../../contract/index.js';
import { topics } from '../../contract/index.js';
import { appStackForFile } from '../harness/stack.js';
import { waitFor } from '../harness/wait.js';

const stack = appStackForFile({ broker: 'aedes' });

it('catches up after a cut during a burst with no gap and no duplicate', async () => {
  const snapshots: Snapshot[] = [];
  const deltas: Delta[] = [];
  let epoch = '';
  let lastSeq = -1;
  const token = await stack().app.token('duty_officer');
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = ioClient(stack().app.url, {
    transports: ['websocket'],
    reconnectionDelay: 100,
    reconnectionDelayMax: 200,
    // Called at every (re)connect: tell the server where we left off.
    auth: (cb) => cb(lastSeq >= 0 ? ({ token, epoch, lastSeq } satisfies HandshakeAuth) : { token }),
  });
  socket.on('state:snapshot', (s) => {
    snapshots.push(s);
    epoch = s.epoch;
    lastSeq = s.seq;
  });
  socket.on('state:delta', (d) => {
    deltas.push(d);
    lastSeq = d.seq;
  });
  let disconnects = 0;
  let reconnects = 0;
  socket.on('disconnect', () => disconnects++);
  socket.io.on('reconnect', () => reconnects++);
  await waitFor(() => snapshots.length === 1);

  const N = 300;
  const dev = await mqtt.connectAsync(stack().broker.url, { protocolVersion: 4 });
  let cuts = 0;
  for (let i = 1; i <= N; i++) {
    const body = { seq: i, ts: Date.now(), channel: 'citizen_app', type: 'other', severity: 'minor', address: `Số ${i} đường Chính`, description: `phản ánh ${i}`, externalRef: `R-${i}` };
    await dev.publishAsync(topics.incidentReport('citizen-app'), JSON.stringify(body), { qos: 1 });
    // Cut the transport twice in the middle of the burst.
    if (i === 100 || i === 200) {
      // The second cut must hit a live connection, not the reconnect of the first.
      await waitFor(() => socket.connected);
      socket.io.engine.close();
      cuts++;
    }
  }
  await dev.endAsync();

  await waitFor(() => stack().app.operations.incidents.open().length === N, { message: 'server did not get every report' });
  // Caught up: the seq of a fresh picture of the city, asked on this socket, is the last one the
  // console applied (the server sends what is waiting before it answers).
  await waitFor(
    async () => {
      if (!socket.connected) return false;
      const now = await socket.timeout(5_000).emitWithAck('state:resync');
      return now.ok && lastSeq === now.data.seq;
    },
    { timeoutMs: 15_000, message: 'console did not catch up' },
  );
  const cutsSeen = disconnects;
  socket.close();

  expect(cuts).toBe(2);
  expect(cutsSeen).toBe(2);
  expect(reconnects).toBe(2);
  // One snapshot only: both reconnects were served with the missed deltas.
  expect(snapshots).toHaveLength(1);
  const seqs = deltas.map((d) => d.seq);
  expect(seqs[0]).toBe(snapshots[0]!.seq + 1);
  for (let i = 1; i < seqs.length; i++) expect(seqs[i], `delta after ${seqs[i - 1]}`).toBe(seqs[i - 1]! + 1);
  // Every incident reached the console, each exactly once as created.
  const created = deltas
    .flatMap((d) => d.changes)
    .filter((c): c is { kind: 'incident'; incident: Incident } => c.kind === 'incident' && c.incident.version === 1);
  expect(new Set(created.map((c) => c.incident.externalRef)).size).toBe(N);
  expect(created).toHaveLength(N);
});

it('a console from a previous server run gets a fresh snapshot, not deltas', async () => {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = ioClient(stack().app.url, {
    transports: ['websocket'],
    reconnection: false,
    auth: { token: await stack().app.token('duty_officer'), epoch: 'some-old-epoch', lastSeq: 3 } satisfies HandshakeAuth,
  });
  const snaps: Snapshot[] = [];
  const deltas: Delta[] = [];
  socket.on('state:snapshot', (s) => snaps.push(s));
  socket.on('state:delta', (d) => deltas.push(d));
  await waitFor(() => snaps.length === 1);
  socket.close();
  expect(deltas.filter((d) => d.seq <= snaps[0]!.seq)).toEqual([]);
  expect(snaps[0]!.epoch).not.toBe('some-old-epoch');
});
