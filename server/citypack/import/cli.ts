/**
 * npm run citypack:import -- --out DIR (--osm FILE [--admin-level N] | --wards FILE [--roads FILE]) [options]
 *
 * Builds a city pack from real boundaries and roads (docs/city-pack.md):
 *   --osm FILE           an OpenStreetMap extract (.osm.pbf or .osm); wards are the
 *                        boundary=administrative relations at --admin-level (default 8,
 *                        phường/xã before the 2025 reform; 6 for districts), roads the
 *                        trunk, primary, secondary and tertiary highways; names name:vi, then name
 *   --wards FILE         the city's GIS: GeoJSON, Shapefile (.shp) or anything ogr2ogr reads
 *   --roads FILE         roads from the city's GIS (optional)
 *   --name-field F,G     property names for the Vietnamese name (GIS; default name:vi,name,NAME,ten,TEN)
 *   --id-field, --population-field, --class-field, --name-en-field   likewise
 *   --encoding ENC       a Shapefile's text encoding when it has no .cpg (UTF-8, CP1258…)
 *   --sites FILE         the sites.json whose devices are kept (default DIR/sites.json)
 *   --id, --name, --name-en, --attribution   the city's id and names (default: DIR/city.json)
 *   --tolerance DEG      simplification tolerance in degrees (default 0.00005 ≈ 5 m; 0 = none)
 * The report goes to stdout: counts, devices reassigned, devices outside every ward.
 * Exit code 0 = written, 1 = failed (nothing written over DIR), 2 = usage.
 */
import { parseArgs } from 'node:util';
import { CityPackError } from '../../../contract/citypack-load.js';
import { importCityPack, type ImportSource } from './import.js';
import { ImportSourceError } from './sources.js';

const USAGE = 'usage: npm run citypack:import -- --out DIR (--osm FILE [--admin-level 8] | --wards FILE [--roads FILE]) [--sites FILE] [--name NAME] [--tolerance DEG]';

const list = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []);

async function main(): Promise<number> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      options: Object.fromEntries(
        ['out', 'osm', 'admin-level', 'wards', 'roads', 'sites', 'id', 'name', 'name-en', 'attribution', 'tolerance', 'name-field', 'name-en-field', 'id-field', 'population-field', 'class-field', 'encoding'].map((k) => [k, { type: 'string' as const }]),
      ),
    }) as { values: Record<string, string | undefined> });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (!values.out || (!values.osm === !values.wards)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const level = Number(values['admin-level'] ?? 8);
  const tolerance = values.tolerance === undefined ? undefined : Number(values.tolerance);
  if (!Number.isInteger(level) || level < 1 || level > 12 || (tolerance !== undefined && !(tolerance >= 0 && tolerance < 0.01))) {
    process.stderr.write(`--admin-level is a whole number 1-12, --tolerance degrees in [0, 0.01)\n${USAGE}\n`);
    return 2;
  }
  const source: ImportSource = values.osm
    ? { kind: 'osm', file: values.osm, adminLevel: level }
    : {
        kind: 'gis',
        wards: values.wards!,
        roads: values.roads,
        encoding: values.encoding,
        fields: { name: list(values['name-field']), nameEn: list(values['name-en-field']), id: list(values['id-field']), population: list(values['population-field']), roadClass: list(values['class-field']) },
      };
  try {
    const { dir, report } = await importCityPack({ source, out: values.out, sites: values.sites, id: values.id, name: values.name, nameEn: values['name-en'], attribution: values.attribution, tolerance });
    const lines = [
      `city pack written: ${dir}`,
      `wards: ${report.wards}, roads: ${report.roads}, vertices: ${report.vertices.before} → ${report.vertices.after} after simplification`,
      ...report.skipped.map((s) => `skipped ${s}`),
      `devices reassigned: ${report.reassigned.length}`,
      ...report.reassigned.map((s) => `  ${s}`),
      `devices outside every ward: ${report.outside.length}`,
      ...report.outside.map((s) => `  ${s}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } catch (err) {
    const known = err instanceof CityPackError || err instanceof ImportSourceError || err instanceof Error;
    process.stderr.write(`import failed: ${known ? (err as Error).message : String(err)}\n`);
    return 1;
  }
}

process.exitCode = await main();
