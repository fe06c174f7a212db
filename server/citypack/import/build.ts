/**
 * From source features (OpenStreetMap or the city's GIS, already GeoJSON in
 * WGS84: ./sources.ts) to the files of a city pack (contract/citypack.ts):
 * wards and roads with ids, Vietnamese names and pack properties, geometry
 * simplified to what the console draws smoothly, and the existing devices kept
 * with their wards (and roads, and ward link ends) reassigned by position.
 * Pure: no I/O, so every rule here is unit-testable.
 */
import { pointToLineDistance } from '@turf/point-to-line-distance';
import { simplify } from '@turf/simplify';
import type { Feature, Geometry, LineString, MultiPolygon, Polygon, Position } from 'geojson';
import type { CityMeta, RoadFeature, RoadProps, SitesFile, WardFeature } from '../../../contract/citypack.js';
import { distanceM, wardAt } from '../../../contract/geo.js';
import type { LngLat } from '../../../contract/domain.js';

export interface FieldMap {
  /** Property names tried in order for a feature's Vietnamese name. */
  name: string[];
  nameEn: string[];
  id: string[];
  population: string[];
  /** Roads: the OSM highway tag or a GIS class field. */
  roadClass: string[];
  maxspeed: string[];
}

export const OSM_FIELDS: FieldMap = {
  name: ['name:vi', 'name'],
  nameEn: ['name:en'],
  id: [],
  population: ['population'],
  roadClass: ['highway'],
  maxspeed: ['maxspeed'],
};

export interface BuildInput {
  wards: Feature[];
  roads: Feature[];
  fields: FieldMap;
  /** Existing devices, kept (sites.json of the pack being replaced, or of another pack). */
  sites: SitesFile;
  meta: Pick<CityMeta, 'id' | 'name' | 'nameEn' | 'timezone' | 'attribution'> & { zoom?: number };
  /** Douglas–Peucker tolerance in degrees (1e-4 ≈ 11 m). */
  tolerance: number;
}

export interface Report {
  wards: number;
  roads: number;
  vertices: { before: number; after: number };
  skipped: string[];
  /** Devices whose ward (or road, or link end) changed. */
  reassigned: string[];
  /** Devices inside no ward: kept, with no ward. */
  outside: string[];
}

export interface BuiltPack {
  city: CityMeta;
  wards: { type: 'FeatureCollection'; features: WardFeature[] };
  roads: { type: 'FeatureCollection'; features: RoadFeature[] };
  sites: SitesFile;
  report: Report;
}

/** OSM highway values → the pack's road classes, and a speed where the data has none (km/h). */
const CLASS_OF: Record<string, RoadProps['class']> = { trunk: 'national', primary: 'provincial', secondary: 'urban', tertiary: 'local', motorway: 'national' };
const SPEED_OF: Record<RoadProps['class'], number> = { national: 80, provincial: 60, urban: 50, local: 40 };

/** An ASCII id from a Vietnamese name: "Phường Tây" → "phuong-tay". */
export function slug(s: string): string {
  const out = s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 56);
  return out || 'x';
}

/** A name without tone marks, for the English name when the data has none. */
export function foldName(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D');
}

function pick(props: Record<string, unknown> | null, keys: string[]): string | undefined {
  for (const k of keys) {
    const v = props?.[k];
    // NFC: a Shapefile's or an export's decomposed tone marks compare and render as one letter.
    if (typeof v === 'string' && v.trim()) return v.trim().normalize('NFC');
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return undefined;
}

function uniqueId(base: string, taken: Set<string>): string {
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  taken.add(id);
  return id;
}

const round6 = (p: Position): number[] => [Math.round(p[0]! * 1e6) / 1e6, Math.round(p[1]! * 1e6) / 1e6];

function countVertices(g: Geometry): number {
  if (g.type === 'Polygon') return g.coordinates.reduce((n, r) => n + r.length, 0);
  if (g.type === 'MultiPolygon') return g.coordinates.reduce((n, p) => n + p.reduce((m, r) => m + r.length, 0), 0);
  if (g.type === 'LineString') return g.coordinates.length;
  if (g.type === 'MultiLineString') return g.coordinates.reduce((n, l) => n + l.length, 0);
  return 0;
}

/** Simplified, rounded to ~0.1 m, closed rings of at least 4 positions; degenerate rings dropped. */
function cleanPolygon(g: Polygon | MultiPolygon, tolerance: number): Polygon | MultiPolygon | null {
  const s = tolerance > 0 ? (simplify({ type: 'Feature', properties: {}, geometry: g }, { tolerance, highQuality: true }).geometry as Polygon | MultiPolygon) : g;
  const ring = (r: Position[]) => {
    const pts = r.map(round6).filter((p, i, a) => i === 0 || p[0] !== a[i - 1]![0] || p[1] !== a[i - 1]![1]);
    const a = pts[0];
    const b = pts[pts.length - 1];
    if (a && b && (a[0] !== b[0] || a[1] !== b[1])) pts.push([...a]);
    return pts.length >= 4 ? pts : null;
  };
  const poly = (p: Position[][]) => {
    const rings = p.map(ring);
    return rings[0] ? rings.filter((r): r is number[][] => r !== null) : null;
  };
  if (s.type === 'Polygon') {
    const p = poly(s.coordinates);
    return p ? { type: 'Polygon', coordinates: p } : null;
  }
  const parts = s.coordinates.map(poly).filter((p): p is number[][][] => p !== null);
  if (parts.length === 0) return null;
  return parts.length === 1 ? { type: 'Polygon', coordinates: parts[0]! } : { type: 'MultiPolygon', coordinates: parts };
}

function lines(g: Geometry): Position[][] {
  if (g.type === 'LineString') return [g.coordinates];
  if (g.type === 'MultiLineString') return g.coordinates;
  return [];
}

type Bbox = [number, number, number, number];

/** The part of segment a–b inside the box (Liang–Barsky), or null. */
function clipSegment(a: Position, b: Position, box: Bbox): [Position, Position] | null {
  const [x0, y0] = [a[0]!, a[1]!];
  const [dx, dy] = [b[0]! - x0, b[1]! - y0];
  let t0 = 0;
  let t1 = 1;
  const edges: [number, number][] = [[-dx, x0 - box[0]], [dx, box[2] - x0], [-dy, y0 - box[1]], [dy, box[3] - y0]];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return null;
      continue;
    }
    const t = q / p;
    if (p < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 > t1) return null;
  }
  return [[x0 + t0 * dx, y0 + t0 * dy], [x0 + t1 * dx, y0 + t1 * dy]];
}

/** The runs of a line inside the box: a road leaving the city is cut where it crosses the box's edge. */
function clipLine(line: Position[], box: Bbox): Position[][] {
  const out: Position[][] = [];
  let run: Position[] = [];
  const same = (p: Position, q: Position | undefined) => !!q && p[0] === q[0] && p[1] === q[1];
  for (let i = 1; i < line.length; i++) {
    const seg = clipSegment(line[i - 1]!, line[i]!, box);
    if (!seg) continue;
    const [a, b] = [round6(seg[0]), round6(seg[1])];
    if (!same(a, run[run.length - 1])) {
      if (run.length >= 2) out.push(run);
      run = [a];
    }
    if (!same(b, a)) run.push(b);
  }
  if (run.length >= 2) out.push(run);
  return out;
}

function nearestRoad(p: LngLat, roads: RoadFeature[], maxM: number): string | null {
  let best: string | null = null;
  let bestD = maxM;
  for (const r of roads) {
    const d = pointToLineDistance(p, r.geometry, { units: 'meters' });
    if (d < bestD) [best, bestD] = [r.properties.id, d];
  }
  return best;
}

export function buildPack(input: BuildInput): BuiltPack {
  const { fields, tolerance } = input;
  const report: Report = { wards: 0, roads: 0, vertices: { before: 0, after: 0 }, skipped: [], reassigned: [], outside: [] };
  const taken = new Set<string>([
    ...input.sites.cameras.map((c) => c.id),
    ...input.sites.stations.map((c) => c.id),
    ...input.sites.links.map((c) => c.id),
    ...input.sites.units.map((c) => c.id),
    ...input.sites.vcPoints.map((c) => c.id),
  ]);

  const wards: WardFeature[] = [];
  input.wards.forEach((f, i) => {
    const name = pick(f.properties, fields.name);
    const g = f.geometry;
    if (!name || !g || (g.type !== 'Polygon' && g.type !== 'MultiPolygon')) {
      report.skipped.push(`ward ${i}${name ? ` (${name})` : ''}: ${name ? 'not a polygon' : 'no name'}`);
      return;
    }
    report.vertices.before += countVertices(g);
    const geometry = cleanPolygon(g, tolerance);
    if (!geometry) {
      report.skipped.push(`ward ${name}: nothing left after simplification`);
      return;
    }
    report.vertices.after += countVertices(geometry);
    const pop = Number(pick(f.properties, fields.population) ?? 0);
    wards.push({
      type: 'Feature',
      properties: {
        id: uniqueId(slug(pick(f.properties, fields.id) ?? name), taken),
        name,
        nameEn: pick(f.properties, fields.nameEn) ?? foldName(name),
        kind: /^x[ãa]\s/i.test(name) ? 'commune' : 'ward',
        population: Number.isFinite(pop) && pop > 0 ? Math.round(pop) : 0,
      },
      geometry: geometry as WardFeature['geometry'],
    });
  });
  report.wards = wards.length;
  if (wards.length === 0) throw new Error(`no ward to import: none of the ${input.wards.length} features has a name (${fields.name.join(', ')}) and a polygon`);

  // The city's box: its wards and every existing device, so nothing the pack keeps falls outside it.
  const bbox: Bbox = [Infinity, Infinity, -Infinity, -Infinity];
  const grow = (p: Position) => {
    bbox[0] = Math.min(bbox[0], p[0]!);
    bbox[1] = Math.min(bbox[1], p[1]!);
    bbox[2] = Math.max(bbox[2], p[0]!);
    bbox[3] = Math.max(bbox[3], p[1]!);
  };
  for (const w of wards) for (const ring of w.geometry.type === 'Polygon' ? w.geometry.coordinates : w.geometry.coordinates.flat()) ring.forEach(grow);
  const s = input.sites;
  for (const p of [...s.cameras, ...s.stations, ...s.units, ...s.vcPoints].map((d) => d.position)) grow(p);
  for (const l of s.links) l.path.forEach(grow);
  const pad = 0.002;
  const box: Bbox = [bbox[0] - pad, bbox[1] - pad, bbox[2] + pad, bbox[3] + pad].map((v) => Math.round(v * 1e6) / 1e6) as Bbox;

  const roads: RoadFeature[] = [];
  input.roads.forEach((f, i) => {
    const g = f.geometry;
    const tag = pick(f.properties, fields.roadClass) ?? '';
    const cls = CLASS_OF[tag] ?? (['national', 'provincial', 'urban', 'local'].includes(tag) ? (tag as RoadProps['class']) : 'urban');
    const name = pick(f.properties, fields.name) ?? pick(f.properties, ['ref']);
    if (!g || lines(g).length === 0) {
      report.skipped.push(`road ${i}: not a line`);
      return;
    }
    if (!name) {
      report.skipped.push(`road ${i}: no name`);
      return;
    }
    const speed = parseInt(pick(f.properties, fields.maxspeed) ?? '', 10);
    for (const line of lines(g)) {
      report.vertices.before += line.length;
      const simple = tolerance > 0 && line.length > 2 ? (simplify({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: line } as LineString }, { tolerance, highQuality: true }).geometry as LineString).coordinates : line;
      for (const part of clipLine(simple, box)) {
        report.vertices.after += part.length;
        roads.push({
          type: 'Feature',
          properties: { id: uniqueId(`r-${slug(name)}`, taken), name, class: cls, speedLimitKmh: Number.isFinite(speed) && speed > 0 ? speed : SPEED_OF[cls] },
          geometry: { type: 'LineString', coordinates: part },
        });
      }
    }
  });
  report.roads = roads.length;

  const pack = { meta: {} as CityMeta, wards: { type: 'FeatureCollection' as const, features: wards }, roads: { type: 'FeatureCollection' as const, features: roads }, sites: s };
  const wardOf = (p: LngLat) => wardAt(pack, p)?.properties.id ?? null;
  const roadIds = new Set(roads.map((r) => r.properties.id));
  const wardIds = new Set(wards.map((w) => w.properties.id));
  const note = (id: string, what: string, from: string | null, to: string | null) => {
    if (from !== to) report.reassigned.push(`${id}: ${what} ${from ?? '(none)'} → ${to ?? '(none)'}`);
  };
  const outside = (id: string, p: LngLat, ward: string | null) => {
    if (ward === null) report.outside.push(`${id} at [${p.join(', ')}]`);
    return ward;
  };
  const nearestWard = (p: LngLat): string => {
    let best = wards[0]!.properties.id;
    let bestD = Infinity;
    for (const w of wards) {
      const ring = (w.geometry.type === 'Polygon' ? w.geometry.coordinates : w.geometry.coordinates[0]!)[0]!;
      for (const q of ring) {
        const d = distanceM(p, q as LngLat);
        if (d < bestD) [best, bestD] = [w.properties.id, d];
      }
    }
    return best;
  };

  const sites: SitesFile = {
    cameras: s.cameras.map((c) => {
      const wardId = outside(c.id, c.position, wardOf(c.position));
      // A camera keeps a road only if one of the imported roads passes within 60 m.
      const roadId = c.roadId !== null && roadIds.has(c.roadId) ? c.roadId : c.roadId === null ? null : nearestRoad(c.position, roads, 60);
      note(c.id, 'ward', c.wardId, wardId);
      note(c.id, 'road', c.roadId, roadId);
      return { ...c, wardId, roadId };
    }),
    stations: s.stations.map((st) => {
      const wardId = outside(st.id, st.position, wardOf(st.position));
      note(st.id, 'ward', st.wardId, wardId);
      return { ...st, wardId };
    }),
    units: s.units,
    // A video-conference point belongs to a ward: outside every ward it takes the nearest.
    vcPoints: s.vcPoints.map((v) => {
      const wardId = outside(v.id, v.position, wardOf(v.position)) ?? nearestWard(v.position);
      note(v.id, 'ward', v.wardId, wardId);
      return { ...v, wardId };
    }),
    // A link that ends at a ward (a fiber branch to the ward office) ends at the ward under that end now.
    links: s.links.map((l) => {
      const end = (id: string, p: LngLat) => (wardIds.has(id) || taken.has(id) ? id : (wardOf(p) ?? nearestWard(p)));
      const from = end(l.from, l.path[0]!);
      const to = end(l.to, l.path[l.path.length - 1]!);
      note(l.id, 'from', l.from, from);
      note(l.id, 'to', l.to, to);
      return { ...l, from, to };
    }),
  };

  const center: LngLat = [Math.round(((box[0] + box[2]) / 2) * 1e6) / 1e6, Math.round(((box[1] + box[3]) / 2) * 1e6) / 1e6];
  const span = Math.max(box[2] - box[0], box[3] - box[1]);
  const city: CityMeta = {
    ...input.meta,
    center,
    zoom: input.meta.zoom ?? Math.max(10, Math.min(16, Math.round(Math.log2(360 / span)))),
    bbox: box,
    // Imported from real boundaries and roads: the console stops calling the map a sketch.
    approximate: false,
  };
  return { city, wards: pack.wards, roads: pack.roads, sites, report };
}
