/**
 * A child process holding N Socket.IO consoles (the bench forks several, so the
 * consoles never share a core budget with the server's process). Each console
 * measures receipt time minus publish time: for telemetry, a camera change's
 * lastSeen (the device `ts`); for alerts, the publish time the bench put in the
 * accident detection's plate. Sockets sample telemetry 1 change in 10 (offset by
 * socket index) to keep this process's own cost down; alerts are all counted, each
 * trickle alert once per socket (its first receipt), from the index given at reset.
 *
 * IPC: parent sends {cmd:'reset', fromAlert} / {cmd:'report', toAlert?}; child sends {ready}, {report}.
 */
import { io, type Socket } from 'socket.io-client';
import { liveRowLastSeen, type LiveEntity, type LiveRow } from '../contract/live.js';
import { readAlertPlate } from './lib/alert-plate.js';
import { Histogram } from './lib/histogram.js';

const [url, nArg] = process.argv.slice(2);
const n = Number(nArg);
const token = process.env.BENCH_TOKEN;

let telemetry = new Histogram();
/**
 * Per socket, the latency of each trickle alert at first receipt, by trickle index. Kept
 * across resets: an alert published after the parent's mark can arrive before the reset
 * does, and must still count.
 */
const alertMs: Map<number, number>[] = [];
let fromAlert = 0;
/** The first trickle index after the phase (none until the parent says). */
let toAlert = Infinity;
let cameraChanges = 0;
/** What console 0 received since the reset: deltas, and their bytes on the wire (engine.io packets). */
let deltas = 0;
let wireBytes = 0;
/** Per-second telemetry p95 (overload timeline), from socket 0 only. */
let perSecond: { t: number; h: Histogram }[] = [];
const sockets: Socket[] = [];
let ready = 0;

interface Change {
  kind: string;
  camera?: { lastSeen: number | null };
  alert?: { data: Record<string, unknown> };
  entity?: LiveEntity;
  t?: number;
  rows?: LiveRow[];
}

for (let i = 0; i < n; i++) {
  const mine = new Map<number, number>();
  alertMs.push(mine);
  const s = io(url, { transports: ['websocket'], reconnection: true, auth: token ? { token } : {} });
  s.once('connect_error', (e) => process.stderr.write(`console ${i}: connect_error ${e.message}\n`));
  s.once('state:snapshot', () => {
    if (++ready === n) process.send?.({ ready: n });
  });
  if (i === 0) s.io.on('open', () => s.io.engine.on('packet', (p: { data?: unknown }) => (wireBytes += typeof p.data === 'string' ? p.data.length : 0)));
  s.on('state:delta', (d: { changes: Change[] }) => {
    const now = Date.now();
    if (i === 0) deltas++;
    let k = 0;
    const camera = (lastSeen: number | null) => {
      if (!lastSeen) return;
      if (i === 0) cameraChanges++;
      if ((k++ + i) % 10 === 0) {
        const ms = now - lastSeen;
        telemetry.add(ms);
        if (i === 0) second(now).add(ms);
      }
    };
    for (const c of d.changes) {
      if (c.kind === 'camera') camera(c.camera?.lastSeen ?? null);
      else if (c.kind === 'live' && c.entity === 'camera') for (const row of c.rows!) camera(liveRowLastSeen({ entity: 'camera', t: c.t! }, row));
      else if (c.kind === 'alert' && typeof c.alert?.data.plate === 'string') {
        const p = readAlertPlate(c.alert.data.plate);
        if (p && !mine.has(p.index)) mine.set(p.index, now - p.ts);
      }
    }
  });
  sockets.push(s);
}

function second(now: number): Histogram {
  const t = Math.floor(now / 1000);
  let last = perSecond.at(-1);
  if (!last || last.t !== t) perSecond.push((last = { t, h: new Histogram() }));
  return last.h;
}

process.on('message', (m: { cmd: string; fromAlert?: number; toAlert?: number }) => {
  if (m.cmd === 'reset') {
    telemetry = new Histogram();
    fromAlert = m.fromAlert ?? 0;
    toAlert = Infinity;
    cameraChanges = 0;
    deltas = 0;
    wireBytes = 0;
    perSecond = [];
  } else if (m.cmd === 'report') {
    if (m.toAlert !== undefined) toAlert = m.toAlert;
    const connected = sockets.filter((s) => s.connected).length;
    const alerts = new Histogram();
    for (const mine of alertMs) for (const [index, ms] of mine) if (index >= fromAlert && index < toAlert) alerts.add(ms);
    process.send?.({
      report: { telemetry: telemetry.toJSON(), alerts: alerts.toJSON(), cameraChanges, deltas, wireBytes, connected, perSecond: perSecond.map((p) => ({ t: p.t, p95: p.h.pct(95), n: p.h.n })) },
    });
  } else if (m.cmd === 'exit') {
    for (const s of sockets) s.close();
    process.exit(0);
  }
});
