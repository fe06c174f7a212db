/**
 * Source features for the city-pack import, as GeoJSON in WGS84:
 *
 * - an OpenStreetMap extract (.osm.pbf, .osm) through Debian's `osmium-tool`:
 *   `osmium tags-filter` keeps the administrative boundaries and the main roads
 *   (with the ways and nodes they reference), `osmium export` assembles the
 *   boundary relations into (multi)polygons and writes GeoJSON sequences;
 * - the city's GIS: GeoJSON read as it is, anything else (a Shapefile, a
 *   GeoPackage…) through GDAL's `ogr2ogr`, reprojected to EPSG:4326.
 *
 * Both tools are installed by scripts/ensure-deps.mjs.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Feature, FeatureCollection } from 'geojson';

const run = promisify(execFile);

/** The road classes a console draws: what an officer dispatches along. */
export const OSM_ROAD_CLASSES = ['trunk', 'primary', 'secondary', 'tertiary'] as const;

export class ImportSourceError extends Error {}

async function tool(cmd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { maxBuffer: 1024 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new ImportSourceError(`${cmd} is not installed (apt-get install -y ${cmd === 'osmium' ? 'osmium-tool' : 'gdal-bin'}; npm test installs it)`);
    throw new ImportSourceError(`${cmd} failed: ${(e.stderr ?? e.message).trim().split('\n').slice(-3).join(' ')}`);
  }
}

/** Features of an OSM extract: wards (boundaries at `adminLevel`) and main roads. */
export async function readOsm(file: string, adminLevel: number): Promise<{ wards: Feature[]; roads: Feature[] }> {
  if (!fs.existsSync(file)) throw new ImportSourceError(`${file}: no such file`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-osm-'));
  try {
    const filtered = path.join(dir, 'filtered.osm.pbf');
    await tool('osmium', ['tags-filter', file, 'r/boundary=administrative', 'w/boundary=administrative', `w/highway=${OSM_ROAD_CLASSES.join(',')}`, '-o', filtered, '--overwrite']);
    const seq = await tool('osmium', ['export', filtered, '-f', 'geojsonseq', '--geometry-types=linestring,polygon', '-x', 'print_record_separator=false', '-a', 'type,id']);
    const wards: Feature[] = [];
    const roads: Feature[] = [];
    for (const line of seq.split('\n')) {
      if (!line.trim()) continue;
      const f = JSON.parse(line) as Feature;
      const p = f.properties ?? {};
      const poly = f.geometry?.type === 'Polygon' || f.geometry?.type === 'MultiPolygon';
      if (poly && p.boundary === 'administrative' && Number(p.admin_level) === adminLevel) wards.push(f);
      else if (!poly && (OSM_ROAD_CLASSES as readonly string[]).includes(String(p.highway))) roads.push(f);
    }
    return { wards, roads };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Features of one GIS layer: GeoJSON as it is, any other format GDAL reads through ogr2ogr.
 * `encoding` is a Shapefile's text encoding when its .cpg does not say (GDAL's names: UTF-8, CP1258…).
 */
export async function readGis(file: string, encoding?: string): Promise<Feature[]> {
  if (!fs.existsSync(file)) throw new ImportSourceError(`${file}: no such file`);
  let text: string;
  if (/\.(geo)?json$/i.test(file)) text = fs.readFileSync(file, 'utf8');
  else text = await tool('ogr2ogr', ['-f', 'GeoJSON', '-t_srs', 'EPSG:4326', '-lco', 'RFC7946=YES', ...(encoding ? ['-oo', `ENCODING=${encoding}`] : []), '/vsistdout/', file]);
  let fc: FeatureCollection;
  try {
    fc = JSON.parse(text) as FeatureCollection;
  } catch (err) {
    throw new ImportSourceError(`${file}: not GeoJSON (${(err as Error).message})`);
  }
  if (fc?.type !== 'FeatureCollection' || !Array.isArray(fc.features)) throw new ImportSourceError(`${file}: not a GeoJSON FeatureCollection`);
  return fc.features;
}
