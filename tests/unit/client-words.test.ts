/**
 * One vocabulary for the console, the phone and the wall (issue #26, "words for people"):
 * every timeline step reads as a sentence in Vietnamese and English, channels, actors and
 * units by their names, a reassignment names the other incident; no raw id, no marker.
 */
import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import type { IncidentEntry } from '../../contract/domain.js';
import { makeWords, type WordLookups } from '../../client/src/app/names.js';
import { opsEn } from '../../client/src/app/strings/en.js';
import { opsVi } from '../../client/src/app/strings/vi.js';
import { wordsEn, wordsVi } from '../../client/src/app/strings/words.js';

const i18n = i18next.createInstance();
beforeAll(async () => {
  await i18n.init({ resources: { vi: { translation: { ...wordsVi, ...opsVi } }, en: { translation: { ...wordsEn, ...opsEn } } }, lng: 'vi', interpolation: { escapeValue: false } });
});
const look: WordLookups = {
  units: { 'u-amb': { name: 'Cấp cứu 115 Tháp Chàm' } },
  packUnits: new Map([['u-csgt', 'Đội CSGT số 1']]),
  incidents: { 'inc-0190-other': { type: 'fire', address: '12 Thống Nhất', wardId: 'w-1' } },
  ward: (id) => (id === 'w-1' ? 'Phường Mỹ Hải' : null),
};
const words = (lng: string) => makeWords(i18n.getFixedT(lng) as never, look);
const e = (over: Partial<IncidentEntry>): IncidentEntry => ({ at: 0, by: 'hoang.dv', action: 'note', ...over });

describe('timeline steps as sentences', () => {
  const steps: IncidentEntry[] = [
    e({ action: 'created', by: 'hotline_115', to: 'new' }),
    e({ action: 'report', by: 'citizen_app' }),
    e({ action: 'acknowledge', from: 'new', to: 'acknowledged' }),
    e({ action: 'dispatch', unitId: 'u-amb', note: 'cần xe cứu thương' }),
    e({ action: 'accept', by: 'resp.amb', unitId: 'u-amb' }),
    e({ action: 'on_scene', by: 'resp.amb', unitId: 'u-amb' }),
    e({ action: 'reassign', unitId: 'u-csgt', otherIncidentId: 'inc-0190-other' }),
    e({ action: 'release', unitId: 'u-csgt', otherIncidentId: 'inc-0190-other' }),
    e({ action: 'release', unitId: 'u-csgt' }),
    e({ action: 'resolve', by: 'system' }),
    e({ action: 'note', note: '[accept] Tổ đã nhận nhiệm vụ', by: 'u-amb' }),
  ];
  for (const lng of ['vi', 'en']) {
    it(`in ${lng}: no raw id, no channel code, no marker`, () => {
      const w = words(lng);
      for (const s of steps) {
        const r = w.step(s);
        const all = [r.text, r.by ?? '', r.note ?? ''].join(' ');
        expect(all, JSON.stringify(s)).not.toMatch(/inc-|u-amb|u-csgt|hotline_|citizen_app|\[accept\]|\bsystem\b/);
        expect(r.text.length).toBeGreaterThan(3);
      }
    });
  }
  it('reads in Vietnamese as the officer and the crew say it', () => {
    const w = words('vi');
    expect(w.step(steps[0]!).text).toBe('Nhận tin báo qua Tổng đài 115');
    expect(w.step(steps[3]!)).toMatchObject({ text: 'Đã điều động Cấp cứu 115 Tháp Chàm', by: 'hoang.dv', note: 'cần xe cứu thương' });
    expect(w.step(steps[4]!).text).toBe('Cấp cứu 115 Tháp Chàm đã nhận nhiệm vụ');
    expect(w.step(steps[5]!).text).toBe('Cấp cứu 115 Tháp Chàm đã đến hiện trường');
    expect(w.step(steps[7]!).text).toBe('Đội CSGT số 1 được điều sang Cháy nổ · 12 Thống Nhất'.replace('Cháy nổ', w.type('fire')));
    expect(w.step(steps[8]!).text).toBe('Đội CSGT số 1 đã rời sự cố');
    expect(w.actor('system')).toBe('Hệ thống');
    expect(w.actor('hotline_115')).toBe('Tổng đài 115');
  });
});
