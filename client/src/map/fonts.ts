/**
 * Map label fonts: the same Be Vietnam Pro files the page uses, declared to
 * maplibre through the style's `font-faces` so every console draws identical
 * labels whatever fonts the workstation has. Files are bundled by Vite (no CDN).
 * Unicode ranges are copied from @fontsource's CSS so only needed subsets load.
 */
import type { FontFacesSpecification } from '@maplibre/maplibre-gl-style-spec';
import vietnamese from '@fontsource/be-vietnam-pro/files/be-vietnam-pro-vietnamese-500-normal.woff2?url';
import latin from '@fontsource/be-vietnam-pro/files/be-vietnam-pro-latin-500-normal.woff2?url';
import latinExt from '@fontsource/be-vietnam-pro/files/be-vietnam-pro-latin-ext-500-normal.woff2?url';
import { MAP_FONT } from './layers.js';

const ranges = (css: string): string[] => css.split(',');

export function mapFontFaces(base: string = window.location.href): FontFacesSpecification {
  // maplibre fetches these itself, outside Vite's URL handling: make them absolute.
  const abs = (u: string) => new URL(u, base).href;
  return {
    [MAP_FONT]: [
      {
        url: abs(vietnamese),
        'unicode-range': ranges(
          'U+0102-0103,U+0110-0111,U+0128-0129,U+0168-0169,U+01A0-01A1,U+01AF-01B0,U+0300-0301,U+0303-0304,U+0308-0309,U+0323,U+0329,U+1EA0-1EF9,U+20AB',
        ),
      },
      {
        url: abs(latin),
        'unicode-range': ranges(
          'U+0000-00FF,U+0131,U+0152-0153,U+02BB-02BC,U+02C6,U+02DA,U+02DC,U+0304,U+0308,U+0329,U+2000-206F,U+20AC,U+2122,U+2191,U+2193,U+2212,U+2215,U+FEFF,U+FFFD',
        ),
      },
      {
        url: abs(latinExt),
        'unicode-range': ranges(
          'U+0100-02BA,U+02BD-02C5,U+02C7-02CC,U+02CE-02D7,U+02DD-02FF,U+0304,U+0308,U+0329,U+1D00-1DBF,U+1E00-1E9F,U+1EF2-1EFF,U+2020,U+20A0-20AB,U+20AD-20C0,U+2113,U+2C60-2C7F,U+A720-A7FF',
        ),
      },
    ],
  };
}
