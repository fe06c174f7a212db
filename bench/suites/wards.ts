/**
 * Real city boundaries (issue #24): a pack of 500 wards with 100,000 boundary
 * vertices (bench/lib/wards-pack.ts), 2,000 stations and 1,000 cameras.
 *
 * - the coverage sample grid built once per pack (cold), then the coverage loss
 *   per ward recomputed as stations go down (what the coverage rule does on each
 *   station change), median and p95 of 30;
 * - the ward of a position (every stored point and every incident is tagged with
 *   one): the flatbush index with the bounding-box prefilter, against the linear
 *   scan it replaced;
 * - the console's frame time in headless Chromium with those 500 wards drawn, under
 *   the browser suite's pan/zoom script (no device load: the figure is the wards').
 */
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import type { Browser } from 'playwright-core';
import { loadCityPack, TEST_CITY_PACK } from '../../contract/citypack-load.js';
import { coverageByWard, coverageModel } from '../../contract/coverage.js';
import type { LngLat, Station } from '../../contract/domain.js';
import { wardIdAt } from '../../contract/geo.js';
import { login } from '../../tests/harness/auth.js';
import { CLIENT_DIR, openConsole } from '../../tests/harness/console.js';
import { BENCH_USER } from '../lib/auth.js';
import { startServer, workDir } from '../lib/server.js';
import type { Stack } from '../lib/stack.js';
import { generateWardsPack } from '../lib/wards-pack.js';
import { measure, type FrameStats } from './browser.js';

export interface WardsResult {
  wards: number;
  vertices: number;
  stations: number;
  samples: number;
  modelBuildMs: number;
  recompute: { runs: number; p50Ms: number; p95Ms: number; maxMs: number };
  lookup: { points: number; indexUs: number; linearUs: number };
  console?: FrameStats & { wardsDrawn: number };
  /** The same script on the test town (3 wards) in the same run: what the 500 wards add. */
  baseline?: FrameStats;
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const r2 = (v: number) => Math.round(v * 100) / 100;
const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

export async function runWards(o: { stack: Stack; browser?: Browser; wards?: number; vertices?: number; seconds?: number; log: (s: string) => void }): Promise<WardsResult> {
  const dir = generateWardsPack({ wards: o.wards ?? 500, vertices: o.vertices ?? 100_000, stations: 2000, cameras: 1000 });
  const pack = await loadCityPack(dir);
  const vertices = pack.wards.features.reduce((n, f) => n + (f.geometry.type === 'Polygon' ? f.geometry.coordinates : f.geometry.coordinates.flat()).reduce((m, r) => m + r.length, 0), 0);

  let t = process.hrtime.bigint();
  const model = coverageModel(pack, 100);
  const modelBuildMs = r2(ms(t));
  const samples = model.wards.reduce((n, w) => n + w.xy.length / 2, 0);

  const stations: Station[] = pack.sites.stations.map((s) => ({ ...s, state: 'up', power: 'mains', batteryPct: null, backhaul: 'up', loadPct: null, lastSeen: null, stale: false }));
  const times: number[] = [];
  for (let run = 0; run < 30; run++) {
    // A different tenth of the stations down each run, as an outage spreads.
    stations.forEach((s, i) => (s.state = (i + run) % 10 === 0 ? 'down' : 'up'));
    t = process.hrtime.bigint();
    coverageByWard(pack, stations, ['4G']);
    times.push(ms(t));
  }
  o.log(`  ${pack.wards.features.length} wards, ${vertices} vertices, ${samples} samples: model ${modelBuildMs} ms; recompute p50 ${r2(q(times, 0.5))} ms`);

  const [w, s, e, n] = pack.meta.bbox;
  const points: LngLat[] = Array.from({ length: 100_000 }, (_, i) => [w + ((i * 0.618034) % 1) * (e - w), s + ((i * 0.754878) % 1) * (n - s)]);
  wardIdAt(pack, points[0]!); // the index is built on first use
  t = process.hrtime.bigint();
  let found = 0;
  for (const p of points) if (wardIdAt(pack, p)) found++;
  const indexUs = r2((ms(t) * 1000) / points.length);
  const few = points.slice(0, 2000);
  t = process.hrtime.bigint();
  for (const p of few) pack.wards.features.find((f) => booleanPointInPolygon(p, f.geometry));
  const linearUs = r2((ms(t) * 1000) / few.length);
  o.log(`  ward look-up: ${indexUs} µs with the index (${found} of ${points.length} inside a ward), ${linearUs} µs by linear scan`);

  const res: WardsResult = {
    wards: pack.wards.features.length,
    vertices,
    stations: stations.length,
    samples,
    modelBuildMs,
    recompute: { runs: times.length, p50Ms: r2(q(times, 0.5)), p95Ms: r2(q(times, 0.95)), maxMs: r2(Math.max(...times)) },
    lookup: { points: points.length, indexUs, linearUs },
  };

  if (o.browser) {
    for (const [label, cityPack] of [['500 wards', dir], ['test town', TEST_CITY_PACK]] as const) {
      const server = await startServer({ mqttUrl: o.stack.mosquitto.url, influxUrl: o.stack.influxd.url, cityPack, spoolDir: workDir('spool-wards'), database: 'wards', clientId: 'ioc-wards', env: { STATIC_DIR: CLIENT_DIR } });
      try {
        const con = await openConsole(o.browser, { url: server.url, login: () => login(server.url, BENCH_USER.username, BENCH_USER.password) }, { timeoutMs: 90_000 });
        try {
          const wardsDrawn = await con.page.evaluate(() => {
            const map = (window as unknown as { __iocMap: { querySourceFeatures(id: string): { properties: { id: string } }[] } }).__iocMap;
            return new Set(map.querySourceFeatures('wards').map((f) => f.properties.id)).size;
          });
          const stats = await measure(con.page, o.seconds ?? 15);
          if (cityPack === dir) res.console = { ...stats, wardsDrawn };
          else res.baseline = stats;
          o.log(`  console, ${label}: ${wardsDrawn} wards in the loaded tiles; mean ${stats.meanMs} p95 ${stats.p95Ms} ms/frame, ${stats.longTasks} long tasks`);
        } finally {
          await con.close();
        }
      } finally {
        await server.stop();
      }
    }
  }
  return res;
}
