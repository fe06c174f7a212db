/**
 * Extract Vietnam (ISO 3166 numeric "704") from world-atlas (Natural Earth, 1:50m)
 * into citypacks/vietnam-outline.geojson, which the console may draw as context.
 * Coordinates are rounded to 3 decimals (~100 m): plenty for a backdrop and keeps
 * the committed file small. Run: npx tsx scripts/build-vietnam-outline.ts
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { feature } from 'topojson-client';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'citypacks', 'vietnam-outline.geojson');

type Topology = Parameters<typeof feature>[0];
const topo = JSON.parse(await readFile(require.resolve('world-atlas/countries-50m.json'), 'utf8')) as Topology;
const countries = feature(topo, topo.objects.countries!) as unknown as { features: { id?: string | number; geometry: { type: string } }[] };
const vn = countries.features.find((f) => f.id === '704');
if (!vn) throw new Error('Vietnam (704) not found in world-atlas/countries-50m.json');

const round = (v: unknown): unknown => (typeof v === 'number' ? Math.round(v * 1000) / 1000 : Array.isArray(v) ? v.map(round) : v);
const out = {
  type: 'FeatureCollection',
  features: [
    {
      type: 'Feature',
      id: '704',
      properties: { name: 'Việt Nam', nameEn: 'Vietnam', source: 'Natural Earth 1:50m via world-atlas (ISC)' },
      geometry: { type: vn.geometry.type, coordinates: round((vn.geometry as { coordinates: unknown }).coordinates) },
    },
  ],
};
await writeFile(OUT, JSON.stringify(out) + '\n');
process.stderr.write(`wrote ${path.relative(ROOT, OUT)}\n`);
