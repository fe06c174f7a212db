/** Alert titles rebuilt on the client from rule id + data, in both languages, with the server title as fallback (review item 6). */
import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../contract/alerts.js';
import { alertLabel, alertWhat, type PlaceNames } from '../../client/src/app/alertText.js';
import { opsEn } from '../../client/src/app/strings/en.js';
import { opsVi } from '../../client/src/app/strings/vi.js';
import { makeAlert, type AlertOver } from '../fixtures/domain.js';

const i18n = i18next.createInstance();
beforeAll(async () => {
  await i18n.init({ resources: { vi: { translation: opsVi }, en: { translation: opsEn } }, lng: 'en', interpolation: { escapeValue: false } });
});
const tFor = (lng: string) => i18n.getFixedT(lng) as unknown as (k: string, p?: Record<string, unknown>) => string;

const names: PlaceNames = {
  cameras: { 'cam-1': { name: 'Nút giao Thống Nhất – Trần Phú' } },
  stations: { 'bs-1': { name: 'Trạm BTS VNPT Tấn Tài 2' } },
  links: { 'l-1': { name: 'Nhánh Phường A' } },
  wards: new Map([['w-tt', { name: 'Phường Tấn Tài', nameEn: 'Tan Tai Ward' }]]),
  roads: new Map([['r-1', 'Đường Trần Phú']]),
};

const alert = (over: AlertOver): Alert => makeAlert('a', { title: 'Tiêu đề máy chủ', wardId: 'w-tt', ...over });

describe('alert titles by rule', () => {
  it('coverage loss: the ward in the language and the share of area from data.uncoveredPct', () => {
    const a = alert({ rule: 'coverage_loss', source: { kind: 'ward', id: 'w-tt' }, data: { uncoveredPct: 47.6, stationIds: 'bs-1' } });
    expect(alertLabel(a, tFor('en'), names, 'en')).toEqual({ what: 'Coverage lost on 48% of area', subject: 'Tan Tai Ward', ward: null, full: 'Coverage lost on 48% of area: Tan Tai Ward' });
    expect(alertLabel(a, tFor('vi'), names, 'vi').full).toBe('Mất sóng 48% diện tích: Phường Tấn Tài');
  });

  it('device alerts name the device (a proper name, kept) and add the ward once', () => {
    const a = alert({ rule: 'station_down', source: { kind: 'station', id: 'bs-1' }, data: { reason: 'down' } });
    expect(alertLabel(a, tFor('en'), names, 'en')).toMatchObject({ what: 'Base station down', subject: 'Trạm BTS VNPT Tấn Tài 2', ward: 'Tan Tai Ward' });
    expect(alertWhat(alert({ rule: 'station_down', source: { kind: 'station', id: 'bs-1' }, data: { reason: 'stale' } }), tFor('en'), names, 'en')).toBe('Lost contact with base station');
    expect(alertWhat(alert({ rule: 'station_battery', source: { kind: 'station', id: 'bs-1' }, data: { batteryPct: 9.4 } }), tFor('en'), names, 'en')).toBe('Base station on battery, low (9%)');
  });

  it('detections by kind; hotline reports by type and channel; bursts and congestion with their figures', () => {
    const t = tFor('en');
    expect(alertWhat(alert({ rule: 'detection_fire_smoke' }), t, names, 'en')).toBe('Smoke or fire detected');
    expect(alertWhat(alert({ rule: 'incident_report', source: { kind: 'incident', id: 'h:1' }, data: { type: 'medical', channel: 'hotline_115' } }), t, names, 'en')).toBe('Medical emergency report via 115 hotline');
    expect(alertWhat(alert({ rule: 'incident_report', data: { type: 'medical', channel: 'hotline_115' } }), tFor('vi'), names, 'vi')).toBe('Tin báo cấp cứu y tế qua Tổng đài 115');
    const burst = alert({ rule: 'violation_burst', data: { count: 12, windowS: 300, roadId: 'r-1' } });
    expect(alertLabel(burst, t, names, 'en').full).toBe('Violation burst: 12 in 5 min: Đường Trần Phú');
    expect(alertWhat(alert({ rule: 'congestion', data: { queueM: 182.4 } }), t, names, 'en')).toBe('Prolonged congestion (182 m queue)');
    expect(alertWhat(alert({ rule: 'link_down', source: { kind: 'link', id: 'l-1' }, data: { kind: 'commune', to: 'w-tt' } }), t, names, 'en')).toBe('Fiber cut, Tan Tai Ward isolated');
  });

  it('falls back to the server title for an unknown rule or missing figures', () => {
    expect(alertLabel(alert({ rule: 'brand_new_rule' }), tFor('en'), names, 'en').full).toBe('Tiêu đề máy chủ');
    expect(alertLabel(alert({ rule: 'coverage_loss', data: {} }), tFor('en'), names, 'en').what).toBe('Tiêu đề máy chủ');
    expect(alertLabel(alert({ rule: 'detection_unknown_kind' }), tFor('en'), names, 'en').what).toBe('Tiêu đề máy chủ');
  });

  it('every key used exists in both languages (same shape)', () => {
    const keys = (o: object, p = ''): string[] => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v as object, `${p}${k}.`) : [`${p}${k}`]));
    expect(keys(opsEn).sort()).toEqual(keys(opsVi).sort());
  });
});
