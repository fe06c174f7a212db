/**
 * The offline basemap (BASEMAP_PMTILES): streets, water and places from a
 * PMTiles archive the console's own server serves (/api/basemap.pmtiles),
 * drawn under the city layers in a Protomaps style (@protomaps/basemaps) whose
 * light or dark flavour follows the page's theme.
 *
 * Nothing leaves the machine:
 * - tiles come through maplibre's `pmtiles://` protocol, read with HTTP Range
 *   requests from our server, with the officer's session (SessionSource);
 * - labels use the bundled Be Vietnam Pro through the style's `font-faces`
 *   (./fonts.ts), in place of the Noto Sans glyph PBFs the Protomaps style names,
 *   so no glyphs URL is needed. Vietnamese needs more than Latin-1: Ă Đ Ĩ Ũ Ơ Ư
 *   (Latin Extended-A/B, U+0100–024F), the combining marks (U+0300–0323) and the
 *   precomposed vowels with tone marks (Latin Extended Additional, U+1EA0–1EF9);
 *   the font's vietnamese subset carries them all;
 * - the few icons the style names (town dots, one-way arrows, shields, POIs)
 *   are drawn here when maplibre asks for them (`styleimagemissing`), so there is
 *   no sprite URL either.
 */
import type { LayerSpecification, SourceSpecification } from '@maplibre/maplibre-gl-style-spec';
import { layers as protomapsLayers, namedFlavor } from '@protomaps/basemaps';
import { EtagMismatch, PMTiles, Protocol, type RangeResponse, type Source } from 'pmtiles';
import { authHeader } from '../live/socket.js';
import type { EngineMap } from './engine.js';
import { STALE_ICON } from './icons.js';
import { HATCH_IMAGE, MAP_FONT } from './layers.js';

export type MapTheme = 'light' | 'dark';

export const BASEMAP_SOURCE = 'basemap';
/** Every basemap layer id starts with this: they never clash with the city's (`roads`, `background`). */
export const BASEMAP_LAYER_PREFIX = 'basemap:';

/** The page's theme, read from its root's CSS `color-scheme` (the console's is dark); no scheme reads as dark. */
export function pageTheme(el: Element = document.documentElement): MapTheme {
  const scheme = getComputedStyle(el).colorScheme || '';
  return /\bdark\b/.test(scheme) || !/\blight\b/.test(scheme) ? 'dark' : 'light';
}

/**
 * Reads the archive with the officer's current access token on every range
 * request: a token is refreshed every few minutes, so a header fixed at start
 * would expire under a console left open for a shift.
 */
class SessionSource implements Source {
  constructor(private readonly url: string) {}

  getKey(): string {
    return this.url;
  }

  async getBytes(offset: number, length: number, signal?: AbortSignal, etag?: string): Promise<RangeResponse> {
    const res = await fetch(this.url, { signal, headers: { range: `bytes=${offset}-${offset + length - 1}`, ...authHeader() } });
    if (res.status !== 206 && res.status !== 200) throw new Error(`basemap: HTTP ${res.status}`);
    const got = res.headers.get('etag') ?? undefined;
    // A replaced archive: the reader drops the directories it cached and reads the new one.
    if (etag && got && got !== etag) throw new EtagMismatch();
    let data = await res.arrayBuffer();
    // A server that ignores Range answers 200 with the whole file: take the slice asked for.
    if (res.status === 200 && data.byteLength > length) data = data.slice(offset, offset + length);
    return { data, etag: got, cacheControl: res.headers.get('cache-control') ?? undefined };
  }
}

let protocol: Protocol | null = null;

/** Registers the `pmtiles://` protocol once and the archive at `url`; returns the source's TileJSON URL. */
export function registerBasemap(engine: { addProtocol: (name: string, fn: Protocol['tile']) => void }, url: string, base: string = window.location.href): string {
  const abs = new URL(url, base).href;
  if (!protocol) {
    protocol = new Protocol({ metadata: false });
    engine.addProtocol('pmtiles', protocol.tile);
  }
  if (!protocol.get(abs)) protocol.add(new PMTiles(new SessionSource(abs)));
  return `pmtiles://${abs}`;
}

/** The basemap's source and layers, in the page's flavour, labels in Vietnamese with our font. */
export function basemapStyle(tileJsonUrl: string, theme: MapTheme): { source: SourceSpecification; layers: LayerSpecification[] } {
  const raw = protomapsLayers(BASEMAP_SOURCE, namedFlavor(theme), { lang: 'vi' });
  // The style names Noto Sans glyph sets; every label is drawn with the bundled font instead.
  const fonted = JSON.parse(JSON.stringify(raw).replace(/"Noto Sans [^"]*"/g, JSON.stringify(MAP_FONT))) as LayerSpecification[];
  const layers = fonted
    // Our own background stays: it is the console's colour outside the archive's area.
    .filter((l) => l.type !== 'background')
    .map((l) => ({ ...l, id: `${BASEMAP_LAYER_PREFIX}${l.id}` }) as LayerSpecification);
  return { source: { type: 'vector', url: tileJsonUrl, attribution: '© OpenStreetMap' }, layers };
}

/** A small image for a name the style asks for: a dot for towns and capitals, nothing for the rest. */
function iconFor(id: string, theme: MapTheme): { width: number; height: number; data: Uint8Array } {
  const town = id === 'townspot' || id === 'capital';
  const size = town ? 10 : 1;
  const data = new Uint8Array(size * size * 4);
  if (town) {
    const c = theme === 'dark' ? [0xa3, 0xb3, 0xcf] : [0x5c, 0x5c, 0x5c];
    const r = size / 2;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const d = Math.hypot(x + 0.5 - r, y + 0.5 - r);
        if (d > r - 0.5) continue;
        const i = (y * size + x) * 4;
        data.set([c[0]!, c[1]!, c[2]!, 255], i);
      }
    }
  }
  return { width: size, height: size, data };
}

const OWN_ICON = new RegExp(`^(alert|incident|unit|marker-cluster)-|^(${STALE_ICON}|${HATCH_IMAGE})$`);

const wired = new WeakSet<EngineMap>();

/**
 * Answers the basemap's icon requests from here (no sprite sheet to fetch). Pass the result as the
 * map component's `ref`: it runs when the map is created, before the first tiles are laid out
 * (`load` comes after them), and the listener goes with the map when it is removed.
 */
export function basemapIconsRef(theme: MapTheme, enabled: boolean): (ref: { getMap(): EngineMap } | null) => void {
  return (ref) => {
    const map = ref?.getMap();
    if (!enabled || !map || wired.has(map)) return;
    wired.add(map);
    map.on('styleimagemissing', (e: { id: string }) => {
      // The console's own icons (./icons.ts, the hatch) are added by installLiveLayers: never stand in for them.
      if (OWN_ICON.test(e.id) || map.hasImage(e.id)) return;
      map.addImage(e.id, iconFor(e.id, theme));
    });
  };
}

/** The basemap for a console's config, in the page's theme, or undefined when BASEMAP_PMTILES is unset. */
export function offlineBasemap(engine: Parameters<typeof registerBasemap>[0], config: { basemap: string | null }): ReturnType<typeof basemapStyle> | undefined {
  return config.basemap ? basemapStyle(registerBasemap(engine, config.basemap), pageTheme()) : undefined;
}
