/**
 * A city pack the size of a real city's boundaries (issue #24): `wards` wards on a
 * grid around the test town's centre, each ring with `vertices / wards` vertices
 * along wiggly edges (shared by neighbours, as imported boundaries are), and
 * stations and cameras spread over them. Deterministic, written once per size.
 */
import fs from 'node:fs';
import path from 'node:path';
import { WORK } from './paths.js';

const CENTER: [number, number] = [106.015, 10.005];

export function generateWardsPack(o: { wards: number; vertices: number; stations: number; cameras: number }): string {
  const dir = path.join(WORK, `citypack-wards-${o.wards}-${o.vertices}-${o.stations}-${o.cameras}`);
  if (fs.existsSync(path.join(dir, 'sites.json'))) return dir;
  fs.mkdirSync(dir, { recursive: true });
  const cols = Math.ceil(Math.sqrt(o.wards * 1.25));
  const rows = Math.ceil(o.wards / cols);
  // ~1 km² a ward, as the inner wards of a large Vietnamese city.
  const dx = 0.0095;
  const dy = 0.009;
  const x0 = CENTER[0] - (cols * dx) / 2;
  const y0 = CENTER[1] - (rows * dy) / 2;
  const perEdge = Math.max(2, Math.floor(o.vertices / o.wards / 4));
  const r6 = (v: number) => Math.round(v * 1e6) / 1e6;
  // An edge's wiggle depends only on the edge's own line and position: both neighbours draw the same one.
  const vEdge = (i: number, y: number) => r6(x0 + i * dx + 0.0012 * Math.sin(y * 2100 + i * 1.7) * Math.sin(y * 377));
  const hEdge = (j: number, x: number) => r6(y0 + j * dy + 0.0012 * Math.sin(x * 1900 + j * 2.3) * Math.sin(x * 411));
  const features = [];
  for (let k = 0; k < o.wards; k++) {
    const i = k % cols;
    const j = Math.floor(k / cols);
    const ring: number[][] = [];
    const t = (n: number) => n / perEdge;
    for (let n = 0; n < perEdge; n++) ring.push([r6(x0 + (i + t(n)) * dx), hEdge(j, x0 + (i + t(n)) * dx)]);
    for (let n = 0; n < perEdge; n++) ring.push([vEdge(i + 1, y0 + (j + t(n)) * dy), r6(y0 + (j + t(n)) * dy)]);
    for (let n = 0; n < perEdge; n++) ring.push([r6(x0 + (i + 1 - t(n)) * dx), hEdge(j + 1, x0 + (i + 1 - t(n)) * dx)]);
    for (let n = 0; n < perEdge; n++) ring.push([vEdge(i, y0 + (j + 1 - t(n)) * dy), r6(y0 + (j + 1 - t(n)) * dy)]);
    ring.push([...ring[0]!]);
    features.push({ type: 'Feature', properties: { id: `w-${k}`, name: `Phường ${k + 1}`, nameEn: `Ward ${k + 1}`, kind: 'ward', population: 20000 }, geometry: { type: 'Polygon', coordinates: [ring] } });
  }
  const pad = 0.01;
  const bbox = [r6(x0 - pad), r6(y0 - pad), r6(x0 + cols * dx + pad), r6(y0 + rows * dy + pad)];
  // A deterministic scatter (golden-ratio sequence) over the grid.
  const at = (n: number, salt: number): [number, number] => [r6(x0 + ((n * 0.618034 + salt) % 1) * cols * dx), r6(y0 + ((n * 0.754878 + salt / 2) % 1) * rows * dy)];
  const sites = {
    stations: Array.from({ length: o.stations }, (_, n) => ({ id: `wb-bs-${n}`, name: `BTS ${n}`, position: at(n, 0.1), operator: 'Viettel', techs: ['4G'], radiusM: 600, wardId: null, sectorsDeg: [] })),
    cameras: Array.from({ length: o.cameras }, (_, n) => ({ id: `wb-cam-${n}`, name: `Camera ${n}`, position: at(n, 0.37), roadId: null, wardId: null, kind: 'traffic' })),
    links: [],
    units: [{ id: 'wb-u-police', name: 'CSGT', kind: 'police_traffic', position: CENTER }],
    vcPoints: [],
  };
  fs.writeFileSync(path.join(dir, 'city.json'), JSON.stringify({ id: 'wards-bench', name: 'Thành phố Thử', nameEn: 'Bench City', center: CENTER, zoom: 12, bbox, approximate: false, attribution: 'Synthetic benchmark city' }));
  fs.writeFileSync(path.join(dir, 'wards.geojson'), JSON.stringify({ type: 'FeatureCollection', features }));
  fs.writeFileSync(path.join(dir, 'roads.geojson'), JSON.stringify({ type: 'FeatureCollection', features: [] }));
  fs.writeFileSync(path.join(dir, 'sites.json'), JSON.stringify(sites));
  return dir;
}
