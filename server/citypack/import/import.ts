/**
 * The city-pack import (npm run citypack:import, docs/city-pack.md): reads the
 * sources, builds the pack (./build.ts), writes it beside the target folder,
 * validates it with the same loader the server and the simulators use
 * (contract/citypack-load.ts), and only then puts it in place. A pack that does
 * not load is never written over a working one.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Feature } from 'geojson';
import { loadCityPack } from '../../../contract/citypack-load.js';
import { sitesFile, type SitesFile } from '../../../contract/citypack.js';
import { buildPack, OSM_FIELDS, type FieldMap, type Report } from './build.js';
import { readGis, readOsm } from './sources.js';

export type ImportSource = { kind: 'osm'; file: string; adminLevel: number } | { kind: 'gis'; wards: string; roads?: string; fields?: Partial<FieldMap>; encoding?: string };

export interface ImportOptions {
  source: ImportSource;
  /** The pack folder written (created when missing). */
  out: string;
  /** The sites.json whose devices are kept; default the one already in `out`. */
  sites?: string;
  id?: string;
  name?: string;
  nameEn?: string;
  attribution?: string;
  /** Douglas–Peucker tolerance in degrees; default 0.00005 (≈ 5 m). */
  tolerance?: number;
}

const GIS_FIELDS: FieldMap = {
  name: ['name:vi', 'name', 'NAME', 'ten', 'TEN', 'Ten'],
  nameEn: ['name:en', 'nameEn', 'NAME_EN'],
  id: ['id', 'ID', 'ma', 'MA'],
  population: ['population', 'POPULATION', 'dan_so', 'DAN_SO'],
  roadClass: ['class', 'highway', 'CLASS'],
  maxspeed: ['maxspeed', 'speedLimitKmh', 'MAXSPEED'],
};

const EMPTY_SITES: SitesFile = { cameras: [], stations: [], links: [], units: [], vcPoints: [] };

function readJsonIf(file: string): unknown {
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as unknown) : undefined;
}

export async function importCityPack(o: ImportOptions): Promise<{ dir: string; report: Report }> {
  const out = path.resolve(o.out);
  let wards: Feature[];
  let roads: Feature[];
  let fields: FieldMap;
  if (o.source.kind === 'osm') {
    ({ wards, roads } = await readOsm(o.source.file, o.source.adminLevel));
    fields = OSM_FIELDS;
    if (wards.length === 0) throw new Error(`${o.source.file}: no boundary=administrative with admin_level=${o.source.adminLevel} (try another --admin-level)`);
  } else {
    wards = await readGis(o.source.wards, o.source.encoding);
    roads = o.source.roads ? await readGis(o.source.roads, o.source.encoding) : [];
    fields = { ...GIS_FIELDS, ...Object.fromEntries(Object.entries(o.source.fields ?? {}).filter(([, v]) => v && v.length > 0)) };
    if (wards.length === 0) throw new Error(`${o.source.wards}: no features`);
  }

  const sitesPath = path.resolve(o.sites ?? path.join(out, 'sites.json'));
  const sitesRaw = readJsonIf(sitesPath);
  const sites = sitesRaw === undefined ? EMPTY_SITES : sitesFile.parse(sitesRaw);
  const prev = (readJsonIf(path.join(out, 'city.json')) ?? {}) as Partial<Record<'id' | 'name' | 'nameEn' | 'timezone' | 'attribution', string>> & { zoom?: number };
  const id = o.id ?? prev.id ?? path.basename(out);
  const built = buildPack({
    wards,
    roads,
    fields,
    sites,
    tolerance: o.tolerance ?? 0.00005,
    meta: {
      id,
      name: o.name ?? prev.name ?? id,
      nameEn: o.nameEn ?? prev.nameEn ?? o.name ?? prev.name ?? id,
      timezone: prev.timezone ?? 'Asia/Ho_Chi_Minh',
      attribution: o.attribution ?? (o.source.kind === 'osm' ? '© OpenStreetMap contributors (ODbL)' : (prev.attribution ?? 'City GIS')),
    },
  });

  // Written next to the target, loaded as the server would, then moved in file by file.
  const stage = `${out}.import-${process.pid}`;
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(stage, { recursive: true });
  const files: Record<string, unknown> = { 'city.json': built.city, 'wards.geojson': built.wards, 'roads.geojson': built.roads, 'sites.json': built.sites };
  try {
    for (const [name, data] of Object.entries(files)) fs.writeFileSync(path.join(stage, name), `${JSON.stringify(data, null, 1)}\n`);
    await loadCityPack(stage);
    fs.mkdirSync(out, { recursive: true });
    for (const name of Object.keys(files)) fs.renameSync(path.join(stage, name), path.join(out, name));
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
  return { dir: out, report: built.report };
}
