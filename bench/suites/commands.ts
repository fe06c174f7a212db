/**
 * Commands per second from concurrent duty officers over Socket.IO, each command
 * answered only once it is stored in PostgreSQL (server/push/commands.ts).
 *
 * - Officers: `officers` users (bench/lib/officers.ts), one Socket.IO connection each,
 *   each its own user, so the per-user command rate (SOCKET_COMMANDS_PER_S, raised to
 *   1,000 here) is never what is measured. They run in this process, closed loop: send
 *   a command, wait for its answer, send the next.
 * - Incidents: reported over MQTT (`ioc/v1/incident/<source>/report`, as the hotline does),
 *   500 m apart so correlation never merges two; `perOfficer` open incidents each. An
 *   officer takes its own incidents through acknowledge → dispatch → note → note →
 *   dispatch (to another unit: the first is released) → note → resolve; a resolved one is
 *   replaced by a new report, so the open set stays the same size.
 * - Units: `units` responder units in a generated city pack, shared by all officers. A
 *   dispatch picks one at random among those shown available (the units' deltas, as on a
 *   console): two officers can pick the same one at once, and the later one gets
 *   `conflict` (unit busy). Those are counted apart from failures.
 * - Measured: every answer within the window (after a warm-up), latency = emit → answer,
 *   per command type; errors by code. Afterwards the audit trail is read back: each
 *   command answered ok must have its `ok` row in PostgreSQL.
 */
import fs from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { io, type Socket } from 'socket.io-client';
import type { Incident, Unit } from '../../contract/domain.js';
import { activeUnits, UNIT_KINDS } from '../../contract/domain.js';
import { topics } from '../../contract/topics.js';
import { TEST_CITY_PACK } from '../../contract/citypack-load.js';
import { Histogram } from '../lib/histogram.js';
import { officerTokens, seedOfficers } from '../lib/officers.js';
import { WORK } from '../lib/paths.js';
import { cpuPressure, processTreeCpuS, readProc, sampleProc } from '../lib/proc.js';
import { startServer, workDir } from '../lib/server.js';
import { withDb, type Stack } from '../lib/stack.js';

type Kind = 'acknowledge' | 'dispatch' | 'note' | 'resolve';
const KINDS: Kind[] = ['acknowledge', 'dispatch', 'note', 'resolve'];
/** One incident's steps, in order. */
const LIFECYCLE: Kind[] = ['acknowledge', 'dispatch', 'note', 'note', 'dispatch', 'note', 'resolve'];

type Lat = { n: number; p50: number; p95: number; p99: number; max: number };

export interface CommandsResult {
  officers: number;
  /** Open incidents per officer (replaced as they are resolved). */
  perOfficer: number;
  units: number;
  /** SOCKET_COMMANDS_PER_S given to the server (per user). */
  perUserLimit: number;
  warmupS: number;
  measuredS: number;
  /** Answers within the window a second, all of them / the ok ones. */
  commandsPerS: number;
  okPerS: number;
  byType: Record<Kind, Lat & { ok: number; perS: number }>;
  all: Lat;
  /** Error answers by code: a dispatch refused because another officer just took the unit is legitimate. */
  legitimate: Record<string, number>;
  failures: Record<string, number>;
  /** Incident reports published within the window (to keep the open set), a second. */
  reportsPerS: number;
  /** Audit rows `ok` of the officers in PostgreSQL after the run, against ok answers (all, warm-up included). */
  auditOk: number;
  okAnswers: number;
  serverCpuPct: number;
  serverRssMB: number;
  /** PostgreSQL's processes together (postmaster and backends), % of one core. */
  postgresCpuPct: number;
  /** This process (the 50 officers' sockets), % of one core. */
  officersCpuPct: number;
  /** % of the window in which some runnable task waited for a CPU (PSI): the machine's contention. */
  cpuPressurePct: number | null;
  /** The journal over the window: transactions a second, entries per transaction, mean ms each. */
  journal?: { batchesPerS: number; entriesPerBatch: number; meanBatchMs: number };
}

export interface CommandsOptions {
  stack: Stack;
  officers: number;
  perOfficer: number;
  units: number;
  warmupS: number;
  durationS: number;
  log: (s: string) => void;
}

const PER_USER_LIMIT = 1000;

/** test-town's wards and roads, no devices, `n` units around the town. */
function commandsCityPack(n: number): { dir: string; units: string[] } {
  const dir = path.join(WORK, `citypack-commands-${n}`);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['city.json', 'wards.geojson', 'roads.geojson']) fs.copyFileSync(path.join(TEST_CITY_PACK, f), path.join(dir, f));
  const units = Array.from({ length: n }, (_, i) => ({
    id: `bench-u-${String(i).padStart(3, '0')}`,
    name: `Đội ${i}`,
    kind: UNIT_KINDS[i % UNIT_KINDS.length],
    position: [Math.round((106.001 + (i % 40) * 0.0007) * 1e6) / 1e6, Math.round((10.001 + (Math.floor(i / 40) % 30) * 0.0004) * 1e6) / 1e6],
  }));
  fs.writeFileSync(path.join(dir, 'sites.json'), JSON.stringify({ cameras: [], stations: [], links: [], units, vcPoints: [] }));
  return { dir, units: units.map((u) => u.id) };
}

async function journalMetrics(url: string): Promise<{ batches: number; sumS: number; entries: number } | null> {
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    const num = (re: RegExp) => text.split('\n').filter((l) => re.test(l)).reduce((a, l) => a + Number(l.trim().split(/\s+/).at(-1)), 0);
    const batches = num(/^ioc_db_batch_seconds_count/);
    if (!batches && !/ioc_db_batch_seconds/.test(text)) return null;
    return { batches, sumS: num(/^ioc_db_batch_seconds_sum/), entries: num(/^ioc_db_writes_total\{[^}]*result="ok"/) };
  } catch {
    return null;
  }
}

interface Inc {
  id: string;
  version: number;
  status: string;
  /** Units working it (several: each dispatch adds one). */
  units: string[];
  owner: number;
  stage: number;
}

export async function runCommands(o: CommandsOptions): Promise<CommandsResult> {
  const pack = commandsCityPack(o.units);
  const server = await startServer({
    mqttUrl: o.stack.mosquitto.url,
    influxUrl: o.stack.influxd.url,
    cityPack: pack.dir,
    spoolDir: workDir('spool-commands'),
    database: 'commands',
    clientId: 'ioc-commands',
    seed: (url) => seedOfficers(url, o.officers),
    env: { SOCKET_COMMANDS_PER_S: String(PER_USER_LIMIT), RATE_LIMIT_LOGIN_PER_MIN: String(Math.max(60, o.officers * 4)) },
  });
  const sockets: Socket[] = [];
  const dev = await mqtt.connectAsync(o.stack.mosquitto.url, { clientId: `bench-hotline-${process.pid}`, protocolVersion: 4 });
  try {
    const tokens = await officerTokens(server.url, o.officers);
    const incidents = new Map<string, Inc>();
    const byRef = new Map<string, number>();
    const owned: Inc[][] = Array.from({ length: o.officers }, () => []);
    const unitBusy = new Map<string, boolean>(pack.units.map((u) => [u, false]));
    const learn = (inc: Incident) => {
      const known = incidents.get(inc.id);
      if (known) {
        if (inc.version > known.version) Object.assign(known, { version: inc.version, status: inc.status, units: activeUnits(inc).map((u) => u.unitId) });
        return;
      }
      const ref = inc.externalRef ?? '';
      const at = ref.indexOf('BENCH-');
      if (at < 0) return;
      const key = ref.slice(at);
      const owner = byRef.get(key);
      if (owner === undefined) return;
      byRef.delete(key);
      const mine: Inc = { id: inc.id, version: inc.version, status: inc.status, units: activeUnits(inc).map((u) => u.unitId), owner, stage: 0 };
      incidents.set(inc.id, mine);
      owned[owner]!.push(mine);
    };
    for (const [i, token] of tokens.entries()) {
      const s = io(server.url, { transports: ['websocket'], reconnection: false, auth: { token } });
      const ready = new Promise<void>((resolve, reject) => {
        s.once('state:snapshot', (snap: { incidents?: Incident[]; units?: Unit[] }) => {
          if (i === 0) for (const inc of snap.incidents ?? []) learn(inc);
          if (i === 0) for (const u of snap.units ?? []) unitBusy.set(u.id, u.status !== 'available');
          resolve();
        });
        s.once('connect_error', (e) => reject(new Error(`officer ${i}: ${e.message}`)));
      });
      // Socket 0 learns the incidents (new ones, and versions changed by the server itself) and the units' status, as a console shows them.
      if (i === 0)
        s.on('state:delta', (d: { changes: { kind: string; incident?: Incident; unit?: Unit }[] }) => {
          for (const c of d.changes) {
            if (c.kind === 'incident' && c.incident) learn(c.incident);
            else if (c.kind === 'unit' && c.unit) unitBusy.set(c.unit.id, c.unit.status !== 'available');
          }
        });
      sockets.push(s);
      await ready;
    }

    let reportSeq = 0;
    let reportsInWindow = 0;
    let measuring = false;
    const report = (owner: number) => {
      const k = ++reportSeq;
      const ref = `BENCH-${owner}-${k}`;
      byRef.set(ref, owner);
      if (measuring) reportsInWindow++;
      const at = { lon: 106.0 + (k % 50) * 0.0046, lat: 10.0 + Math.floor(k / 50) * 0.0046 };
      const body = { seq: k, ts: Date.now(), channel: 'hotline_115', type: 'fire', severity: 'major', ...at, description: 'Cháy nhà dân', externalRef: ref };
      void dev.publishAsync(topics.incidentReport('hotline-114'), JSON.stringify(body), { qos: 1 });
    };
    for (let i = 0; i < o.officers; i++) for (let j = 0; j < o.perOfficer; j++) report(i);
    const want = o.officers * o.perOfficer;
    for (const until = Date.now() + 60_000; incidents.size < want; ) {
      if (Date.now() > until) throw new Error(`only ${incidents.size} of ${want} incidents reached the officers`);
      await new Promise((r) => setTimeout(r, 100));
    }
    o.log(`  ${want} incidents open, ${o.officers} officers connected; warm-up ${o.warmupS} s, then ${o.durationS} s measured`);

    const hist = Object.fromEntries(KINDS.map((k) => [k, new Histogram()])) as Record<Kind, Histogram>;
    const ok = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Kind, number>;
    const legitimate: Record<string, number> = {};
    const failures: Record<string, number> = {};
    let okAnswers = 0;
    let stop = false;
    const cursor = new Array<number>(o.officers).fill(0);

    const emit = (s: Socket, ev: string, body: unknown) =>
      new Promise<{ ok: boolean; data?: Incident; error?: { code: string; message: string } }>((resolve) =>
        s.timeout(30_000).emit(ev, body, (err: Error | null, r: { ok: boolean; data?: Incident; error?: { code: string; message: string } }) => resolve(err ? { ok: false, error: { code: 'timeout', message: err.message } } : r)),
      );

    const pickUnit = (): string => {
      const free = pack.units.filter((u) => !unitBusy.get(u));
      const from = free.length ? free : pack.units;
      return from[Math.floor(Math.random() * from.length)]!;
    };

    const officer = async (i: number) => {
      const s = sockets[i]!;
      while (!stop) {
        const mine = owned[i]!;
        if (!mine.length) {
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        const inc = mine[cursor[i]! % mine.length]!;
        cursor[i]!++;
        const kind = LIFECYCLE[inc.stage]!;
        let ev: string;
        let body: Record<string, unknown>;
        if (kind === 'note') {
          ev = 'incident:note';
          body = { id: inc.id, note: `Cập nhật hiện trường ${inc.stage}` };
        } else if (kind === 'dispatch') {
          ev = 'incident:dispatch';
          body = { id: inc.id, version: inc.version, unitId: pickUnit() };
        } else {
          ev = `incident:${kind}`;
          body = { id: inc.id, version: inc.version };
        }
        const t0 = performance.now();
        const r = await emit(s, ev, body);
        const ms = performance.now() - t0;
        if (measuring) hist[kind].add(ms);
        if (r.ok && r.data) {
          okAnswers++;
          if (measuring) ok[kind]++;
          const before = inc.units;
          const after = activeUnits(r.data).map((u) => u.unitId);
          Object.assign(inc, { version: Math.max(inc.version, r.data.version), status: r.data.status, units: after });
          for (const u of before) if (!after.includes(u)) unitBusy.set(u, false);
          for (const u of after) unitBusy.set(u, true);
          inc.stage++;
          if (inc.stage >= LIFECYCLE.length) {
            mine.splice(mine.indexOf(inc), 1);
            incidents.delete(inc.id);
            report(i);
          }
        } else {
          const code = r.error?.code ?? 'unknown';
          if (kind === 'dispatch' && (code === 'conflict' || code === 'invalid_transition') && /unit/i.test(r.error?.message ?? '')) {
            // Someone else took that unit: mark it busy here and try another next time.
            unitBusy.set(String(body.unitId), true);
            if (measuring) legitimate[`${code} (unit taken)`] = (legitimate[`${code} (unit taken)`] ?? 0) + 1;
          } else if (measuring) failures[`${kind}: ${code}`] = (failures[`${kind}: ${code}`] ?? 0) + 1;
          else if (code !== 'conflict') o.log(`  warm-up ${kind}: ${code} ${r.error?.message ?? ''}`);
        }
      }
    };

    const loops = Array.from({ length: o.officers }, (_, i) => officer(i));
    await new Promise((r) => setTimeout(r, o.warmupS * 1000));
    const m0 = await journalMetrics(server.url);
    const pg0 = processTreeCpuS(o.stack.postgres.pid);
    const self0 = readProc(process.pid)!.cpuS;
    const proc = sampleProc(server.pid);
    const pressure = cpuPressure();
    const t0 = performance.now();
    measuring = true;
    await new Promise((r) => setTimeout(r, o.durationS * 1000));
    measuring = false;
    const measuredS = (performance.now() - t0) / 1000;
    const usage = proc.summary();
    const cpuPressurePct = pressure.pct();
    const pgCpu = processTreeCpuS(o.stack.postgres.pid) - pg0;
    const selfCpu = readProc(process.pid)!.cpuS - self0;
    const m1 = await journalMetrics(server.url);
    stop = true;
    await Promise.all(loops);

    const auditOk = await withDb(server.databaseUrl, async (c) => Number((await c.query("SELECT count(*) AS n FROM audit WHERE role = 'duty_officer' AND result = 'ok' AND entity = 'incident'")).rows[0].n));
    const all = new Histogram();
    for (const k of KINDS) all.merge(hist[k]);
    const round1 = (v: number) => Math.round(v * 10) / 10;
    const okTotal = KINDS.reduce((a, k) => a + ok[k], 0);
    const res: CommandsResult = {
      officers: o.officers,
      perOfficer: o.perOfficer,
      units: o.units,
      perUserLimit: PER_USER_LIMIT,
      warmupS: o.warmupS,
      measuredS: round1(measuredS),
      commandsPerS: round1(all.n / measuredS),
      okPerS: round1(okTotal / measuredS),
      byType: Object.fromEntries(KINDS.map((k) => [k, { ...hist[k].summary(), ok: ok[k], perS: round1(hist[k].n / measuredS) }])) as CommandsResult['byType'],
      all: all.summary(),
      legitimate,
      failures,
      reportsPerS: round1(reportsInWindow / measuredS),
      auditOk,
      okAnswers,
      serverCpuPct: usage.cpuPct,
      serverRssMB: usage.peakRssMB,
      postgresCpuPct: round1((pgCpu / measuredS) * 100),
      officersCpuPct: round1((selfCpu / measuredS) * 100),
      cpuPressurePct,
      ...(m0 && m1 && m1.batches > m0.batches
        ? { journal: { batchesPerS: round1((m1.batches - m0.batches) / measuredS), entriesPerBatch: round1((m1.entries - m0.entries) / (m1.batches - m0.batches)), meanBatchMs: round1(((m1.sumS - m0.sumS) / (m1.batches - m0.batches)) * 1000) } }
        : {}),
    };
    const lat = (k: Kind) => `${k} ${res.byType[k].perS}/s p50 ${res.byType[k].p50} p99 ${res.byType[k].p99}`;
    o.log(`  ${res.commandsPerS} commands/s (${res.okPerS} ok): ${KINDS.map(lat).join('; ')} ms; legitimate ${JSON.stringify(legitimate)}, failures ${JSON.stringify(failures)}; audit ok rows ${auditOk} for ${okAnswers} ok answers; CPU server ${res.serverCpuPct}%, PostgreSQL ${res.postgresCpuPct}%, officers ${res.officersCpuPct}%; CPU pressure ${cpuPressurePct ?? '–'}%${res.journal ? `; journal ${res.journal.batchesPerS} tx/s × ${res.journal.entriesPerBatch} entries, ${res.journal.meanBatchMs} ms each` : ''}`);
    return res;
  } finally {
    for (const s of sockets) s.close();
    await dev.endAsync().catch(() => undefined);
    await server.stop();
  }
}
