/**
 * The test harness's PMTiles v3 writer (tests/harness/pmtiles.ts), read back by
 * the `pmtiles` package the console draws with: header fields, Hilbert tile ids,
 * every tile's bytes, and the features inside them (the test town's roads with
 * their Vietnamese names).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader as Pbf } from 'pbf';
import { PMTiles, zxyToTileId, type RangeResponse, type Source } from 'pmtiles';
import { describe, expect, it } from 'vitest';
import { writeCityBasemap } from '../harness/basemap.js';
import { tileId, writePmtiles } from '../harness/pmtiles.js';
import { checkBasemapArchive } from '../../server/http/basemap.js';

const REPO = path.resolve(import.meta.dirname, '..', '..');

/** A pmtiles Source over bytes in memory. */
function bufferSource(buf: Buffer): Source {
  return {
    getKey: () => 'memory',
    getBytes: async (offset: number, length: number): Promise<RangeResponse> => ({ data: buf.buffer.slice(buf.byteOffset + offset, buf.byteOffset + offset + length) as ArrayBuffer }),
  };
}

describe('the PMTiles v3 test writer', () => {
  it('numbers tiles along the Hilbert curve exactly as the reader does', () => {
    for (const [z, x, y] of [[0, 0, 0], [1, 0, 0], [1, 0, 1], [1, 1, 1], [1, 1, 0], [3, 5, 2], [12, 3253, 1901], [15, 26032, 15335], [18, 208260, 122683]] as const) {
      expect(tileId(z, x, y), `${z}/${x}/${y}`).toBe(zxyToTileId(z, x, y));
    }
  });

  it('writes an archive the pmtiles reader reads back, tile for tile', async () => {
    const tiles = [
      { z: 0, x: 0, y: 0, data: Uint8Array.from([1, 2, 3]) },
      { z: 2, x: 3, y: 1, data: Uint8Array.from([4, 5]) },
      { z: 2, x: 0, y: 3, data: Uint8Array.from([6]) },
      { z: 14, x: 13016, y: 7667, data: new Uint8Array(300).fill(7) },
    ];
    const archive = writePmtiles(tiles, { minZoom: 0, maxZoom: 14, bounds: [105.9, 9.9, 106.1, 10.1], center: [106, 10], centerZoom: 12, metadata: { name: 'x' } });
    const reader = new PMTiles(bufferSource(archive));
    const h = await reader.getHeader();
    expect(h.specVersion).toBe(3);
    expect([h.minZoom, h.maxZoom, h.numAddressedTiles, h.numTileEntries, h.numTileContents]).toEqual([0, 14, 4, 4, 4]);
    expect([h.minLon, h.minLat, h.maxLon, h.maxLat, h.centerLon, h.centerLat, h.centerZoom]).toEqual([105.9, 9.9, 106.1, 10.1, 106, 10, 12]);
    for (const t of tiles) {
      const got = await reader.getZxy(t.z, t.x, t.y);
      expect(got && [...new Uint8Array(got.data)], `${t.z}/${t.x}/${t.y}`).toEqual([...t.data]);
    }
    expect(await reader.getZxy(2, 1, 1)).toBeUndefined();
    expect(await reader.getMetadata()).toEqual({ name: 'x' });
  });

  it('cuts the test town into vector tiles that decode to its roads, in Vietnamese', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-pmtiles-')), 'town.pmtiles');
    writeCityBasemap(path.join(REPO, 'citypacks', 'test-town'), file);
    const reader = new PMTiles(bufferSource(fs.readFileSync(file)));
    const h = await reader.getHeader();
    expect([h.minZoom, h.maxZoom, h.tileType]).toEqual([0, 15, 1]);
    // The tile under the test town's centre (106.015, 10.005) at zoom 14.
    const x = Math.floor(((106.015 + 180) / 360) * 2 ** 14);
    const r = (10.005 * Math.PI) / 180;
    const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * 2 ** 14);
    const tile = await reader.getZxy(14, x, y);
    expect(tile).toBeDefined();
    const vt = new VectorTile(new Pbf(new Uint8Array(tile!.data)));
    expect(Object.keys(vt.layers).sort()).toEqual(['earth', 'roads', 'water']);
    const names = Array.from({ length: vt.layers.roads!.length }, (_, i) => vt.layers.roads!.feature(i).properties['name:vi']);
    expect(names.sort()).toEqual(['Đường Bờ Sông Ước Mơ', 'Đường Chính', 'Đường Ngang']);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });

  it('is what the server checks BASEMAP_PMTILES for at start, and a bad file is named with why', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-pmtiles-check-'));
    const good = writeCityBasemap(path.join(REPO, 'citypacks', 'test-town'), path.join(dir, 'good.pmtiles')).file;
    await expect(checkBasemapArchive(good)).resolves.toEqual({ bytes: fs.statSync(good).size });
    fs.writeFileSync(path.join(dir, 'text.pmtiles'), 'not an archive at all, but long enough to read a header from it: '.repeat(3));
    await expect(checkBasemapArchive(path.join(dir, 'text.pmtiles'))).rejects.toThrow(/text\.pmtiles: not a PMTiles v3 archive/);
    const raster = Buffer.from(fs.readFileSync(good));
    raster[99] = 2; // PNG tiles
    fs.writeFileSync(path.join(dir, 'raster.pmtiles'), raster);
    await expect(checkBasemapArchive(path.join(dir, 'raster.pmtiles'))).rejects.toThrow(/holds raster tiles \(type 2\)/);
    await expect(checkBasemapArchive(path.join(dir, 'missing.pmtiles'))).rejects.toThrow(/missing\.pmtiles: cannot read it \(ENOENT\)/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
