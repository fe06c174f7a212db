/** Markdown tables and the targets verdict for one run's results. */
import type { BenchResults } from './runner.js';
import type { IngestResult } from './suites/ingest.js';

const row = (cells: unknown[]) => `| ${cells.map((c) => (c === undefined || c === null || Number.isNaN(c) ? '–' : String(c))).join(' | ')} |`;
const table = (head: string[], rows: unknown[][]) => [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
const yes = (b: boolean) => (b ? 'met' : '**MISSED**');

function ingestRow(r: IngestResult): unknown[] {
  return [r.consumer, r.rate, r.durationS, r.devices, r.achievedRate, `${r.deliveredPct}%`, r.missing, r.extra, r.duplicatesSeen, r.brokerDropped, r.drainMs, r.cpuPct, r.peakRssMB, r.sustained ? 'yes' : 'no'];
}
const INGEST_HEAD = ['consumer', 'target msg/s', 's', 'devices', 'published msg/s', 'delivered', 'missing', 'extra', 'dups seen', 'broker drops', 'drain ms', 'CPU % (1 core)', 'peak RSS MB', 'sustained'];

export function targets(r: BenchResults): { target: string; verdict: string; figure: string }[] {
  const out: { target: string; verdict: string; figure: string }[] = [];
  const s = r.sustained ?? r.ingest.filter((i) => i.consumer === 'server').at(-1);
  if (s) out.push({ target: `ingest ≥ 20,000 msg/s sustained${r.sustained ? ' 10 min' : ''}, zero loss/dups/drops`, verdict: s.durationS < 600 ? `not shown (${s.durationS} s, not 10 min)` : yes(s.rate >= 20000 && s.sustained), figure: `${s.rate}/s for ${s.durationS} s: published ${s.achievedRate}/s, delivered ${s.deliveredPct}%, missing ${s.missing}, drops ${s.brokerDropped}, drain ${s.drainMs} ms` });
  const srv = r.ingest.find((i) => i.consumer === 'server' && i.rate === 10000);
  const nr = r.ingest.find((i) => i.consumer === 'node-red' && i.rate === 10000);
  if (srv && nr) out.push({ target: 'at 10,000 msg/s ≤ ½ the CPU and ≤ ½ the memory of Node-RED', verdict: yes(srv.cpuPct <= nr.cpuPct / 2 && srv.peakRssMB <= nr.peakRssMB / 2), figure: `CPU ${srv.cpuPct}% vs ${nr.cpuPct}% (×${(srv.cpuPct / nr.cpuPct).toFixed(2)}), RSS ${srv.peakRssMB} vs ${nr.peakRssMB} MB (×${(srv.peakRssMB / nr.peakRssMB).toFixed(2)}); Node-RED delivered ${nr.deliveredPct}%${r.floor?.rate === 10000 ? `; a counting mqtt.js subscriber alone: ${r.floor.cpuPct}%` : ''}` });
  const l = r.latency.find((x) => x.rate === 5000 && x.consoles === 100);
  if (l) out.push({ target: 'latency p50 ≤ 20 ms, p99 ≤ 100 ms at 5,000 msg/s, 100 consoles', verdict: `alerts ${yes(l.alerts.p50 <= 20 && l.alerts.p99 <= 100)}; telemetry ${yes(l.telemetry.p50 <= 20 && l.telemetry.p99 <= 100)}`, figure: `alerts p50 ${l.alerts.p50} / p99 ${l.alerts.p99} ms; telemetry p50 ${l.telemetry.p50} / p99 ${l.telemetry.p99} ms` });
  const f = r.latency.filter((x) => x.consoles === 1000 && !x.sampled);
  const fSampled = r.latency.filter((x) => x.consoles === 1000 && x.sampled);
  if (fSampled.length) out.push({ target: `fan-out 1,000 consoles p95 ≤ 250 ms, measured by ${fSampled[0]!.sampled!.measuring} of them (the rest at nice 19: screens on other machines)`, verdict: fSampled.map((x) => `${x.rate}/s: alerts ${yes(x.alerts.p95 <= 250)}, telemetry ${yes(x.telemetry.p95 <= 250)}`).join('; '), figure: fSampled.map((x) => `${x.rate}/s alerts p95 ${x.alerts.p95}, telemetry p95 ${x.telemetry.p95} ms (${x.connected} connected)`).join('; ') });
  if (f.length) out.push({ target: 'fan-out 1,000 consoles p95 ≤ 250 ms', verdict: f.map((x) => `${x.rate}/s: alerts ${yes(x.alerts.p95 <= 250)}, telemetry ${yes(x.telemetry.p95 <= 250)}`).join('; '), figure: f.map((x) => `${x.rate}/s alerts p95 ${x.alerts.p95}, telemetry p95 ${x.telemetry.p95} ms (${x.connected} connected)`).join('; ') });
  if (r.durability) out.push({ target: 'kill -9 mid-stream loses nothing', verdict: yes(r.durability.missing === 0 && r.durability.brokerDropped === 0), figure: `published ${r.durability.published}, stored ${r.durability.stored}, missing ${r.durability.missing}` });
  if (r.overload) {
    const o = r.overload;
    out.push({ target: 'overload: no crash, bounded memory, only telemetry shed, latency back within 60 s', verdict: yes(o.survived && o.storedAll && o.recoverS !== null && o.recoverS <= 60), figure: `survived ${o.survived}, RSS ${o.rssBeforeMB} → peak ${o.peakRssMB} → ${o.rssAfterMB} MB, stored all ${o.storedAll}, recovered in ${o.recoverS ?? 'never'} s` });
  }
  const s10 = r.scale.find((x) => x.devices === 10000);
  if (s10) {
    out.push({ target: 'RSS ≤ 300 MB with 10k devices under load', verdict: yes(s10.loadPeakRssMB <= 300), figure: `${s10.loadPeakRssMB} MB peak at ${s10.loadRate} msg/s` });
    out.push({ target: 'start-up with 10k devices ≤ 5 s', verdict: yes(s10.startMs <= 5000), figure: `${s10.startMs} ms` });
  }
  const cf = r.cluster?.failover;
  if (cf) {
    out.push({ target: `cluster: failover after kill -9 of the leader, median ≤ 5 s, max ≤ 10 s (${cf.kills} kills)`, verdict: yes(cf.medianMs <= 5000 && cf.maxMs <= 10_000), figure: `median ${cf.medianMs} ms, max ${cf.maxMs} ms` });
    out.push({ target: 'cluster: across the failovers no message lost, no alert duplicated', verdict: yes(cf.lost === 0 && cf.duplicated === 0), figure: `lost ${cf.lost} of ${cf.published.camera_status + cf.published.detection}, ${cf.duplicated} alerts duplicated over ${cf.pairs} (camera, kind) pairs` });
  }
  const cc = r.cluster?.consoles;
  if (cc) out.push({ target: `cluster: ${cc.consoles} consoles over 2 instances, alert p95 ≤ 250 ms at ${cc.loadRate} msg/s`, verdict: cc.byRole.map((x) => `${x.role}: ${yes(x.alerts.p95 <= 250)}`).join('; '), figure: cc.byRole.map((x) => `${x.role} p95 ${x.alerts.p95} ms (${x.connected} connected)`).join('; ') });
  const rs = r.responsiveness;
  if (rs) {
    out.push({ target: 'console at the demo city under SwiftShader: click to panel p95 ≤ 300 ms', verdict: yes(rs.click.p95Ms <= 300), figure: `p50 ${rs.click.p50Ms} ms, p95 ${rs.click.p95Ms} ms over ${rs.click.clicks} clicks` });
    out.push({ target: 'console at the demo city under SwiftShader: no idle long task over 50 ms', verdict: yes(rs.idle.longTasks === 0), figure: `${rs.idle.longTasks} long tasks in ${rs.idle.seconds} s, longest ${rs.idle.longTaskMaxMs} ms; ${rs.idle.mapRendersPerS} map redraws/s` });
  }
  if (r.browser) out.push({ target: 'map: 50k points frame time within 1.5× bare maplibre', verdict: yes(r.browser.p95Ratio <= 1.5 && r.browser.meanRatio <= 1.5), figure: `p95 ×${r.browser.p95Ratio}, mean ×${r.browser.meanRatio}` });
  return out;
}

export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const parts: string[] = [];
  parts.push(`## ${r.mode === 'full' ? 'Full run' : 'Quick run'} — ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC (${Math.round(r.durationS / 60)} min)`);
  parts.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB RAM, ${m.os}; load average at start ${m.loadAvgAtStart.join(' / ')}. ` +
    `Versions: Node ${m.versions.node}, Mosquitto ${m.versions.mosquitto}, ${m.versions.influxd}, ${m.versions.chromium}, mqtt.js ${m.versions.mqtt}, socket.io ${m.versions['socket.io']}, maplibre-gl ${m.versions['maplibre-gl']}, ioc-console ${m.versions.app} (${m.versions.commit})` +
    (m.peer ? `; peer: Node-RED ${m.peer.nodeRed} with node-red-contrib-influxdb ${m.peer.influxNode}.` : '.'));
  parts.push('### Targets\n\n' + table(['target', 'verdict', 'measured'], targets(r).map((t) => [t.target, t.verdict, t.figure])));
  if (r.ingest.length) parts.push('### Ingest: Mosquitto QoS1 → consumer → InfluxDB\n\n' + table(INGEST_HEAD, r.ingest.map(ingestRow)));
  const pairs = r.ingest.filter((i) => i.consumer === 'server').map((s) => [s, r.ingest.find((n) => n.consumer === 'node-red' && n.rate === s.rate)] as const).filter(([, n]) => n);
  if (pairs.length) parts.push('### Side by side with Node-RED\n\n' + table(['msg/s', 'delivered server / Node-RED', 'CPU % server / Node-RED', 'CPU ratio', 'RSS MB server / Node-RED', 'RSS ratio'], pairs.map(([s, n]) => [s.rate, `${s.deliveredPct}% / ${n!.deliveredPct}%`, `${s.cpuPct} / ${n!.cpuPct}`, (s.cpuPct / n!.cpuPct).toFixed(2), `${s.peakRssMB} / ${n!.peakRssMB}`, (s.peakRssMB / n!.peakRssMB).toFixed(2)])));
  const extra = [r.sustained && [r.sustained.durationS >= 600 ? '10 min sustained' : `sustained ${r.sustained.durationS} s`, r.sustained], r.rerun && ['re-run at the end', r.rerun]].filter(Boolean) as [string, IngestResult][];
  if (extra.length) parts.push('### Ingest: sustained and re-run\n\n' + table(['run', ...INGEST_HEAD], extra.map(([k, v]) => [k, ...ingestRow(v)])));
  if (r.bare) parts.push('### Bare-broker ceiling (counting subscriber, QoS1)\n\n' + table(['target msg/s', 'published msg/s', 'counted msg/s', 'counted', 'broker drops'], [[r.bare.targetRate, r.bare.publishedRate, r.bare.receivedRate, r.bare.received, r.bare.brokerDropped]]));
  if (r.floor) parts.push(`### The floor: a counting mqtt.js subscriber at ${r.floor.rate} msg/s (QoS1, own process)\n\n` + table(['msg/s', 's', 'published', 'counted', 'CPU % (1 core)', 'peak RSS MB'], [[r.floor.rate, r.floor.durationS, r.floor.published, r.floor.counted, r.floor.cpuPct, r.floor.peakRssMB]]) + '\n\nWhat receiving and acknowledging the messages costs before any consumer does its own work: the server and Node-RED both pay it.');
  if (r.profile?.top.length) parts.push(`### Server CPU profile at ${r.profile.rate} msg/s: top self time\n\n` + table(['function', 'where', 'self %'], r.profile.top.map((t) => [t.fn, t.where, t.selfPct])));
  const unsampled = r.latency.filter((l) => !l.sampled);
  const sampled = r.latency.filter((l) => l.sampled);
  if (unsampled.length) parts.push('### Latency: device publish → Socket.IO console (ms)\n\n' + table(['msg/s', 'consoles', 'connected', 'telemetry p50', 'p95', 'p99', 'max', 'alerts received / sent × consoles', 'alerts p50', 'p95', 'p99', 'max', 'server CPU %', 'server RSS MB', 'consoles\' processes CPU %', 'one console: deltas/s', 'kB/s', 'PostgreSQL CPU %', 'CPU pressure %'], unsampled.map((l) => [l.rate, l.consoles, l.connected, l.telemetry.p50, l.telemetry.p95, l.telemetry.p99, l.telemetry.max, l.alertsSent === undefined ? l.alerts.n : `${l.alerts.n} / ${l.alertsSent * l.connected}`, l.alerts.p50, l.alerts.p95, l.alerts.p99, l.alerts.max, l.serverCpuPct, l.serverRssMB, l.consolesCpuPct ?? '–', l.perConsole?.deltasPerS ?? '–', l.perConsole?.kBPerS ?? '–', l.postgresCpuPct ?? '–', l.cpuPressurePct ?? '–'])));
  if (sampled.length) parts.push(`### Fan-out, sampled: ${sampled[0]!.sampled!.measuring} consoles measure at normal priority, the rest run at nice 19 (ms)\n\n` + table(['msg/s', 'consoles', 'connected', 'telemetry p50', 'p95', 'p99', 'alerts received / sent × measuring', 'alerts p50', 'p95', 'p99', 'server CPU %', 'consoles\' processes CPU %', 'the rest (nice 19): telemetry p95', 'alerts p95', 'alerts received'], sampled.map((l) => [l.rate, l.consoles, l.connected, l.telemetry.p50, l.telemetry.p95, l.telemetry.p99, `${l.alerts.n} / ${(l.alertsSent ?? 0) * l.sampled!.measuring}`, l.alerts.p50, l.alerts.p95, l.alerts.p99, l.serverCpuPct, l.consolesCpuPct ?? '–', l.sampled!.rig.telemetry.p95, l.sampled!.rig.alerts.p95, l.sampled!.rig.alerts.n])) + '\n\nThe consoles at nice 19 stand in for screens on other machines: they take only the CPU the server, broker, InfluxDB and publisher leave, so what the measuring consoles see is the server\'s fan-out to 1,000 sockets plus one console\'s own work, not the rig\'s backlog.');
  if (r.overload) {
    const o = r.overload;
    const mem = o.memory.filter((_, i) => i % 10 === 0).map((s) => `${Math.round(s.t / 1000)}s:${Math.round(s.rssMB)}`).join(' ');
    parts.push('### Overload\n\n' + table(['base msg/s', 'burst msg/s (achieved)', 'burst s', 'survived', 'RSS before / peak / after MB', 'telemetry p95 before / during ms', 'recovered after', 'camera statuses published / changes seen by a console', 'stored all', 'broker drops', 'alerts p99 ms'],
      [[o.baseRate, `${o.burstRate} (${o.burstAchieved})`, o.burstS, o.survived, `${o.rssBeforeMB} / ${o.peakRssMB} / ${o.rssAfterMB}`, `${o.baselineP95Ms} / ${o.burstP95Ms}`, o.recoverS === null ? 'never' : `${o.recoverS} s`, `${o.cameraStatusesPublished} / ${o.cameraChangesSeenByConsole}`, o.storedAll, o.brokerDropped, o.alertsP99Ms]]) + `\n\nServer RSS over time (every 10 s, MB): ${mem}`);
  }
  if (r.durability) {
    const d = r.durability;
    parts.push('### Durability: kill -9 of the server mid-stream\n\n' + table(['msg/s', 's', 'killed at', 'down', 'restart ms', 'published', 'stored', 'missing', 'extra', 'broker drops'], [[d.rate, d.durationS, `${d.killedAtS} s`, `${d.downS} s`, d.restartMs, d.published, d.stored, d.missing, d.extra, d.brokerDropped]]));
  }
  if (r.scale.length) parts.push('### Scale of state\n\n' + table(['devices', 'start-up ms (spawn → healthy)', 'devices restored', 'idle RSS MB', 'load msg/s (achieved)', 'peak RSS under load MB', 'CPU % under load'], r.scale.map((s) => [s.devices, s.startMs, s.restored, s.idleRssMB, `${s.loadRate} (${s.loadAchieved})`, s.loadPeakRssMB, s.loadCpuPct])));
  if (r.responsiveness) {
    const x = r.responsiveness;
    parts.push(`### Responsiveness: ${x.city}, ${x.viewport}, headless Chromium under SwiftShader

` +
      table(['open alerts', 'open incidents', 'idle s', 'long tasks', 'longest ms', 'long task ms', 'map redraws/s', 'frames/s', 'clicks (on map)', 'click → panel p50 ms', 'p95', 'max'],
        [[x.alerts, x.incidents, x.idle.seconds, x.idle.longTasks, x.idle.longTaskMaxMs, x.idle.longTaskTotalMs, x.idle.mapRendersPerS, x.idle.framesPerS, `${x.click.clicks} (${x.click.onMap})`, x.click.p50Ms, x.click.p95Ms, x.click.maxMs]]) +
      (x.loadAvg ? `

Load average of the machine when measured: ${x.loadAvg.join(', ')} (2 cores).` : ''));
  }
  if (r.video) {
    const v = r.video;
    parts.push(`### Video: simulated cameras, demo city, headless Chromium\n\n` +
      table(['cameras opened', 'first frame p50 ms', 'p95', 'max'], [[v.cameras, v.firstFrame.p50Ms, v.firstFrame.p95Ms, v.firstFrame.maxMs]]) + '\n\n' +
      table(['cameras watched', 'ffmpeg CPU % of a core, each', 'server CPU %', 'segments fetched'], v.cost.map((c) => [c.watched, c.ffmpegCpuPctEach, c.serverCpuPct, c.segmentsFetched])) +
      `\n\nLoad average of the machine when measured: ${v.loadAvg.join(', ')} (2 cores).`);
  }
  if (r.browser) {
    const b = r.browser;
    const rounds = b.rounds?.length ? `\n\nMedians of ${b.rounds.length} alternating rounds under the same load; each round's ratio (mean / p95): ${b.rounds.map((x) => `×${x.meanRatio} / ×${x.p95Ratio}`).join(', ')}.` : '';
    parts.push(`### Browser: ${b.devices} devices, ${b.loadRate} msg/s, pan/zoom (headless Chromium, SwiftShader)\n\n` + table(['page', 'frames', 'mean ms', 'p50', 'p95', 'p99', 'long tasks', 'long task ms'], [['console', ...Object.values(b.console)], ['bare maplibre', ...Object.values(b.bare)], ['ratio', '', b.meanRatio, '', b.p95Ratio, '', '', '']]) + rounds);
  }
  if (r.commands) {
    const c = r.commands;
    const kinds = ['acknowledge', 'dispatch', 'note', 'resolve'] as const;
    const codes = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
    parts.push(`### Commands: ${c.officers} officers over Socket.IO, answered once stored in PostgreSQL (ms)\n\n` +
      table(['command', 'answers/s', 'ok', 'p50', 'p95', 'p99', 'max'], [...kinds.map((k) => [k, c.byType[k].perS, c.byType[k].ok, c.byType[k].p50, c.byType[k].p95, c.byType[k].p99, c.byType[k].max]), ['all', c.commandsPerS, `${c.okPerS}/s`, c.all.p50, c.all.p95, c.all.p99, c.all.max]]) +
      `\n\n${c.measuredS} s measured after ${c.warmupS} s of warm-up; one user per officer (SOCKET_COMMANDS_PER_S ${c.perUserLimit}); ${c.officers * c.perOfficer} open incidents, ${c.units} units, ${c.reportsPerS} reports/s replacing the resolved ones. ` +
      `Legitimate refusals: ${codes(c.legitimate)}; failures: ${codes(c.failures)}. Audit rows \`ok\` in PostgreSQL: ${c.auditOk} for ${c.okAnswers} ok answers. ` +
      `CPU (% of one core): server ${c.serverCpuPct}, PostgreSQL ${c.postgresCpuPct}, the officers' process ${c.officersCpuPct}; CPU pressure ${c.cpuPressurePct ?? '–'}% of the time; server RSS ${c.serverRssMB} MB` +
      (c.journal ? `; the journal: ${c.journal.batchesPerS} transactions/s of ${c.journal.entriesPerBatch} entries, ${c.journal.meanBatchMs} ms each.` : '.'));
  }
  if (r.records?.length) {
    const recs = r.records;
    const names = [...new Set(recs.flatMap((x) => x.tables.filter((t) => t.rowsPerDay || t.bytesPerDay).map((t) => t.table)))].sort();
    const mb = (b: number) => (b / 1e6).toFixed(2);
    const cell = (x: (typeof recs)[number], name: string) => x.tables.find((t) => t.table === name);
    parts.push('### PostgreSQL a simulated day (rows, MB of table + indexes + TOAST)\n\n' +
      table(['table', ...recs.flatMap((x) => [`${x.scenario} rows/day`, 'MB/day'])], [
        ...names.map((n) => [n, ...recs.flatMap((x) => [cell(x, n)?.rowsPerDay ?? 0, mb(cell(x, n)?.bytesPerDay ?? 0)])]),
        ['**total**', ...recs.flatMap((x) => [x.total.rowsPerDay, mb(x.total.bytesPerDay)])],
        ['WAL written', ...recs.flatMap((x) => ['', mb(x.walBytesPerDay)])],
      ]) +
      `\n\n${recs.map((x) => `${x.scenario}: ${(x.simS / 3600).toFixed(1)} simulated hours measured (${x.wallS} s at ×${x.speed}, seed ${x.seed}), server CPU ${x.serverCpuPct}%`).join('; ')}.`);
  }
  if (r.cluster) parts.push(...clusterTables(r.cluster));
  if (r.wards) {
    const w = r.wards;
    parts.push(`### Real city boundaries: ${w.wards} wards, ${w.vertices.toLocaleString('en')} vertices, ${w.stations} stations\n\n` +
      table(['figure', 'measured'], [
        [`coverage sample grid, built once per pack (${w.samples.toLocaleString('en')} samples)`, `${w.modelBuildMs} ms`],
        [`coverage loss per ward recomputed, p50 / p95 / max of ${w.recompute.runs}`, `${w.recompute.p50Ms} / ${w.recompute.p95Ms} / ${w.recompute.maxMs} ms`],
        ['ward of a position, flatbush index + bbox prefilter', `${w.lookup.indexUs} µs`],
        ['ward of a position, linear scan (before)', `${w.lookup.linearUs} µs`],
        ...(w.console ? [[`console frame interval under pan/zoom, mean / p95 (${w.console.wardsDrawn} wards in the loaded tiles)`, `${w.console.meanMs} / ${w.console.p95Ms} ms`], ['console long tasks', `${w.console.longTasks} (${w.console.longTaskMs} ms)`]] : []),
        ...(w.baseline ? [['the same on the test town (3 wards), mean / p95; long tasks', `${w.baseline.meanMs} / ${w.baseline.p95Ms} ms; ${w.baseline.longTasks} (${w.baseline.longTaskMs} ms)`]] : []),
      ]));
  }
  if (r.errors?.length) parts.push('### Suites that failed\n\n' + table(['suite', 'error'], r.errors.map((e) => [e.suite, e.error.split('\n')[0]!.slice(0, 300)])));
  return parts.join('\n\n') + '\n';
}

/** The cluster suite: each figure beside its target, then the consoles per instance and the resources. */
function clusterTables(c: NonNullable<BenchResults['cluster']>): string[] {
  const parts: string[] = [];
  const f = c.failover;
  if (f) {
    const all = f.published.camera_status + f.published.detection;
    parts.push(`### Cluster: kill -9 of the leader, ${f.kills} times, under ${f.loadRate} msg/s QoS 1 (published ${f.achievedRate} msg/s)\n\n` +
      table(['figure', 'measured', 'target', 'verdict'], [
        ['failover, median', `${f.medianMs} ms`, '≤ 5,000 ms', yes(f.medianMs <= 5000)],
        ['failover, max', `${f.maxMs} ms`, '≤ 10,000 ms', yes(f.maxMs <= 10_000)],
        ['messages lost (published − stored)', `${f.lost} of ${all}`, '0', yes(f.lost === 0)],
        ['alerts duplicated (beyond one per camera and kind)', `${f.duplicated} over ${f.pairsAlerted} of ${f.pairs} pairs`, '0', yes(f.duplicated === 0)],
      ]) +
      `\n\nEach failover (kill → the other's /api/health says leader, polled every 100 ms): ${f.failoverMs.map((ms) => `${ms}`).join(', ')} ms (by design the rest of the dead leader's lease, LEADER_LEASE_MS (4 s) from its last renewal, which the standby takes the moment it runs out: 3.5–4 s, plus connecting to the broker); the killed instance back as standby after ${f.rejoinMs.join(', ')} ms. ` +
      `Stored in InfluxDB: ${f.stored.camera_status} of ${f.published.camera_status} camera statuses, ${f.stored.detection} of ${f.published.detection} detections (${f.drainMs} ms after the load ended); broker drops ${f.brokerDropped}.`);
  }
  const cc = c.consoles;
  if (cc) parts.push(`### Cluster: ${cc.consoles} consoles over 2 instances at ${cc.loadRate} msg/s, alert latency (ms)\n\n` +
    table(['instance', 'consoles', 'connected', 'alerts received / sent × measuring', 'p50', 'p95', 'p99', 'max', 'target p95', 'verdict', 'the rest (nice 19): p95', 'CPU %', 'peak RSS MB'],
      cc.byRole.map((x) => [`${x.instance} (${x.role})`, x.consoles, x.connected, `${x.alerts.n} / ${cc.alertsSent * x.measuring}`, x.alerts.p50, x.alerts.p95, x.alerts.p99, x.alerts.max, '≤ 250', yes(x.alerts.p95 <= 250), x.rigAlertsP95, x.cpuPct, x.rssMB])) +
    `\n\nFrom the detection's publish to the alert on a console, measured by ${cc.byRole[0]?.measuring ?? 0} consoles per instance at normal priority; the others run at nice 19 (screens on other machines). The leader raises the alert; the standby's consoles get it relayed over Redis (checked against PostgreSQL's event log). ${cc.durationS} s of load.`);
  const rs = c.resources;
  if (rs) parts.push(`### Cluster: CPU and RSS at ${rs.rate} msg/s of camera statuses (${rs.durationS} s)\n\n` +
    table(['setup', 'instance', 'published msg/s', 'CPU % (1 core)', 'peak RSS MB', 'stored / published', 'broker drops', 'leader: received / duplicates / rejected (since start)'], rs.rows.map((x) => [x.setup, x.role, x.achievedRate, x.cpuPct, x.peakRssMB, `${x.stored} / ${x.published}`, x.brokerDropped, x.server ? `${x.server.received} / ${x.server.duplicates} / ${x.server.rejected}` : ''])));
  if (c.errors.length) parts.push('### Cluster parts that failed\n\n' + table(['part', 'error'], c.errors.map((e) => [e.part, e.error.split('\n')[0]!.slice(0, 300)])));
  return parts;
}
