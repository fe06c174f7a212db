import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CityPackError, DEFAULT_CITY_PACK, TEST_CITY_PACK, loadCityPack } from '../../contract/citypack-load.js';
import { wardContains } from '../../simulators/geo.js';

describe('loadCityPack: shipped packs', () => {
  it('loads the default Phan Rang–Tháp Chàm pack with its wards, roads and sites', async () => {
    const pack = await loadCityPack(DEFAULT_CITY_PACK);
    expect(pack.meta.id).toBe('phan-rang-thap-cham');
    expect(pack.meta.approximate).toBe(true);
    const wards = pack.wards.features.map((f) => f.properties);
    expect(wards).toHaveLength(16);
    expect(wards.filter((w) => w.kind === 'commune').map((w) => w.name)).toEqual(['Xã Thành Hải']);
    const population = wards.reduce((s, w) => s + w.population, 0);
    expect(population).toBeGreaterThan(150_000);
    expect(population).toBeLessThan(190_000);
    expect(pack.roads.features.map((r) => r.properties.id)).toEqual(expect.arrayContaining(['ql1a', 'ql27', 'duong-16-4', 'thong-nhat']));
    expect(pack.sites.cameras.length).toBeGreaterThanOrEqual(35);
    expect(pack.sites.stations.length).toBeGreaterThanOrEqual(25);
    expect(new Set(pack.sites.stations.map((s) => s.operator))).toEqual(new Set(['Viettel', 'VNPT', 'MobiFone']));
    // One fiber branch per ward/commune, plus a backbone ring.
    const communeTargets = pack.sites.links.filter((l) => l.kind === 'commune').map((l) => l.to);
    expect(new Set(communeTargets)).toEqual(new Set(wards.map((w) => w.id)));
    expect(pack.sites.links.filter((l) => l.kind === 'backbone').length).toBeGreaterThanOrEqual(3);
    expect(new Set(pack.sites.units.map((u) => u.kind))).toEqual(new Set(['police_traffic', 'security', 'fire', 'ambulance', 'telecom_crew']));
    expect(new Set(pack.sites.vcPoints.map((v) => v.wardId))).toEqual(new Set(wards.map((w) => w.id)));
  });

  it('places every camera, station and ward office inside the ward it names', async () => {
    for (const dir of [DEFAULT_CITY_PACK, TEST_CITY_PACK]) {
      const pack = await loadCityPack(dir);
      const ward = (id: string | null) => pack.wards.features.find((w) => w.properties.id === id)!;
      for (const s of [...pack.sites.cameras, ...pack.sites.stations, ...pack.sites.vcPoints]) {
        expect(wardContains(ward(s.wardId), s.position), `${s.id} in ${s.wardId}`).toBe(true);
      }
    }
  });

  it('loads the test-town pack: 3 wards, one of them served by a single station', async () => {
    const pack = await loadCityPack(TEST_CITY_PACK);
    expect(pack.wards.features).toHaveLength(3);
    expect(pack.roads.features).toHaveLength(2);
    const perWard = pack.wards.features.map((w) => pack.sites.stations.filter((s) => s.wardId === w.properties.id).length);
    expect(perWard).toEqual([1, 3, 2]);
  });
});

describe('loadCityPack: broken packs', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'citypack-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  /** Copy test-town, apply `mutate` to one file's JSON, and return the load error. */
  async function brokenCopy(name: string, file: string, mutate: (j: any) => void): Promise<CityPackError> {
    const dir = path.join(tmp, name);
    await cp(TEST_CITY_PACK, dir, { recursive: true });
    const full = path.join(dir, file);
    const json = JSON.parse(await readFile(full, 'utf8'));
    mutate(json);
    await writeFile(full, JSON.stringify(json));
    const err = await loadCityPack(dir).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CityPackError);
    const e = err as CityPackError;
    expect(e.message.startsWith(`${full}: `)).toBe(true);
    return e;
  }

  it('names an unknown ward reference with its index and field', async () => {
    const e = await brokenCopy('bad-ward', 'sites.json', (j) => (j.cameras[3].wardId = 'w9'));
    expect(e.message).toContain('cameras[3].wardId "w9" is not a ward in wards.geojson');
  });

  it('names an unknown road reference', async () => {
    const e = await brokenCopy('bad-road', 'sites.json', (j) => (j.cameras[0].roadId = 'nowhere'));
    expect(e.message).toContain('cameras[0].roadId "nowhere" is not a road');
  });

  it('refuses a link whose endpoint resolves to nothing', async () => {
    const e = await brokenCopy('bad-link', 'sites.json', (j) => (j.links[1].to = 'tt-z'));
    expect(e.message).toContain('links[1].to "tt-z"');
  });

  it('refuses duplicate ids across the pack', async () => {
    const e = await brokenCopy('dup', 'sites.json', (j) => (j.stations[2].id = 'tt-bs-a1'));
    expect(e.message).toContain('stations[2]: duplicate id "tt-bs-a1"');
  });

  it('refuses an unclosed polygon ring', async () => {
    const e = await brokenCopy('open-ring', 'wards.geojson', (j) => j.features[1].geometry.coordinates[0].pop());
    expect(e.file).toMatch(/wards\.geojson$/);
    expect(e.message).toContain('features[1] (tt-b)');
    expect(e.message).toContain('not closed');
  });

  it('refuses a position outside the bbox', async () => {
    const e = await brokenCopy('outside', 'sites.json', (j) => (j.stations[0].position = [107, 10.005]));
    expect(e.message).toContain('stations[0].position');
    expect(e.message).toContain('outside the city bbox');
  });

  it('reports schema errors with the field path', async () => {
    const e = await brokenCopy('schema', 'sites.json', (j) => (j.stations[1].operator = 'Vinaphone'));
    expect(e.message).toContain('stations[1].operator');
    const e2 = await brokenCopy('schema-road', 'roads.geojson', (j) => delete j.features[0].properties.speedLimitKmh);
    expect(e2.message).toContain('features[0].properties.speedLimitKmh');
    const e3 = await brokenCopy('schema-city', 'city.json', (j) => (j.center = 'centre'));
    expect(e3.message).toContain('center');
  });

  it('reports invalid JSON and missing files', async () => {
    const dir = path.join(tmp, 'bad-json');
    await cp(TEST_CITY_PACK, dir, { recursive: true });
    await writeFile(path.join(dir, 'roads.geojson'), '{ "type": ');
    await expect(loadCityPack(dir)).rejects.toThrow(/roads\.geojson: invalid JSON/);
    await rm(path.join(dir, 'sites.json'));
    await writeFile(path.join(dir, 'roads.geojson'), await readFile(path.join(TEST_CITY_PACK, 'roads.geojson')));
    await expect(loadCityPack(dir)).rejects.toThrow(/sites\.json: cannot read file \(ENOENT\)/);
  });
});
