/**
 * Radio coverage per ward, by pure geometry (no I/O, no clock).
 *
 * Each ward is sampled on a regular grid (gridM apart) in a local equirectangular
 * projection around the city centre: at city scale (< 50 km) this distorts distances
 * by well under 1 %, far below the uncertainty of a nominal cell radius. Every sample
 * stands for the same area and, lacking finer census data, the same share of the
 * ward's population (population assumed uniform inside a ward).
 *
 * A sample is covered when a station with one of the wanted techs, not down and not
 * stale, has it within radiusM. The outage share is measured against a baseline
 * with every station up: parts of a ward no station ever reached are not an outage.
 * Stations are looked up through a bucket grid, so the cost is samples × (stations
 * near the sample), not samples × stations.
 */
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import { z } from 'zod';
import type { CityPack, WardFeature } from './citypack.js';
import { RADIO_TECHS, SEVERITIES, type LngLat, type RadioTech, type Station } from './domain.js';

const EARTH_R = 6_371_008.8;
const RAD = Math.PI / 180;
const pct = z.number().min(0).max(100);

/**
 * The coverage_loss rule's knobs (a section of the rules file, server/alerts/rules-config.ts). Here,
 * beside the geometry they drive, because the simulators read the defaults too: a scenario's expected
 * coverage_loss wards are computed with the product's own geometry and knobs (simulators/geo.ts).
 * `.prefault({})` (zod 4) runs a missing section through the schema, so it gets every inner default.
 */
export const coverageLossSchema = z
  .strictObject({
    techs: z.array(z.enum(RADIO_TECHS)).min(1).default(['3G', '4G']),
    minUncoveredPct: pct.default(20),
    severity: z.enum(SEVERITIES).default('major'),
    criticalPct: pct.default(60),
    gridM: z.number().min(10).max(5000).default(100),
  })
  .prefault({});
export type CoverageLossConfig = z.infer<typeof coverageLossSchema>;

/** Small wards get a finer grid until they have at least this many samples. */
export const MIN_SAMPLES = 20;

export interface WardSamples {
  wardId: string;
  name: string;
  population: number;
  /** Projected sample coordinates (metres), interleaved x,y. */
  xy: Float64Array;
  /** Area one sample stands for (m²); differs per ward only when a small ward was refined. */
  cellAreaM2: number;
  /** A sample near the ward's area centroid: always inside the ward (a concave ward's true centroid may not be). */
  centroid: LngLat;
}

export interface CoverageModel {
  gridM: number;
  origin: LngLat;
  wards: WardSamples[];
  /** Projected extent of all samples, to clip the station grid. */
  extent: { minX: number; minY: number; maxX: number; maxY: number };
}

export interface WardCoverage {
  wardId: string;
  /** % of the ward's area covered now. */
  coveredPct: number;
  /** % covered with every station up. */
  baselinePct: number;
  /** % of the ward's area that lost coverage because of the outage: baselinePct − coveredPct. */
  uncoveredPct: number;
  /** How many down or stale stations are to blame: they covered samples of this ward that nothing covers now. */
  coveredByDown: number;
  /** Their ids, sorted. */
  downStationIds: string[];
}

type Projector = (p: LngLat) => [number, number];
function projector(origin: LngLat): { fwd: Projector; inv: (x: number, y: number) => LngLat } {
  const k = EARTH_R * RAD;
  const cos0 = Math.cos(origin[1] * RAD);
  return {
    fwd: (p) => [(p[0] - origin[0]) * k * cos0, (p[1] - origin[1]) * k],
    inv: (x, y) => [origin[0] + x / (k * cos0), origin[1] + y / k],
  };
}

function wardBbox(ward: WardFeature): [number, number, number, number] {
  const rings = ward.geometry.type === 'Polygon' ? ward.geometry.coordinates : ward.geometry.coordinates.flat();
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const ring of rings)
    for (const q of ring) {
      minX = Math.min(minX, q[0]!);
      maxX = Math.max(maxX, q[0]!);
      minY = Math.min(minY, q[1]!);
      maxY = Math.max(maxY, q[1]!);
    }
  return [minX, minY, maxX, maxY];
}

function sampleWard(ward: WardFeature, gridM: number, proj: ReturnType<typeof projector>): WardSamples {
  const [w, s, e, n] = wardBbox(ward);
  const [x0, y0] = proj.fwd([w, s]);
  const [x1, y1] = proj.fwd([e, n]);
  let step = gridM;
  let pts: number[] = [];
  // Halve the spacing until the ward has enough samples; a sliver can never be fully sampled, hence the cap.
  for (let round = 0; round < 8; round++) {
    pts = [];
    // Cell centres, offset by half a step so a ward aligned to the grid is sampled symmetrically.
    for (let y = y0 + step / 2; y < y1; y += step)
      for (let x = x0 + step / 2; x < x1; x += step) if (booleanPointInPolygon(proj.inv(x, y), ward.geometry)) pts.push(x, y);
    if (pts.length / 2 >= MIN_SAMPLES) break;
    step /= 2;
  }
  const xy = Float64Array.from(pts);
  const count = xy.length / 2;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < count; i++) {
    mx += xy[2 * i]!;
    my += xy[2 * i + 1]!;
  }
  mx /= count || 1;
  my /= count || 1;
  let best = 0;
  let bestD = Infinity;
  for (let i = 0; i < count; i++) {
    const d = (xy[2 * i]! - mx) ** 2 + (xy[2 * i + 1]! - my) ** 2;
    if (d < bestD) [best, bestD] = [i, d];
  }
  const c = count > 0 ? proj.inv(xy[2 * best]!, xy[2 * best + 1]!) : proj.inv((x0 + x1) / 2, (y0 + y1) / 2);
  return {
    wardId: ward.properties.id,
    name: ward.properties.name,
    population: ward.properties.population,
    xy,
    cellAreaM2: step * step,
    centroid: [Math.round(c[0] * 1e6) / 1e6, Math.round(c[1] * 1e6) / 1e6],
  };
}

const models = new WeakMap<CityPack, Map<number, CoverageModel>>();

/** The sample grid for a pack, computed once per (pack, gridM) and cached. */
export function coverageModel(pack: CityPack, gridM = 100): CoverageModel {
  let byGrid = models.get(pack);
  if (!byGrid) models.set(pack, (byGrid = new Map()));
  const cached = byGrid.get(gridM);
  if (cached) return cached;
  const origin = pack.meta.center;
  const proj = projector(origin);
  const wards = pack.wards.features.map((f) => sampleWard(f, gridM, proj));
  const extent = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  for (const w of wards)
    for (let i = 0; i < w.xy.length; i += 2) {
      extent.minX = Math.min(extent.minX, w.xy[i]!);
      extent.maxX = Math.max(extent.maxX, w.xy[i]!);
      extent.minY = Math.min(extent.minY, w.xy[i + 1]!);
      extent.maxY = Math.max(extent.maxY, w.xy[i + 1]!);
    }
  const model = { gridM, origin, wards, extent };
  byGrid.set(gridM, model);
  return model;
}

/** Stations counted for coverage now: unknown state counts as up, so a fresh start (no heartbeat yet) is no outage. */
export function stationServes(s: Station): boolean {
  return !s.stale && s.state !== 'down';
}

interface Cand {
  x: number;
  y: number;
  r2: number;
  up: boolean;
  idx: number;
}

/**
 * Bucket grid of stations: each station is listed in every cell its circle's
 * bounding box touches (clipped to the sampled extent), so a sample only checks
 * its own cell's list.
 */
export class StationGrid {
  /** Dense, row-major; cell ≥ gridM keeps it no larger than the sample count. */
  private readonly cells: (Cand[] | undefined)[];
  private readonly cell: number;
  private readonly cols: number;
  private readonly rows: number;
  constructor(
    private readonly model: CoverageModel,
    cands: Cand[],
  ) {
    const radii = cands.map((c) => Math.sqrt(c.r2)).sort((a, b) => a - b);
    // Cell ≈ a typical radius: each station lands in ~9 cells and a cell holds ~ the stations overlapping it.
    const median = radii[Math.floor(radii.length / 2)] ?? model.gridM;
    this.cell = Math.max(model.gridM, median);
    const { minX, minY, maxX, maxY } = model.extent;
    this.cols = Math.floor((maxX - minX) / this.cell) + 1;
    const rows = (this.rows = Math.floor((maxY - minY) / this.cell) + 1);
    this.cells = new Array<Cand[] | undefined>(this.cols * rows);
    for (const c of cands) {
      const r = Math.sqrt(c.r2);
      const cx0 = Math.max(0, Math.floor((c.x - r - minX) / this.cell));
      const cx1 = Math.min(this.cols - 1, Math.floor((c.x + r - minX) / this.cell));
      const cy0 = Math.max(0, Math.floor((c.y - r - minY) / this.cell));
      const cy1 = Math.min(rows - 1, Math.floor((c.y + r - minY) / this.cell));
      for (let cy = cy0; cy <= cy1; cy++)
        for (let cx = cx0; cx <= cx1; cx++) {
          const key = cy * this.cols + cx;
          const list = this.cells[key];
          if (list) list.push(c);
          else this.cells[key] = [c];
        }
    }
  }
  near(x: number, y: number): Cand[] | undefined {
    const cx = Math.floor((x - this.model.extent.minX) / this.cell);
    const cy = Math.floor((y - this.model.extent.minY) / this.cell);
    if (cx < 0 || cy < 0 || cx >= this.cols || cy >= this.rows) return undefined;
    return this.cells[cy * this.cols + cx];
  }
  get cellM(): number {
    return this.cell;
  }
}

function candidates(model: CoverageModel, stations: readonly Station[], techs: readonly RadioTech[]): { cands: Cand[]; ids: string[] } {
  const proj = projector(model.origin);
  const cands: Cand[] = [];
  const ids: string[] = [];
  for (const s of stations) {
    if (!s.position || s.radiusM <= 0 || !s.techs.some((t) => techs.includes(t))) continue;
    const [x, y] = proj.fwd(s.position);
    cands.push({ x, y, r2: s.radiusM * s.radiusM, up: stationServes(s), idx: ids.length });
    ids.push(s.id);
  }
  return { cands, ids };
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/** Per-ward coverage now and against the all-up baseline. `lookup: 'brute'` skips the bucket grid (tests compare the two). */
export function coverageByWard(
  pack: CityPack,
  stations: readonly Station[],
  techs: readonly RadioTech[],
  opts: { gridM?: number; lookup?: 'grid' | 'brute' } = {},
): WardCoverage[] {
  const model = coverageModel(pack, opts.gridM ?? 100);
  const { cands, ids } = candidates(model, stations, techs);
  const grid = opts.lookup === 'brute' ? null : new StationGrid(model, cands);
  const blamed: number[] = [];
  return model.wards.map((w) => {
    const n = w.xy.length / 2;
    let base = 0;
    let now = 0;
    const downHere = new Set<number>();
    for (let i = 0; i < n; i++) {
      const x = w.xy[2 * i]!;
      const y = w.xy[2 * i + 1]!;
      let inBase = false;
      let inNow = false;
      blamed.length = 0;
      for (const c of (grid ? grid.near(x, y) : cands) ?? []) {
        if ((c.x - x) ** 2 + (c.y - y) ** 2 > c.r2) continue;
        inBase = true;
        if (!c.up) blamed.push(c.idx);
        else {
          // Covered now: no need to look further, and no down station is to blame for this sample.
          inNow = true;
          break;
        }
      }
      if (inBase) base++;
      if (inNow) now++;
      else for (const b of blamed) downHere.add(b);
    }
    const coveredPct = n === 0 ? 0 : round1((100 * now) / n);
    const baselinePct = n === 0 ? 0 : round1((100 * base) / n);
    const downStationIds = [...downHere].map((i) => ids[i]!).sort();
    return { wardId: w.wardId, coveredPct, baselinePct, uncoveredPct: round1(Math.max(0, baselinePct - coveredPct)), coveredByDown: downStationIds.length, downStationIds };
  });
}

/** City-wide KPI from per-ward results: % of population and % of area covered now. */
export function cityCoveragePct(pack: CityPack, wards: readonly WardCoverage[], gridM = 100): { populationPct: number | null; areaPct: number | null } {
  const model = coverageModel(pack, gridM);
  const byId = new Map(wards.map((w) => [w.wardId, w]));
  let pop = 0;
  let popCovered = 0;
  let area = 0;
  let areaCovered = 0;
  for (const w of model.wards) {
    const c = byId.get(w.wardId);
    if (!c) continue;
    const a = (w.xy.length / 2) * w.cellAreaM2;
    pop += w.population;
    popCovered += (w.population * c.coveredPct) / 100;
    area += a;
    areaCovered += (a * c.coveredPct) / 100;
  }
  return { populationPct: pop > 0 ? round1((100 * popCovered) / pop) : null, areaPct: area > 0 ? round1((100 * areaCovered) / area) : null };
}
