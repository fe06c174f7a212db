/**
 * The offline basemap's style (client/src/map/basemap.ts, style.ts): the Protomaps
 * layers in the flavour asked for, renamed so they never clash with the city's,
 * under every city layer, labelled in Vietnamese with the bundled font, and with
 * no URL in the style but the archive's own (no glyphs, no sprite).
 */
import { layers as protomapsLayers, namedFlavor } from '@protomaps/basemaps';
import { describe, expect, it } from 'vitest';
import { loadCityPack, TEST_CITY_PACK } from '../../contract/citypack-load.js';
import { BASEMAP_LAYER_PREFIX, basemapStyle } from '../../client/src/map/basemap.js';
import { LAYER_IDS, MAP_FONT } from '../../client/src/map/layers.js';
import { buildOfflineStyle } from '../../client/src/map/style.js';

const URL_ = 'pmtiles://http://127.0.0.1:8080/api/basemap.pmtiles';

describe('the offline basemap style', () => {
  for (const theme of ['light', 'dark'] as const) {
    it(`takes the ${theme} flavour's colours`, () => {
      const { layers, source } = basemapStyle(URL_, theme);
      expect(source).toMatchObject({ type: 'vector', url: URL_ });
      const paint = (id: string) => (layers.find((l) => l.id === `${BASEMAP_LAYER_PREFIX}${id}`) as { paint: Record<string, unknown> }).paint;
      expect(paint('earth')['fill-color']).toBe(namedFlavor(theme).earth);
      expect(paint('water')['fill-color']).toBe(namedFlavor(theme).water);
    });
  }

  it('sits between our background and the wards, with our font, Vietnamese names and no glyph or sprite URL', async () => {
    const pack = await loadCityPack(TEST_CITY_PACK);
    const basemap = basemapStyle(URL_, 'dark');
    const style = buildOfflineStyle(pack, { basemap });
    const ids = style.layers.map((l) => l.id);
    expect(ids[0]).toBe(LAYER_IDS.background);
    const ours = ids.filter((id) => !id.startsWith(BASEMAP_LAYER_PREFIX));
    expect(ids.slice(1, 1 + basemap.layers.length).every((id) => id.startsWith(BASEMAP_LAYER_PREFIX))).toBe(true);
    expect(ids.slice(1 + basemap.layers.length)).toEqual(ours.slice(1));
    // Every Protomaps layer but its background, none dropped or doubled.
    expect(basemap.layers.length).toBe(protomapsLayers('x', namedFlavor('dark'), { lang: 'vi' }).length - 1);
    const text = JSON.stringify(style);
    expect(text).not.toMatch(/Noto Sans/);
    expect(text).toContain(`"text-font":["${MAP_FONT}"]`);
    expect(text).toContain('"name:vi"');
    expect(style.glyphs).toBeUndefined();
    expect(style.sprite).toBeUndefined();
    expect([...text.matchAll(/"(?:https?|pmtiles):\/\/[^"]*"/g)].map((m) => m[0])).toEqual([`"${URL_}"`]);
    // The ward fill lets the streets through; without a basemap it stays opaque.
    const fill = (s: typeof style) => (s.layers.find((l) => l.id === LAYER_IDS.wardsFill) as { paint: Record<string, unknown> }).paint['fill-opacity'];
    expect(fill(style)).toBeLessThan(1);
    expect(fill(buildOfflineStyle(pack))).toBeUndefined();
  });
});
