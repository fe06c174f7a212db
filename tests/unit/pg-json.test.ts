/** JSON for PostgreSQL (server/db/sor.ts pgJson): U+0000 becomes U+FFFD, everything else is JSON.stringify's, byte for byte. */
import { describe, expect, it } from 'vitest';
import { pgJson } from '../../server/db/sor.js';

describe('pgJson', () => {
  it('replaces U+0000 wherever it is, and nothing else', () => {
    const v = { note: 'nul\u0000byte', list: ['\u0000', 'a\\\u0000b', '\\\\\u0000'], nested: { k: '\u0000\u0000' } };
    expect(JSON.parse(pgJson(v))).toEqual({ note: 'nul\uFFFDbyte', list: ['\uFFFD', 'a\\\uFFFDb', '\\\\\uFFFD'], nested: { k: '\uFFFD\uFFFD' } });
  });
  it('leaves a typed backslash followed by "u0000" as text, and any other value as JSON.stringify writes it', () => {
    for (const v of [{ t: '\\u0000' }, { t: 'C:\\\\u0000\\x' }, { n: 1, b: true, z: null, vi: 'Tai nạn — có người bị thương' }]) {
      expect(pgJson(v)).toBe(JSON.stringify(v));
      expect(JSON.parse(pgJson(v))).toEqual(v);
    }
  });
});
