/**
 * A city pack with exactly the load generator's devices (load-cam-NNNNNN,
 * load-bs-NNNNNN: simulators/load.ts), so every load message is about a device
 * the registry knows. Wards and roads are test-town's; devices are spread on a
 * deterministic grid over its three wards.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TEST_CITY_PACK } from '../../contract/citypack-load.js';
import { loadDeviceId } from '../../simulators/load.js';
import { WORK } from './paths.js';

const X0 = 106.0005;
const X1 = 106.0295;
const Y0 = 10.0005;
const Y1 = 10.0095;

export function generateCityPack(devices: number): string {
  const dir = path.join(WORK, `citypack-${devices}`);
  if (fs.existsSync(path.join(dir, 'sites.json'))) return dir;
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['city.json', 'wards.geojson', 'roads.geojson']) fs.copyFileSync(path.join(TEST_CITY_PACK, f), path.join(dir, f));
  const cameras = Math.ceil(devices * 0.7);
  const side = Math.ceil(Math.sqrt(devices));
  const pos = (i: number): [number, number] => [
    Math.round((X0 + ((i % side) / side) * (X1 - X0)) * 1e6) / 1e6,
    Math.round((Y0 + (Math.floor(i / side) / side) * (Y1 - Y0)) * 1e6) / 1e6,
  ];
  const ward = (x: number) => (x < 106.01 ? 'tt-a' : x < 106.02 ? 'tt-b' : 'tt-c');
  const sites = {
    cameras: [] as unknown[],
    stations: [] as unknown[],
    links: [],
    units: [{ id: 'load-u-police', name: 'CSGT', kind: 'police_traffic', position: [106.011, 10.006] }],
    vcPoints: [],
  };
  for (let i = 0; i < devices; i++) {
    const id = loadDeviceId(i, cameras);
    const p = pos(i);
    if (i < cameras) sites.cameras.push({ id, name: id, position: p, roadId: i % 2 ? 'tt-main' : null, wardId: ward(p[0]), kind: 'traffic' });
    else sites.stations.push({ id, name: id, position: p, operator: 'Viettel', techs: ['4G'], radiusM: 300, wardId: ward(p[0]), sectorsDeg: [] });
  }
  fs.writeFileSync(path.join(dir, 'sites.json'), JSON.stringify(sites));
  return dir;
}
