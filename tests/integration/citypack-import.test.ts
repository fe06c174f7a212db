/**
 * The city's own map (issue #24), end to end:
 *
 * - `npm run citypack:import` on a small OpenStreetMap extract written here (wards
 *   as boundary relations and a closed way, a district to leave out, main roads and
 *   a residential street to leave out) through osmium; and on a Shapefile written
 *   here with ogr2ogr in UTM 48N, with its own field names, through GDAL. Both keep
 *   the test town's devices, reassign their wards by position, report the device
 *   outside every ward, and write a pack the loader accepts with approximate: false;
 * - the imported pack starts the server and the simulators; an incident gets its
 *   ward from the imported polygons;
 * - the basemap archive (BASEMAP_PMTILES) is served behind the session with Range
 *   requests: 206 with Content-Range, 304 on its ETag, 416 past the end, 401 without a session.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CityPack, Incident } from '../../contract/index.js';
import { topics } from '../../contract/index.js';
import { loadCityPack, TEST_CITY_PACK } from '../../contract/citypack-load.js';
import { importCityPack } from '../../server/citypack/import/import.js';
import { startSimulation, type Simulation } from '../../simulators/index.js';
import { bearer } from '../harness/auth.js';
import { writeCityBasemap } from '../harness/basemap.js';
import { REPO_ROOT } from '../harness/console.js';
import { startAppStack, type AppStack } from '../harness/stack.js';
import { waitFor } from '../harness/wait.js';

const run = promisify(execFile);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-import-'));

/** A copy of the test town (its devices and city.json), to import over. */
function townCopy(name: string): string {
  const dir = path.join(tmp, name);
  fs.cpSync(TEST_CITY_PACK, dir, { recursive: true });
  return dir;
}

/**
 * West ward: a boundary relation of two ways, with a wiggly northern edge of 40 nodes
 * (simplification must thin it); east ward: a closed way; both admin_level 8 and with
 * name:vi beside an English-only name. The east ward stops at lon 106.026, so station
 * tt-bs-c2 (106.027) is in no ward. A district (level 6) wraps both.
 */
function osmFixture(): string {
  const nodes: string[] = [];
  let n = 0;
  const node = (lon: number, lat: number) => {
    nodes.push(`<node id="${++n}" version="1" lat="${lat}" lon="${lon}"/>`);
    return n;
  };
  const nd = (ids: number[]) => ids.map((i) => `<nd ref="${i}"/>`).join('');
  const tags = (t: Record<string, string>) => Object.entries(t).map(([k, v]) => `<tag k="${k}" v="${v}"/>`).join('');
  const sw = node(106.0, 10.0);
  const s = node(106.016, 10.0);
  const ne = node(106.016, 10.01);
  const wiggle = Array.from({ length: 40 }, (_, i) => node(106.016 - ((i + 1) * 0.016) / 41, 10.01 + (i % 2 ? 0.000005 : -0.000005)));
  const nw = node(106.0, 10.01);
  const e1 = node(106.026, 10.0);
  const e2 = node(106.026, 10.01);
  const d = [node(105.99, 9.99), node(106.04, 9.99), node(106.04, 10.02), node(105.99, 10.02)];
  const r = [node(105.99, 10.005), node(106.01, 10.0052), node(106.05, 10.005)];
  const c = [node(106.015, 9.999), node(106.015, 10.009)];
  const res = [node(106.004, 10.002), node(106.006, 10.002)];
  const ways = [
    `<way id="1" version="1">${nd([sw, s, ne])}</way>`,
    `<way id="2" version="1">${nd([ne, ...wiggle, nw, sw])}</way>`,
    `<way id="3" version="1">${nd([s, e1, e2, ne, s])}${tags({ boundary: 'administrative', admin_level: '8', name: 'Phuong Dong', 'name:vi': 'Phường Đông', population: '4200' })}</way>`,
    `<way id="4" version="1">${nd([...d, d[0]!])}</way>`,
    `<way id="5" version="1">${nd(r)}${tags({ highway: 'primary', name: 'Le Loi Street', 'name:vi': 'Đường Lê Lợi', maxspeed: '50' })}</way>`,
    `<way id="6" version="1">${nd(c)}${tags({ highway: 'tertiary', name: 'Đường Hai Bà Trưng' })}</way>`,
    `<way id="7" version="1">${nd(res)}${tags({ highway: 'residential', name: 'Hẻm 5' })}</way>`,
  ];
  const rels = [
    `<relation id="1" version="1"><member type="way" ref="1" role="outer"/><member type="way" ref="2" role="outer"/>${tags({ type: 'boundary', boundary: 'administrative', admin_level: '8', name: 'Phuong Tay', 'name:vi': 'Phường Tây' })}</relation>`,
    `<relation id="2" version="1"><member type="way" ref="4" role="outer"/>${tags({ type: 'boundary', boundary: 'administrative', admin_level: '6', name: 'Quận Thử' })}</relation>`,
  ];
  const file = path.join(tmp, 'town.osm');
  fs.writeFileSync(file, `<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">\n${[...nodes, ...ways, ...rels].join('\n')}\n</osm>\n`);
  return file;
}

/** The city's GIS: wards with Vietnamese field names, as a Shapefile in UTM 48N (EPSG:32648). */
async function shapefileFixture(): Promise<string> {
  const ward = (ma: string, ten: string, w: number, e: number, danSo: number) => ({
    type: 'Feature',
    properties: { MA: ma, TEN: ten, DAN_SO: danSo },
    geometry: { type: 'Polygon', coordinates: [[[w, 10.0], [e, 10.0], [e, 10.01], [w, 10.01], [w, 10.0]]] },
  });
  const src = path.join(tmp, 'wards-src.geojson');
  fs.writeFileSync(src, JSON.stringify({ type: 'FeatureCollection', features: [ward('P01', 'Phường Mỹ Hương', 106.0, 106.012, 3100), ward('P02', 'Xã Thành Hải', 106.012, 106.03, 5200)] }));
  const shp = path.join(tmp, 'gis', 'phuong.shp');
  fs.mkdirSync(path.dirname(shp), { recursive: true });
  await run('ogr2ogr', ['-f', 'ESRI Shapefile', '-s_srs', 'EPSG:4326', '-t_srs', 'EPSG:32648', '-lco', 'ENCODING=UTF-8', shp, src]);
  return shp;
}

const ids = (pack: CityPack) => pack.wards.features.map((f) => f.properties.id).sort();

let osmPack: string;
let osmReport: string;
let stack: AppStack;
let sim: Simulation | undefined;
let basemapFile: string;

beforeAll(async () => {
  osmPack = townCopy('osm-town');
  const cli = await run('npx', ['tsx', 'server/citypack/import/cli.ts', '--out', osmPack, '--osm', osmFixture(), '--admin-level', '8', '--name', 'Thị trấn Nhập'], { cwd: REPO_ROOT });
  osmReport = cli.stdout;
  basemapFile = writeCityBasemap(osmPack, path.join(tmp, 'basemap.pmtiles')).file;
  stack = await startAppStack({ env: { CITY_PACK: osmPack, BASEMAP_PMTILES: basemapFile } });
}, 60_000);
afterAll(async () => {
  await sim?.stop();
  await stack?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('npm run citypack:import (issue #24)', () => {
  it('imports an OSM extract: wards at the admin level, main roads, Vietnamese names, devices kept and reassigned, the outsider reported', async () => {
    const pack = await loadCityPack(osmPack);
    expect(ids(pack)).toEqual(['phuong-dong', 'phuong-tay']);
    const byId = Object.fromEntries(pack.wards.features.map((f) => [f.properties.id, f.properties]));
    expect(byId['phuong-tay']).toMatchObject({ name: 'Phường Tây', nameEn: 'Phuong Tay', kind: 'ward' });
    expect(byId['phuong-dong']).toMatchObject({ name: 'Phường Đông', population: 4200 });
    expect(pack.roads.features.map((r) => [r.properties.name, r.properties.class, r.properties.speedLimitKmh]).sort()).toEqual([
      ['Đường Hai Bà Trưng', 'local', 40],
      ['Đường Lê Lợi', 'provincial', 50],
    ]);
    // The road leaving the city is cut at the city's box.
    const leLoi = pack.roads.features.find((r) => r.properties.name === 'Đường Lê Lợi')!;
    expect(Math.max(...leLoi.geometry.coordinates.map((p) => p[0]!))).toBeLessThanOrEqual(pack.meta.bbox[2]);
    // The wiggly edge is simplified away: a square's ring again.
    const tay = pack.wards.features.find((f) => f.properties.id === 'phuong-tay')!;
    expect(tay.geometry.type === 'Polygon' && tay.geometry.coordinates[0]!.length).toBeLessThanOrEqual(6);
    expect(pack.meta).toMatchObject({ approximate: false, name: 'Thị trấn Nhập', attribution: '© OpenStreetMap contributors (ODbL)' });

    // Every device kept; wards by position; the camera on the main road keeps a road.
    const town = await loadCityPack(TEST_CITY_PACK);
    expect(pack.sites.cameras.map((c) => c.id)).toEqual(town.sites.cameras.map((c) => c.id));
    const cam = (id: string) => pack.sites.cameras.find((c) => c.id === id)!;
    expect(cam('tt-cam-1')).toMatchObject({ wardId: 'phuong-tay', roadId: leLoi.properties.id });
    expect(cam('tt-cam-3').wardId).toBe('phuong-dong');
    expect(pack.sites.stations.find((s) => s.id === 'tt-bs-c2')!.wardId).toBeNull();
    expect(pack.sites.links.find((l) => l.id === 'tt-fo-a')!.to).toBe('phuong-tay');
    expect(osmReport).toMatch(/wards: 2, roads: 2/);
    expect(osmReport).toMatch(/devices outside every ward: 1\n\s+tt-bs-c2 at \[106\.027, 10\.006\]/);
  });

  it('imports the city GIS from a Shapefile in another projection, with its own field names', async () => {
    const out = townCopy('gis-town');
    const { report } = await importCityPack({ source: { kind: 'gis', wards: await shapefileFixture(), fields: { id: ['MA'], name: ['TEN'], population: ['DAN_SO'] } }, out, attribution: 'Sở TN&MT' });
    const pack = await loadCityPack(out);
    expect(pack.wards.features.map((f) => f.properties).sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: 'p01', name: 'Phường Mỹ Hương', nameEn: 'Phuong My Huong', kind: 'ward', population: 3100 },
      { id: 'p02', name: 'Xã Thành Hải', nameEn: 'Xa Thanh Hai', kind: 'commune', population: 5200 },
    ]);
    // Back from UTM to within a few centimetres.
    const ring = (pack.wards.features[0]!.geometry as { coordinates: number[][][] }).coordinates[0]!;
    expect(ring.some(([x, y]) => Math.abs(x! - 106.012) < 1e-6 && Math.abs(y! - 10.01) < 1e-6)).toBe(true);
    expect(pack.meta).toMatchObject({ approximate: false, attribution: 'Sở TN&MT' });
    expect(pack.roads.features).toEqual([]);
    expect(report.outside).toEqual([]);
    expect(pack.sites.stations.find((s) => s.id === 'tt-bs-c2')!.wardId).toBe('p02');
  });

  it('refuses bad input with a clear message and leaves the pack as it was', async () => {
    const out = townCopy('bad-town');
    const before = fs.readFileSync(path.join(out, 'wards.geojson'), 'utf8');
    const fail = await run('npx', ['tsx', 'server/citypack/import/cli.ts', '--out', out, '--osm', path.join(tmp, 'town.osm'), '--admin-level', '4'], { cwd: REPO_ROOT }).catch((e: { code: number; stderr: string }) => e);
    expect(fail).toMatchObject({ code: 1 });
    expect((fail as { stderr: string }).stderr).toMatch(/no boundary=administrative with admin_level=4/);
    const nameless = path.join(tmp, 'nameless.geojson');
    fs.writeFileSync(nameless, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[[106, 10], [106.01, 10], [106.01, 10.01], [106, 10]]] } }] }));
    await expect(importCityPack({ source: { kind: 'gis', wards: nameless }, out })).rejects.toThrow(/no ward to import: none of the 1 features has a name/);
    expect(fs.readFileSync(path.join(out, 'wards.geojson'), 'utf8')).toBe(before);
  });
});

describe('the imported pack in the running console', () => {
  it('starts the server and the simulators on it, and an incident takes its ward from the imported polygons', async () => {
    const { app } = stack;
    const token = await app.token('duty_officer');
    const served = (await (await fetch(`${app.url}/api/citypack`, { headers: bearer(token) })).json()) as CityPack;
    expect(ids(served)).toEqual(['phuong-dong', 'phuong-tay']);
    expect(served.meta.approximate).toBe(false);

    sim = await startSimulation({ mqttUrl: stack.broker.url, pack: await loadCityPack(osmPack), scenario: 'normal-day', seed: 5, speed: 30, logger: pino({ level: 'silent' }) });
    await waitFor(
      async () => {
        const d = (await (await fetch(`${app.url}/api/devices`, { headers: bearer(token) })).json()) as { cameras: { state: string }[]; stations: { state: string }[] };
        return d.cameras.length === 5 && d.cameras.every((c) => c.state === 'online') && d.stations.every((s) => s.state === 'up');
      },
      { timeoutMs: 15_000, message: 'every simulated device reporting' },
    );

    await stack.send(topics.incidentReport('citizen-app'), 'citizen-app', {
      channel: 'citizen_app', type: 'flood', severity: 'minor', lat: 10.004, lon: 106.02, address: 'Đường Lê Lợi', description: 'Ngập', externalRef: 'APP-24-1',
    });
    const incident = await waitFor(
      async () => {
        const body = (await (await fetch(`${app.url}/api/incidents`, { headers: bearer(token) })).json()) as { data: Incident[] };
        return body.data.find((i) => JSON.stringify(i).includes('APP-24-1'));
      },
      { timeoutMs: 10_000, message: 'the incident reported' },
    );
    expect(incident.wardId).toBe('phuong-dong');
  });

  it('serves the basemap archive in ranges, behind the session, with its validators', async () => {
    const { app } = stack;
    const url = `${app.url}/api/basemap.pmtiles`;
    const size = fs.statSync(basemapFile).size;
    const auth = bearer(await app.token('duty_officer'));
    expect((await fetch(url, { headers: { range: 'bytes=0-126' } })).status).toBe(401);
    expect((await fetch(url, { headers: { ...bearer(await app.token('wall')), range: 'bytes=0-126' } })).status).toBe(206);

    const head = await fetch(url, { headers: { ...auth, range: 'bytes=0-126' } });
    expect(head.status).toBe(206);
    expect(head.headers.get('content-range')).toBe(`bytes 0-126/${size}`);
    expect(head.headers.get('accept-ranges')).toBe('bytes');
    expect(head.headers.get('cache-control')).toBe('private, no-cache');
    const etag = head.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(head.headers.get('last-modified')).toBeTruthy();
    const bytes = Buffer.from(await head.arrayBuffer());
    expect(bytes.subarray(0, 7).toString()).toBe('PMTiles');
    expect(bytes[7]).toBe(3);

    // (fetch itself adds `cache-control: no-cache` to a conditional request, which asks the server to ignore it: a cache's revalidation sends max-age=0.)
    expect((await fetch(url, { headers: { ...auth, range: 'bytes=0-126', 'if-none-match': etag, 'cache-control': 'max-age=0' } })).status).toBe(304);
    const past = await fetch(url, { headers: { ...auth, range: `bytes=${size + 10}-${size + 20}` } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${size}`);
    const whole = await fetch(url, { headers: auth });
    expect(whole.status).toBe(200);
    expect((await whole.arrayBuffer()).byteLength).toBe(size);
  });
});
