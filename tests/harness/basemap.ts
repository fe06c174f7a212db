/**
 * A basemap archive cut from a city pack's own GeoJSON, in the source layers a
 * Protomaps basemap style draws (earth, water, roads): land around the city,
 * a band of water along its north edge, beyond the wards (so a test can find
 * the basemap's colour where no city layer draws), and the pack's roads with
 * their Vietnamese names.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Feature, FeatureCollection, Polygon } from 'geojson';
import { basemapArchive } from './pmtiles.js';

/** The basemap's own street, along the water: every tone mark of it must render. */
export const RIVERSIDE = 'Đường Bờ Sông Ước Mơ';

export interface CityBasemap {
  file: string;
  /** [west, south, east, north] of the water band. */
  water: [number, number, number, number];
  /** [west, south, east, north] of a lake inside the first ward, away from its devices and roads. */
  lake: [number, number, number, number];
}

const box = ([w, s, e, n]: number[]): Polygon => ({ type: 'Polygon', coordinates: [[[w!, s!], [e!, s!], [e!, n!], [w!, n!], [w!, s!]]] });
const fc = (features: Feature[]): FeatureCollection => ({ type: 'FeatureCollection', features });

export function writeCityBasemap(packDir: string, file: string): CityBasemap {
  const read = <T>(f: string) => JSON.parse(fs.readFileSync(path.join(packDir, f), 'utf8')) as T;
  const city = read<{ bbox: [number, number, number, number]; center: [number, number] }>('city.json');
  const wards = read<FeatureCollection>('wards.geojson');
  const roads = read<FeatureCollection>('roads.geojson');
  const [w, s, e, n] = city.bbox;
  let top = s;
  for (const f of wards.features) for (const ring of (f.geometry as Polygon).coordinates) for (const [, lat] of ring) top = Math.max(top, lat!);
  const riverside = top + (n - top) * 0.1;
  const water: CityBasemap['water'] = [w - 0.05, top + (n - top) * 0.2, e + 0.05, n + 0.05];
  // A lake in the north-west corner of the first ward: under the ward's fill, outline and labels.
  const [lw, ls, le, ln] = (() => {
    let [a, b, c, d] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const [x, y] of (wards.features[0]!.geometry as Polygon).coordinates[0]!) [a, b, c, d] = [Math.min(a, x!), Math.min(b, y!), Math.max(c, x!), Math.max(d, y!)];
    return [a, b, c, d];
  })();
  const lake: CityBasemap['lake'] = [lw + (le - lw) * 0.2, ls + (ln - ls) * 0.65, lw + (le - lw) * 0.45, ls + (ln - ls) * 0.9];
  const archive = basemapArchive(
    {
      earth: fc([{ type: 'Feature', properties: { kind: 'earth' }, geometry: box([w - 0.1, s - 0.1, e + 0.1, n + 0.1]) }]),
      water: fc([
        { type: 'Feature', properties: { kind: 'water', name: 'Sông Thử' }, geometry: box(water) },
        { type: 'Feature', properties: { kind: 'water', name: 'Hồ Thử' }, geometry: box(lake) },
      ]),
      roads: fc([
        ...roads.features.map((r) => ({ ...r, properties: { id: r.properties?.id, kind: 'major_road', kind_detail: 'primary', name: r.properties?.name, 'name:vi': r.properties?.name, min_zoom: 0 } })),
        // A street only the basemap knows (real basemaps have many): its label is the basemap's own, not hidden behind ours.
        { type: 'Feature', properties: { id: 'riverside', kind: 'major_road', kind_detail: 'secondary', name: RIVERSIDE, 'name:vi': RIVERSIDE, min_zoom: 0 }, geometry: { type: 'LineString', coordinates: [[w, riverside], [e, riverside]] } },
      ]),
    },
    { minZoom: 0, maxZoom: 15, bounds: [w - 0.1, s - 0.1, e + 0.1, n + 0.1], center: city.center, centerZoom: 14 },
  );
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, archive);
  return { file, water, lake };
}
