/**
 * A minimal PMTiles v3 writer, for tests only: the npm `pmtiles` package only
 * reads. It follows the public spec (https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md):
 * a 127-byte header, one root directory (no leaves: a test archive is small),
 * JSON metadata, then the tile data, all uncompressed. Directory entries carry
 * Hilbert tile ids, stored column by column as varints: id deltas, run lengths,
 * byte lengths, then offsets (0 = "right after the previous tile", else offset + 1).
 *
 * `basemapArchive` cuts vector tiles from GeoJSON layers with geojson-vt and
 * encodes them with vt-pbf, so a test can draw a basemap from a city pack.
 */
import GeoJSONVT from 'geojson-vt';
import type { FeatureCollection } from 'geojson';
import vtpbf from 'vt-pbf';

export interface PmtilesTile {
  z: number;
  x: number;
  y: number;
  data: Uint8Array;
}

export interface PmtilesOptions {
  minZoom: number;
  maxZoom: number;
  /** [west, south, east, north] */
  bounds: [number, number, number, number];
  center: [number, number];
  centerZoom: number;
  /** The JSON metadata (vector_layers…). */
  metadata: Record<string, unknown>;
}

/** Position of (x, y) along the Hilbert curve filling a 2^z × 2^z grid. */
function hilbert(z: number, x: number, y: number): number {
  const n = 2 ** z;
  let d = 0;
  for (let s = n / 2; s >= 1; s /= 2) {
    const rx = (x & s) > 0 ? 1 : 0;
    const ry = (y & s) > 0 ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    // Rotate the quadrant so the sub-curve runs the right way.
    if (ry === 0) {
      if (rx === 1) {
        x = s - 1 - (x & (s - 1));
        y = s - 1 - (y & (s - 1));
      }
      [x, y] = [y, x];
    }
  }
  return d;
}

/** The spec's tile id: all tiles of lower zooms first ((4^z − 1) / 3), then the Hilbert position. */
export function tileId(z: number, x: number, y: number): number {
  return (4 ** z - 1) / 3 + hilbert(z, x, y);
}

function varint(out: number[], v: number): void {
  // Tile ids pass 2^32 above zoom 15: no bit operators on the whole value.
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

interface Entry {
  id: number;
  offset: number;
  length: number;
  runLength: number;
}

function directory(entries: Entry[]): Uint8Array {
  const out: number[] = [];
  varint(out, entries.length);
  let last = 0;
  for (const e of entries) {
    varint(out, e.id - last);
    last = e.id;
  }
  for (const e of entries) varint(out, e.runLength);
  for (const e of entries) varint(out, e.length);
  entries.forEach((e, i) => {
    const prev = entries[i - 1];
    varint(out, i > 0 && prev && e.offset === prev.offset + prev.length ? 0 : e.offset + 1);
  });
  return Uint8Array.from(out);
}

/** One archive in memory, ready to write to a file. */
export function writePmtiles(tiles: PmtilesTile[], o: PmtilesOptions): Buffer {
  const sorted = tiles.map((t) => ({ ...t, id: tileId(t.z, t.x, t.y) })).sort((a, b) => a.id - b.id);
  const entries: Entry[] = [];
  let offset = 0;
  for (const t of sorted) {
    entries.push({ id: t.id, offset, length: t.data.length, runLength: 1 });
    offset += t.data.length;
  }
  const root = directory(entries);
  const meta = Buffer.from(JSON.stringify(o.metadata));
  const data = Buffer.concat(sorted.map((t) => t.data));

  const h = Buffer.alloc(127);
  h.write('PMTiles', 0, 'ascii');
  h.writeUInt8(3, 7);
  const u64 = (at: number, v: number) => h.writeBigUInt64LE(BigInt(v), at);
  const rootAt = 127;
  const metaAt = rootAt + root.length;
  const dataAt = metaAt + meta.length;
  u64(8, rootAt);
  u64(16, root.length);
  u64(24, metaAt);
  u64(32, meta.length);
  u64(40, dataAt); // no leaf directories: offset where they would be, length 0
  u64(48, 0);
  u64(56, dataAt);
  u64(64, data.length);
  u64(72, entries.length); // addressed tiles
  u64(80, entries.length); // tile entries
  u64(88, entries.length); // tile contents
  h.writeUInt8(1, 96); // clustered: entries in id order, data in the same order
  h.writeUInt8(1, 97); // internal compression: none
  h.writeUInt8(1, 98); // tile compression: none
  h.writeUInt8(1, 99); // tile type: MVT
  h.writeUInt8(o.minZoom, 100);
  h.writeUInt8(o.maxZoom, 101);
  const e7 = (at: number, v: number) => h.writeInt32LE(Math.round(v * 1e7), at);
  e7(102, o.bounds[0]);
  e7(106, o.bounds[1]);
  e7(110, o.bounds[2]);
  e7(114, o.bounds[3]);
  h.writeUInt8(o.centerZoom, 118);
  e7(119, o.center[0]);
  e7(123, o.center[1]);
  return Buffer.concat([h, root, meta, data]);
}

/** Tile x/y of a longitude/latitude at zoom z (Web Mercator). */
function tileOf(z: number, lon: number, lat: number): [number, number] {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  const x = Math.floor(((lon + 180) / 360) * n);
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  return [Math.min(n - 1, Math.max(0, x)), Math.min(n - 1, Math.max(0, y))];
}

/** A vector-tile archive of the given layers (source-layer name → features), every tile over `bounds`. */
export function basemapArchive(layers: Record<string, FeatureCollection>, o: Omit<PmtilesOptions, 'metadata'>): Buffer {
  const indexes = Object.entries(layers).map(([name, fc]) => [name, new GeoJSONVT(fc, { maxZoom: o.maxZoom, indexMaxZoom: o.maxZoom, tolerance: 1, buffer: 64 })] as const);
  const tiles: PmtilesTile[] = [];
  for (let z = o.minZoom; z <= o.maxZoom; z++) {
    const [x0, y0] = tileOf(z, o.bounds[0], o.bounds[3]);
    const [x1, y1] = tileOf(z, o.bounds[2], o.bounds[1]);
    for (let x = x0; x <= x1; x++) {
      for (let y = y0; y <= y1; y++) {
        const found: Record<string, unknown> = {};
        for (const [name, index] of indexes) {
          const t = index.getTile(z, x, y);
          if (t && t.features.length > 0) found[name] = t;
        }
        if (Object.keys(found).length > 0) tiles.push({ z, x, y, data: vtpbf.fromGeojsonVt(found, { version: 2 }) });
      }
    }
  }
  const metadata = {
    name: 'test basemap',
    vector_layers: Object.keys(layers).map((id) => ({ id, fields: {}, minzoom: o.minZoom, maxzoom: o.maxZoom })),
  };
  return writePmtiles(tiles, { ...o, metadata });
}
