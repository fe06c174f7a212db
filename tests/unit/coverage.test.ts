import { beforeAll, describe, expect, it } from 'vitest';
import type { CityPack, RadioTech, Station, StationSite, WardFeature } from '../../contract/index.js';
import { cityCoveragePct, coverageByWard, coverageModel, MIN_SAMPLES } from '../../contract/coverage.js';
import { DEFAULT_CITY_PACK, loadCityPack, TEST_CITY_PACK } from '../../contract/citypack-load.js';
import { describeScenario } from '../../simulators/scenarios.js';

const TECHS: RadioTech[] = ['3G', '4G'];
let town: CityPack;
let prtc: CityPack;
beforeAll(async () => {
  [town, prtc] = await Promise.all([loadCityPack(TEST_CITY_PACK), loadCityPack(DEFAULT_CITY_PACK)]);
});

function live(sites: readonly StationSite[], down: Iterable<string> = [], over: Partial<Station> = {}): Station[] {
  const d = new Set(down);
  return sites.map((s) => ({
    id: s.id, name: s.name, position: s.position, operator: s.operator, techs: s.techs, radiusM: s.radiusM, wardId: s.wardId,
    state: d.has(s.id) ? 'down' : 'up', power: 'mains', batteryPct: null, backhaul: 'up', loadPct: null, lastSeen: 1, stale: false, ...over,
  }));
}
const byId = (r: ReturnType<typeof coverageByWard>) => Object.fromEntries(r.map((w) => [w.wardId, w]));

/** A synthetic pack: square wards of `sizeM` in an n×n block near the equator-ish latitude of Vietnam. */
function syntheticPack(n: number, sizeM: number, stations: StationSite[] = []): CityPack {
  const lat0 = 11.5;
  const dLat = sizeM / 111_195;
  const dLon = sizeM / (111_195 * Math.cos((lat0 * Math.PI) / 180));
  const features: WardFeature[] = [];
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const [w, s] = [108.9 + i * dLon, lat0 + j * dLat];
      features.push({
        type: 'Feature',
        properties: { id: `w-${i}-${j}`, name: `Ward ${i}-${j}`, nameEn: `Ward ${i}-${j}`, kind: 'ward', population: 1000 * (1 + i + j) },
        geometry: { type: 'Polygon', coordinates: [[[w, s], [w + dLon, s], [w + dLon, s + dLat], [w, s + dLat], [w, s]]] },
      });
    }
  return {
    meta: { id: 'synthetic', name: 'S', nameEn: 'S', center: [108.9 + (n * dLon) / 2, lat0 + (n * dLat) / 2], zoom: 12, bbox: [108.9, lat0, 108.9 + n * dLon, lat0 + n * dLat], timezone: 'Asia/Ho_Chi_Minh', approximate: true, attribution: '' },
    wards: { type: 'FeatureCollection', features },
    roads: { type: 'FeatureCollection', features: [] },
    sites: { cameras: [], stations, links: [], units: [], vcPoints: [] },
  };
}

/** Deterministic pseudo-random stations over the pack's bbox (no Math.random: reproducible failures). */
function randomStations(pack: CityPack, count: number, seed: number): { sites: StationSite[]; down: string[] } {
  let x = seed >>> 0;
  const rnd = () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const [w, s, e, n] = pack.meta.bbox;
  const sites: StationSite[] = [];
  const down: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `s${i}`;
    sites.push({ id, name: id, position: [w + rnd() * (e - w), s + rnd() * (n - s)], operator: 'Viettel', techs: rnd() < 0.1 ? ['5G'] : ['4G'], radiusM: 150 + rnd() * 1400, wardId: null, sectorsDeg: [] });
    if (rnd() < 0.3) down.push(id);
  }
  return { sites, down };
}

describe('ward sampling', () => {
  it('samples every ward on the grid, refining small wards to at least MIN_SAMPLES', () => {
    const m = coverageModel(town, 100);
    // 0.01° ≈ 1.09 km × 1.11 km at 100 m: 11 × 11 cell centres.
    expect(m.wards.map((w) => w.xy.length / 2)).toEqual([121, 121, 121]);
    const tiny = coverageModel(syntheticPack(2, 150), 100);
    for (const w of tiny.wards) expect(w.xy.length / 2).toBeGreaterThanOrEqual(MIN_SAMPLES);
    expect(tiny.wards[0]!.cellAreaM2).toBeLessThan(100 * 100);
  });

  it('puts the ward centroid inside the ward', () => {
    const a = coverageModel(town, 100).wards.find((w) => w.wardId === 'tt-a')!;
    expect(a.centroid[0]).toBeCloseTo(106.005, 3);
    expect(a.centroid[1]).toBeCloseTo(10.005, 3);
  });
});

describe('coverageByWard on test-town', () => {
  it('all stations up: no loss anywhere, baseline = current', () => {
    for (const w of coverageByWard(town, live(town.sites.stations), TECHS)) {
      expect(w.uncoveredPct).toBe(0);
      expect(w.coveredPct).toBe(w.baselinePct);
      expect(w.baselinePct).toBeGreaterThan(90);
      expect(w.coveredByDown).toBe(0);
    }
  });

  it("the single station of ward A down: A loses most of its area, B and C unchanged", () => {
    const r = byId(coverageByWard(town, live(town.sites.stations, ['tt-bs-a1']), TECHS));
    // B1's 600 m circle spills ~15 % into A's east edge: that part keeps service.
    expect(r['tt-a']!.uncoveredPct).toBeGreaterThan(80);
    expect(r['tt-a']!.coveredPct).toBeLessThan(20);
    expect(r['tt-a']!.downStationIds).toEqual(['tt-bs-a1']);
    expect(r['tt-a']!.uncoveredPct).toBeCloseTo(r['tt-a']!.baselinePct - r['tt-a']!.coveredPct, 5);
    for (const id of ['tt-b', 'tt-c']) expect(r[id]).toMatchObject({ uncoveredPct: 0, coveredByDown: 0 });
  });

  it('a partial outage gives a partial share', () => {
    const r = byId(coverageByWard(town, live(town.sites.stations, ['tt-bs-c1']), TECHS));
    expect(r['tt-c']!.uncoveredPct).toBeGreaterThan(5);
    expect(r['tt-c']!.uncoveredPct).toBeLessThan(30);
    // C1 also reached a corner of B that B's own stations do not.
    expect(r['tt-b']!.uncoveredPct).toBeLessThan(5);
    expect(r['tt-a']!.uncoveredPct).toBe(0);
    const both = byId(coverageByWard(town, live(town.sites.stations, ['tt-bs-c1', 'tt-bs-c2']), TECHS));
    expect(both['tt-c']!.uncoveredPct).toBeGreaterThan(r['tt-c']!.uncoveredPct);
    expect(both['tt-c']!.coveredByDown).toBe(2);
  });

  it('areas never covered are not counted as an outage', () => {
    // Everything down: each ward loses exactly its baseline, never 100 % (corners were never covered).
    for (const w of coverageByWard(town, live(town.sites.stations, town.sites.stations.map((s) => s.id)), TECHS)) {
      expect(w.coveredPct).toBe(0);
      expect(w.baselinePct).toBeLessThan(100);
      expect(w.uncoveredPct).toBe(w.baselinePct);
    }
  });

  it('stale counts as down, unknown as up, and only the wanted techs count', () => {
    const stale = live(town.sites.stations).map((s) => (s.id === 'tt-bs-a1' ? { ...s, stale: true } : s));
    expect(byId(coverageByWard(town, stale, TECHS))['tt-a']!.uncoveredPct).toBeGreaterThan(80);
    const unknown = live(town.sites.stations, [], { state: 'unknown', lastSeen: null });
    for (const w of coverageByWard(town, unknown, TECHS)) expect(w.uncoveredPct).toBe(0);
    // Only B1 and C2 carry 5G: with techs ['5G'] ward A has no baseline, so A1 down is no 5G outage.
    const fiveG = byId(coverageByWard(town, live(town.sites.stations, ['tt-bs-a1']), ['5G']));
    expect(fiveG['tt-a']!.uncoveredPct).toBe(0);
    expect(fiveG['tt-b']!.baselinePct).toBeLessThan(byId(coverageByWard(town, live(town.sites.stations), TECHS))['tt-b']!.baselinePct);
  });

  it('city KPI is population- and area-weighted', () => {
    const r = coverageByWard(town, live(town.sites.stations, ['tt-bs-a1']), TECHS);
    const pop = { 'tt-a': 3000, 'tt-b': 5000, 'tt-c': 2000 } as Record<string, number>;
    const expected = r.reduce((s, w) => s + pop[w.wardId]! * w.coveredPct, 0) / 10_000;
    const kpi = cityCoveragePct(town, r);
    expect(kpi.populationPct).toBeCloseTo(expected, 1);
    // Equal-size wards: the area share is the plain mean.
    expect(kpi.areaPct).toBeCloseTo(r.reduce((s, w) => s + w.coveredPct, 0) / 3, 1);
    expect(cityCoveragePct(town, coverageByWard(town, live(town.sites.stations), TECHS)).populationPct!).toBeGreaterThan(kpi.populationPct!);
  });
});

describe('performance and the station bucket grid', () => {
  it('the bucket grid gives exactly the brute-force result', () => {
    const pack = syntheticPack(3, 3000);
    const { sites, down } = randomStations(pack, 400, 7);
    const stations = live(sites, down);
    const grid = coverageByWard(pack, stations, TECHS, { gridM: 150 });
    expect(grid).toEqual(coverageByWard(pack, stations, TECHS, { gridM: 150, lookup: 'brute' }));
    expect(grid.some((w) => w.uncoveredPct > 0 && w.coveredByDown > 0)).toBe(true);
  });

  // Speed is measured by `npm run bench` (scale suite), not asserted here: these check what the grid computes.
  it('Phan Rang (16 wards, 30 stations): the grid agrees with brute force, and repeated calls agree', () => {
    const stations = live(prtc.sites.stations, ['bs-mbf-03', 'bs-vtl-04']);
    const first = coverageByWard(prtc, stations, TECHS); // sampling is one-off and cached per pack
    expect(coverageByWard(prtc, stations, TECHS)).toEqual(first);
    expect(first).toEqual(coverageByWard(prtc, stations, TECHS, { lookup: 'brute' }));
    expect(first).toHaveLength(16);
  });

  it('10,000 stations over a 20 km square: every ward fully covered at baseline', () => {
    const pack = syntheticPack(4, 5000);
    const { sites, down } = randomStations(pack, 10_000, 42);
    const r = coverageByWard(pack, live(sites, down), TECHS);
    expect(r).toHaveLength(16);
    for (const w of r) expect(w.baselinePct).toBeGreaterThan(99);
  });
});

describe('agreement with the simulators\' expectations', () => {
  const lossWards = (pack: CityPack, down: string[]) =>
    coverageByWard(pack, live(pack.sites.stations, down), TECHS).filter((w) => w.uncoveredPct >= 20).map((w) => w.wardId).sort();

  it('test-town: typhoon and fiber-cut agree exactly', () => {
    for (const scenario of ['typhoon', 'fiber-cut'])
      for (const seed of [1, 2, 3]) {
        const e = describeScenario(town, scenario, seed);
        expect(lossWards(town, e.stationsDown), `${scenario}/${seed}`).toEqual([...e.wardsLosingCoverage].sort());
      }
  });

  it('Phan Rang: fiber-cut and typhoon agree (typhoon includes w-my-binh: half its stations down, ~32 % of its area lost)', () => {
    for (const seed of [1, 2, 3]) {
      const e = describeScenario(prtc, 'fiber-cut', seed);
      expect(lossWards(prtc, e.stationsDown), `fiber-cut/${seed}`).toEqual([...e.wardsLosingCoverage].sort());
    }
    const t = describeScenario(prtc, 'typhoon', 1);
    // The simulator counts a ward only when all its own stations are down; geometry also sees partial losses.
    expect(lossWards(prtc, t.stationsDown)).toEqual([...t.wardsLosingCoverage].sort());
    expect(t.wardsLosingCoverage).toContain('w-my-binh');
  });
});
