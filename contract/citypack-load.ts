/**
 * Load and validate a city pack folder (format: contract/citypack.ts, docs/city-pack.md).
 *
 * Every file is parsed with the contract's zod schemas, then cross-checked: ids are
 * unique across the whole pack, every reference resolves, rings are closed and every
 * position lies inside the city's bbox. A pack is operator-supplied data, so each
 * failure names the file and the offending feature/field: the operator must be able
 * to fix it without reading this code.
 *
 * In contract/ because the server and the simulators both load packs, and neither imports
 * the other. Node only (it reads files): the client never imports it.
 */
import { ROOT } from './root.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import {
  cityMeta,
  roadProps,
  sitesFile,
  wardProps,
  type CityMeta,
  type CityPack,
  type RoadFeature,
  type SitesFile,
  type WardFeature,
} from './citypack.js';

const REPO_ROOT = ROOT;

/** The pack used when CITY_PACK is not set. */
export const DEFAULT_CITY_PACK = path.join(REPO_ROOT, 'citypacks', 'phan-rang-thap-cham');
/** The small pack unit/integration tests reason about. */
export const TEST_CITY_PACK = path.join(REPO_ROOT, 'citypacks', 'test-town');

export class CityPackError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'CityPackError';
  }
}

type Bbox = [number, number, number, number];

/** Paths relative to the repo when inside it (short, stable messages); absolute otherwise. */
function displayPath(file: string): string {
  const rel = path.relative(REPO_ROOT, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

/** `cameras[3].wardId` style path from a zod issue path. */
function fieldPath(prefix: string, p: readonly PropertyKey[]): string {
  let out = prefix;
  for (const k of p) out += typeof k === 'number' ? `[${k}]` : out ? `.${String(k)}` : String(k);
  return out || '(root)';
}

function parseWith<S extends z.ZodType>(schema: S, value: unknown, file: string, prefix: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new CityPackError(file, `${fieldPath(prefix, issue.path)}: ${issue.message}`);
}

async function readJson(dir: string, name: string): Promise<{ file: string; data: unknown }> {
  const full = path.join(dir, name);
  const file = displayPath(full);
  let text: string;
  try {
    text = await readFile(full, 'utf8');
  } catch (err) {
    throw new CityPackError(file, `cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    return { file, data: JSON.parse(text) as unknown };
  } catch (err) {
    throw new CityPackError(file, `invalid JSON: ${(err as Error).message}`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkPosition(p: unknown, bbox: Bbox, file: string, where: string): [number, number] {
  if (!Array.isArray(p) || p.length < 2 || typeof p[0] !== 'number' || typeof p[1] !== 'number' || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
    throw new CityPackError(file, `${where}: not a [lon, lat] position`);
  }
  const [lon, lat] = p as [number, number];
  if (lon < bbox[0] || lon > bbox[2] || lat < bbox[1] || lat > bbox[3]) {
    throw new CityPackError(file, `${where}: [${lon}, ${lat}] is outside the city bbox [${bbox.join(', ')}] in city.json`);
  }
  return [lon, lat];
}

function checkRing(ring: unknown, bbox: Bbox, file: string, where: string): number[][] {
  if (!Array.isArray(ring) || ring.length < 4) throw new CityPackError(file, `${where}: a polygon ring needs at least 4 positions`);
  const pts = ring.map((p, i) => checkPosition(p, bbox, file, `${where}[${i}]`));
  const a = pts[0]!;
  const b = pts[pts.length - 1]!;
  if (a[0] !== b[0] || a[1] !== b[1]) throw new CityPackError(file, `${where}: polygon ring is not closed (first position differs from last)`);
  return pts;
}

function featureList(data: unknown, file: string): unknown[] {
  if (!isRecord(data) || data.type !== 'FeatureCollection' || !Array.isArray(data.features)) {
    throw new CityPackError(file, 'not a GeoJSON FeatureCollection with a "features" array');
  }
  return data.features;
}

function parseWards(data: unknown, file: string, bbox: Bbox): WardFeature[] {
  return featureList(data, file).map((f, i) => {
    const where = `features[${i}]`;
    if (!isRecord(f) || f.type !== 'Feature' || !isRecord(f.geometry)) throw new CityPackError(file, `${where}: not a GeoJSON Feature with a geometry`);
    const properties = parseWith(wardProps, f.properties, file, `${where}.properties`);
    const g = f.geometry;
    const label = `${where} (${properties.id}).geometry.coordinates`;
    if (g.type === 'Polygon' && Array.isArray(g.coordinates) && g.coordinates.length > 0) {
      const coordinates = g.coordinates.map((r, k) => checkRing(r, bbox, file, `${label}[${k}]`));
      return { type: 'Feature', properties, geometry: { type: 'Polygon', coordinates } };
    }
    if (g.type === 'MultiPolygon' && Array.isArray(g.coordinates) && g.coordinates.length > 0) {
      const coordinates = g.coordinates.map((poly, j) => {
        if (!Array.isArray(poly) || poly.length === 0) throw new CityPackError(file, `${label}[${j}]: empty polygon`);
        return poly.map((r, k) => checkRing(r, bbox, file, `${label}[${j}][${k}]`));
      });
      return { type: 'Feature', properties, geometry: { type: 'MultiPolygon', coordinates } };
    }
    throw new CityPackError(file, `${where} (${properties.id}).geometry: expected a non-empty Polygon or MultiPolygon`);
  });
}

function parseRoads(data: unknown, file: string, bbox: Bbox): RoadFeature[] {
  return featureList(data, file).map((f, i) => {
    const where = `features[${i}]`;
    if (!isRecord(f) || f.type !== 'Feature' || !isRecord(f.geometry)) throw new CityPackError(file, `${where}: not a GeoJSON Feature with a geometry`);
    const properties = parseWith(roadProps, f.properties, file, `${where}.properties`);
    const g = f.geometry;
    if (g.type !== 'LineString' || !Array.isArray(g.coordinates) || g.coordinates.length < 2) {
      throw new CityPackError(file, `${where} (${properties.id}).geometry: expected a LineString with at least 2 positions`);
    }
    const coordinates = g.coordinates.map((p, k) => checkPosition(p, bbox, file, `${where} (${properties.id}).geometry.coordinates[${k}]`));
    return { type: 'Feature', properties, geometry: { type: 'LineString', coordinates } };
  });
}

function checkSites(sites: SitesFile, file: string, bbox: Bbox, wardIds: Set<string>, roadIds: Set<string>): void {
  const wardRef = (v: string | null, where: string) => {
    if (v !== null && !wardIds.has(v)) throw new CityPackError(file, `${where} "${v}" is not a ward in wards.geojson`);
  };
  sites.cameras.forEach((c, i) => {
    checkPosition(c.position, bbox, file, `cameras[${i}].position`);
    if (c.roadId !== null && !roadIds.has(c.roadId)) throw new CityPackError(file, `cameras[${i}].roadId "${c.roadId}" is not a road in roads.geojson`);
    wardRef(c.wardId, `cameras[${i}].wardId`);
  });
  sites.stations.forEach((s, i) => {
    checkPosition(s.position, bbox, file, `stations[${i}].position`);
    wardRef(s.wardId, `stations[${i}].wardId`);
  });
  sites.units.forEach((u, i) => checkPosition(u.position, bbox, file, `units[${i}].position`));
  sites.vcPoints.forEach((v, i) => {
    checkPosition(v.position, bbox, file, `vcPoints[${i}].position`);
    wardRef(v.wardId, `vcPoints[${i}].wardId`);
  });
  // Link endpoints may name any site or a ward (a fiber branch ends at the ward office).
  const endpoints = new Set<string>([...wardIds, ...sites.cameras.map((c) => c.id), ...sites.stations.map((s) => s.id), ...sites.units.map((u) => u.id), ...sites.vcPoints.map((v) => v.id)]);
  sites.links.forEach((l, i) => {
    for (const end of ['from', 'to'] as const) {
      if (!endpoints.has(l[end])) throw new CityPackError(file, `links[${i}].${end} "${l[end]}" is neither a site in sites.json nor a ward in wards.geojson`);
    }
    l.path.forEach((p, k) => checkPosition(p, bbox, file, `links[${i}].path[${k}]`));
  });
}

/** One id space for the whole pack: ids become topic segments and map feature ids. */
function checkUniqueIds(groups: { file: string; label: string; ids: string[] }[]): void {
  const seen = new Map<string, string>();
  for (const g of groups) {
    g.ids.forEach((id, i) => {
      const where = `${g.label}[${i}]`;
      const prev = seen.get(id);
      if (prev) throw new CityPackError(g.file, `${where}: duplicate id "${id}" (already used by ${prev})`);
      seen.set(id, `${g.file} ${where}`);
    });
  }
}

export async function loadCityPack(dir: string): Promise<CityPack> {
  const root = path.resolve(dir);
  const city = await readJson(root, 'city.json');
  const meta: CityMeta = parseWith(cityMeta, city.data, city.file, '');
  const [w, s, e, n] = meta.bbox;
  if (!(w < e && s < n)) throw new CityPackError(city.file, `bbox [${meta.bbox.join(', ')}] must be [west, south, east, north] with west < east and south < north`);
  const bbox: Bbox = [w, s, e, n];
  checkPosition(meta.center, bbox, city.file, 'center');

  const [wardsJson, roadsJson, sitesJson] = await Promise.all([readJson(root, 'wards.geojson'), readJson(root, 'roads.geojson'), readJson(root, 'sites.json')]);
  const wards = parseWards(wardsJson.data, wardsJson.file, bbox);
  const roads = parseRoads(roadsJson.data, roadsJson.file, bbox);
  const sites = parseWith(sitesFile, sitesJson.data, sitesJson.file, '');
  if (wards.length === 0) throw new CityPackError(wardsJson.file, 'a pack needs at least one ward');

  checkUniqueIds([
    { file: wardsJson.file, label: 'features', ids: wards.map((f) => f.properties.id) },
    { file: roadsJson.file, label: 'features', ids: roads.map((f) => f.properties.id) },
    { file: sitesJson.file, label: 'cameras', ids: sites.cameras.map((c) => c.id) },
    { file: sitesJson.file, label: 'stations', ids: sites.stations.map((c) => c.id) },
    { file: sitesJson.file, label: 'links', ids: sites.links.map((c) => c.id) },
    { file: sitesJson.file, label: 'units', ids: sites.units.map((c) => c.id) },
    { file: sitesJson.file, label: 'vcPoints', ids: sites.vcPoints.map((c) => c.id) },
  ]);
  checkSites(sites, sitesJson.file, bbox, new Set(wards.map((f) => f.properties.id)), new Set(roads.map((f) => f.properties.id)));

  return {
    meta,
    wards: { type: 'FeatureCollection', features: wards },
    roads: { type: 'FeatureCollection', features: roads },
    sites,
  };
}
