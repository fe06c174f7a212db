import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { EventBus } from '../../server/bus.js';
import { buildCap } from '../../server/ingest/cap/build.js';
import { createCapHandler } from '../../server/ingest/cap/handler.js';
import { parseCap } from '../../server/ingest/cap/parse.js';
import { capAlertPoint } from '../../server/influx/cap-points.js';
import type { CapAlert, CapInfo } from '../../contract/cap.js';
import { capOriginSender, capRef, capToIncidentFields, foreignReference } from '../../server/incidents/cap-fields.js';

const SAMPLE = fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'cap', 'ninh-thuan-flood.xml'), 'utf8');
const ALERT_OPEN = '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">';

function ok(xml: string): CapAlert {
  const r = parseCap(xml);
  if (!r.ok) throw new Error(`expected a valid CAP alert, got ${r.reason}: ${r.detail}`);
  return r.alert;
}
function invalid(xml: string): { reason: string; detail: string } {
  const r = parseCap(xml);
  if (r.ok) throw new Error('expected the CAP alert to be refused');
  return r;
}
/** The sample with the first `<name>…</name>` element removed (or replaced). */
const without = (name: string, replacement = '') => SAMPLE.replace(new RegExp(`<${name}>[\\s\\S]*?</${name}>`), replacement);
const withText = (name: string, text: string) => without(name, `<${name}>${text}</${name}>`);

describe('parseCap on a realistic Vietnamese flood warning', () => {
  it('reads every element into a typed alert with [lon, lat] geometry', () => {
    const a = ok(SAMPLE);
    expect(a).toMatchObject({
      identifier: 'VN-KTTV-NT-2026-1123-0042',
      sender: 'canhbao@kttv.ninhthuan.gov.vn',
      sent: Date.UTC(2026, 10, 23, 1, 0, 0),
      status: 'Actual',
      msgType: 'Alert',
      scope: 'Public',
      note: 'Bản tin cảnh báo lũ & ngập lụt số 3',
      references: [],
    });
    expect(a.infos).toHaveLength(2);
    const vi = a.infos[0]!;
    expect(vi).toMatchObject({
      language: 'vi-VN',
      categories: ['Met', 'Geo'],
      event: 'Lũ quét và ngập lụt do bão số 12',
      urgency: 'Immediate',
      severity: 'Severe',
      certainty: 'Likely',
      effective: Date.UTC(2026, 10, 23, 1),
      onset: Date.UTC(2026, 10, 23, 7),
      expires: Date.UTC(2026, 10, 24, 13),
      senderName: 'Đài Khí tượng Thủy văn tỉnh Ninh Thuận',
      web: 'https://kttv.ninhthuan.gov.vn/canh-bao',
    });
    expect(vi.areas[0]).toEqual({
      areaDesc: 'Phường Phủ Hà, Đạo Long, Mỹ Bình (ven sông Dinh)',
      polygons: [
        [
          [108.95, 11.6],
          [109.0, 11.6],
          [109.0, 11.55],
          [108.95, 11.55],
          [108.95, 11.6],
        ],
      ],
      circles: [],
      geocodes: [{ valueName: 'ISO3166-2', value: 'VN-36' }],
    });
    expect(vi.areas[1]!.circles).toEqual([{ center: [108.99, 11.565], radiusKm: 15 }]);
    expect(a.infos[1]).toMatchObject({ language: 'en-US', categories: ['Met'], headline: 'Flood warning for Phan Rang – Thap Cham' });
  });

  it('reads the same alert written with a cap: namespace prefix', () => {
    const prefixed = SAMPLE.replace(ALERT_OPEN, '<cap:alert xmlns:cap="urn:oasis:names:tc:emergency:cap:1.2">').replace(/<(\/?)(?!\?)([A-Za-z]+)(?=[\s>])/g, (m, slash: string, name: string) =>
      name === 'alert' && !slash ? m : `<${slash}cap:${name}`,
    );
    expect(prefixed).toContain('<cap:identifier>');
    expect(prefixed).toContain('</cap:alert>');
    expect(ok(prefixed)).toEqual(ok(SAMPLE));
  });

  it('defaults language to en-US and accepts a "Z" time zone', () => {
    const a = ok(without('language').replace('<sent>2026-11-23T08:00:00+07:00</sent>', '<sent>2026-11-23T01:00:00Z</sent>'));
    expect(a.infos[0]!.language).toBe('en-US');
    expect(a.sent).toBe(Date.UTC(2026, 10, 23, 1));
  });
});

describe('parseCap refuses invalid alerts, naming the element', () => {
  it.each([
    ['identifier', 'alert.identifier'],
    ['sender', 'alert.sender'],
    ['sent', 'alert.sent'],
    ['status', 'alert.status'],
    ['msgType', 'alert.msgType'],
    ['scope', 'alert.scope'],
    ['event', 'alert.info[0].event'],
    ['urgency', 'alert.info[0].urgency'],
    ['severity', 'alert.info[0].severity'],
    ['certainty', 'alert.info[0].certainty'],
    ['areaDesc', 'alert.info[0].area[0].areaDesc'],
  ])('missing <%s>', (name, pathName) => {
    const r = invalid(without(name));
    expect(r).toEqual({ ok: false, reason: 'cap_invalid', detail: `${pathName}: required element missing` });
  });

  it('missing every <category> of an info', () => {
    const xml = SAMPLE.replace('<category>Met</category>\n    <category>Geo</category>', '');
    expect(invalid(xml).detail).toBe('alert.info[0].category: required element missing (at least one)');
  });

  it.each([
    ['status', 'Real', 'alert.status: "Real" is not one of Actual, Exercise, System, Test, Draft'],
    ['msgType', 'Warning', 'alert.msgType: "Warning" is not one of Alert, Update, Cancel, Ack, Error'],
    ['scope', 'Everyone', 'alert.scope: "Everyone" is not one of Public, Restricted, Private'],
    ['category', 'Weather', 'alert.info[0].category[0]: "Weather" is not one of'],
    ['urgency', 'Soon', 'alert.info[0].urgency: "Soon" is not one of Immediate, Expected, Future, Past, Unknown'],
    ['severity', 'High', 'alert.info[0].severity: "High" is not one of Extreme, Severe, Moderate, Minor, Unknown'],
    ['certainty', 'Sure', 'alert.info[0].certainty: "Sure" is not one of Observed, Likely, Possible, Unlikely, Unknown'],
  ])('bad enumeration <%s>%s', (name, value, message) => {
    const r = invalid(withText(name, value));
    expect(r.reason).toBe('cap_invalid');
    expect(r.detail.startsWith(message)).toBe(true);
  });

  it('applies the conditional rules: references, restriction, addresses', () => {
    expect(invalid(withText('msgType', 'Update')).detail).toMatch(/^alert\.references: required when msgType is Update/);
    expect(invalid(withText('msgType', 'Cancel')).detail).toMatch(/^alert\.references: required when msgType is Cancel/);
    expect(invalid(withText('scope', 'Restricted')).detail).toBe('alert.restriction: required when scope is Restricted');
    expect(invalid(withText('scope', 'Private')).detail).toBe('alert.addresses: required when scope is Private');
    const update = withText('msgType', 'Update').replace(
      '<scope>Public</scope>',
      '<scope>Public</scope>\n  <references>canhbao@kttv.ninhthuan.gov.vn,VN-KTTV-NT-2026-1123-0041,2026-11-23T05:00:00+07:00 other@x.vn,A1,2026-11-22T23:00:00-00:00</references>',
    );
    expect(ok(update).references).toEqual([
      { sender: 'canhbao@kttv.ninhthuan.gov.vn', identifier: 'VN-KTTV-NT-2026-1123-0041', sent: Date.UTC(2026, 10, 22, 22) },
      { sender: 'other@x.vn', identifier: 'A1', sent: Date.UTC(2026, 10, 22, 23) },
    ]);
    const badRef = update.replace('other@x.vn,A1,2026-11-22T23:00:00-00:00', 'other@x.vn,A1');
    expect(invalid(badRef).detail).toBe('alert.references: entry 2 "other@x.vn,A1" is not "sender,identifier,sent"');
  });

  it('checks polygons, circles, dateTimes and identifiers', () => {
    const open = SAMPLE.replace('11.55,108.95 11.60,108.95</polygon>', '11.55,108.95 11.58,108.93</polygon>');
    expect(invalid(open).detail).toBe('alert.info[0].area[0].polygon[0]: not closed: the first and last pairs must be the same');
    expect(invalid(withText('polygon', '11.6,108.95 11.6,109 11.6,108.95')).detail).toBe('alert.info[0].area[0].polygon[0]: needs at least 4 "lat,lon" pairs, got 3');
    expect(invalid(withText('polygon', '95,108.95 11.6,109 11.5,109 95,108.95')).detail).toMatch(/polygon\[0\]: "95,108.95" is out of range/);
    expect(invalid(withText('circle', '11.565,108.99')).detail).toBe('alert.info[0].area[1].circle[0]: "11.565,108.99" is not "lat,lon radius"');
    expect(invalid(withText('sent', '2026-11-23T08:00:00')).detail).toMatch(/^alert\.sent: "2026-11-23T08:00:00" is not a dateTime with time zone/);
    expect(invalid(withText('expires', '2026-02-30T08:00:00+07:00')).detail).toMatch(/^alert\.info\[0\]\.expires: .* is not a valid date/);
    expect(invalid(withText('identifier', 'VN 42')).detail).toBe('alert.identifier: must not contain spaces, commas, "<" or "&"');
    expect(invalid(SAMPLE.replace('<status>Actual</status>', '<status>Actual</status><status>Test</status>')).detail).toBe('alert.status: appears more than once');
  });

  it('requires the CAP 1.2 namespace and an <alert> root', () => {
    expect(invalid(SAMPLE.replace(ALERT_OPEN, '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1">')).detail).toBe(
      'alert: namespace must be urn:oasis:names:tc:emergency:cap:1.2 (got urn:oasis:names:tc:emergency:cap:1.1)',
    );
    expect(invalid('<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>')).toMatchObject({ reason: 'cap_invalid', detail: 'feed: root element must be <alert>' });
  });
});

describe('parseCap refuses what is not safe XML', () => {
  it.each([
    ['JSON', '{"identifier": "x"}'],
    ['plain text', 'CẢNH BÁO LŨ'],
    ['empty', ''],
    ['unclosed tags', '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</alert>'],
  ])('%s → bad_xml', (_what, body) => {
    expect(invalid(body).reason).toBe('bad_xml');
  });

  it('never resolves an external entity (XXE)', () => {
    const passwd = fs.existsSync('/etc/passwd') ? fs.readFileSync('/etc/passwd', 'utf8').split('\n')[0]! : 'root:x:0:0';
    const xxe = `<?xml version="1.0"?>\n<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n${SAMPLE.replace(/^<\?xml[^>]*>\n/, '').replace('Bản tin cảnh báo lũ &amp; ngập lụt số 3', '&xxe;')}`;
    const r = parseCap(xxe);
    expect(r).toMatchObject({ ok: false, reason: 'bad_xml', detail: expect.stringMatching(/DOCTYPE/) });
    expect(JSON.stringify(r)).not.toContain(passwd);
    // Without the DOCTYPE the reference is undefined: it stays literal text, never file content.
    const bare = ok(SAMPLE.replace('Bản tin cảnh báo lũ &amp; ngập lụt số 3', '&xxe;'));
    expect(bare.note).toBe('&xxe;');
    expect(JSON.stringify(bare)).not.toContain(passwd);
  });

  it('refuses a billion-laughs document and anything over 256 KB', () => {
    const laughs = `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>${SAMPLE.replace(/^<\?xml[^>]*>\n/, '')}`;
    expect(invalid(laughs).reason).toBe('bad_xml');
    const big = SAMPLE.replace('<description>', `<description>${'ngập '.repeat(60_000)}`);
    expect(invalid(big)).toEqual({ ok: false, reason: 'bad_xml', detail: 'document larger than 256 KB' });
  });

  it('decodes numeric character references', () => {
    expect(ok(withText('headline', 'Ng&#7853;p l&#x1EE5;t &lt;kh&#7849;n&gt;')).infos[0]!.headline).toBe('Ngập lụt <khẩn>');
  });
});

describe('buildCap', () => {
  it('round-trips the sample: parse(build(x)) deep-equals x', () => {
    const a = ok(SAMPLE);
    const xml = buildCap(a);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">')).toBe(true);
    expect(xml).toContain('<sent>2026-11-23T01:00:00-00:00</sent>');
    expect(xml).toContain('<polygon>11.6,108.95 11.6,109 11.55,109 11.55,108.95 11.6,108.95</polygon>');
    expect(ok(xml)).toStrictEqual(a);
  });

  it('round-trips a restricted Update with references, escaped text and sub-second times', () => {
    const info: CapInfo = {
      categories: ['Infra', 'Safety'],
      event: 'Mất điện diện rộng',
      urgency: 'Expected',
      severity: 'Moderate',
      certainty: 'Observed',
      language: 'vi-VN',
      headline: 'Cắt điện <khẩn> & "bảo trì" trạm 110kV Tháp Chàm',
      expires: Date.UTC(2026, 10, 23, 10, 30, 0, 250),
      // An evidence image and clip (issue #22), in the order CAP's schema puts them: after contact, before area.
      resources: [
        { resourceDesc: 'Ảnh bằng chứng (evidence image)', mimeType: 'image/jpeg', uri: 'https://ioc.phanrang.gov.vn/api/alerts/al-1/snapshot.jpg' },
        { resourceDesc: 'Đoạn video bằng chứng', mimeType: 'video/mp4' },
      ],
      areas: [{ areaDesc: 'Phường Đô Vinh', polygons: [], circles: [{ center: [108.944, 11.595], radiusKm: 2.5 }], geocodes: [] }],
    };
    const alert: CapAlert = {
      identifier: 'EVN-NT-7781',
      sender: 'ioc@phanrang.gov.vn',
      sent: Date.UTC(2026, 10, 23, 2, 15, 0),
      status: 'Exercise',
      msgType: 'Update',
      scope: 'Restricted',
      source: 'IOC Phan Rang',
      restriction: "Chỉ cơ quan chức năng's",
      note: 'diễn tập',
      references: [{ sender: 'ioc@phanrang.gov.vn', identifier: 'EVN-NT-7780', sent: Date.UTC(2026, 10, 23, 1) }],
      infos: [info],
    };
    const xml = buildCap(alert);
    expect(xml.indexOf('<resource>')).toBeGreaterThan(xml.indexOf('<headline>'));
    expect(xml.indexOf('<resource>')).toBeLessThan(xml.indexOf('<area>'));
    expect(ok(xml)).toStrictEqual(alert);
  });
});

describe('capToIncidentFields', () => {
  const base = ok(SAMPLE);
  const variant = (info: Partial<CapInfo>): CapAlert => ({ ...base, infos: [{ ...base.infos[0]!, ...info }] });

  it('turns the flood warning into a major flood incident at the polygon centroid', () => {
    const f = capToIncidentFields(base);
    expect(f).toMatchObject({
      type: 'flood',
      severity: 'major',
      address: 'Phường Phủ Hà, Đạo Long, Mỹ Bình (ven sông Dinh); Bán kính 15 km quanh trung tâm TP Phan Rang – Tháp Chàm',
      externalRef: 'canhbao@kttv.ninhthuan.gov.vn,VN-KTTV-NT-2026-1123-0042',
    });
    expect(f.position![0]).toBeCloseTo(108.975, 6);
    expect(f.position![1]).toBeCloseTo(11.575, 6);
    expect(f.description).toBe(`${base.infos[0]!.headline}\n${base.infos[0]!.description}`);
  });

  it.each([
    [['Fire'], 'Cháy rừng', 'fire'],
    [['Met'], 'Bão số 12', 'other'],
    [['Geo'], 'Sạt lở, ngập sâu', 'flood'],
    [['Health'], 'Dịch sốt xuất huyết', 'medical'],
    [['Rescue'], 'Tìm kiếm cứu nạn', 'medical'],
    [['Security'], 'Gây rối trật tự', 'crime'],
    [['Transport'], 'Tai nạn QL1A', 'traffic_accident'],
    [['Infra'], 'Mất điện', 'infrastructure'],
    [['CBRNE'], 'Rò rỉ hóa chất', 'other'],
  ] as const)('category %j event %s → %s', (categories, event, type) => {
    expect(capToIncidentFields(variant({ categories: [...categories], event, headline: 'x' })).type).toBe(type);
  });

  it('maps CAP severity and falls back to the circle centre, or nothing', () => {
    const sev = (severity: CapInfo['severity']) => capToIncidentFields(variant({ severity })).severity;
    expect([sev('Extreme'), sev('Severe'), sev('Moderate'), sev('Minor'), sev('Unknown')]).toEqual(['critical', 'major', 'minor', 'info', 'info']);
    const circleOnly = variant({ areas: [base.infos[0]!.areas[1]!] });
    expect(capToIncidentFields(circleOnly).position).toEqual([108.99, 11.565]);
    expect(capToIncidentFields({ ...base, infos: [] })).toEqual({
      type: 'other',
      severity: 'info',
      position: null,
      address: null,
      description: base.note,
      externalRef: 'canhbao@kttv.ninhthuan.gov.vn,VN-KTTV-NT-2026-1123-0042',
    });
  });
});

describe('CAP over MQTT and into InfluxDB', () => {
  it('createCapHandler emits cap.alert or rejects with the parse reason', () => {
    const bus = new EventBus(pino({ level: 'silent' }));
    const seen: unknown[] = [];
    bus.on('cap.alert', 'test', (e) => seen.push(e));
    const handler = createCapHandler({ bus, now: () => 42 });
    const rejects: string[] = [];
    const reject = (reason: string, detail: string) => rejects.push(`${reason}: ${detail}`);
    handler('ioc/v1/cap/kttv-nt', Buffer.from(SAMPLE), reject);
    handler('ioc/v1/cap/kttv-nt', Buffer.from('not xml'), reject);
    handler('ioc/v1/cap/kttv-nt', Buffer.from(without('sender')), reject);
    expect(seen).toEqual([{ alert: ok(SAMPLE), receivedAt: 42, via: 'mqtt' }]);
    expect(rejects).toHaveLength(2);
    expect(rejects[0]).toMatch(/^bad_xml: /);
    expect(rejects[1]).toBe('cap_invalid: alert.sender: required element missing');
  });

  it('createCapHandler rejects what the check refuses, with its reason, and emits nothing', () => {
    const bus = new EventBus(pino({ level: 'silent' }));
    const seen: unknown[] = [];
    bus.on('cap.alert', 'test', (e) => seen.push(e));
    const handler = createCapHandler({ bus, now: () => 42, check: (a) => (a.sender === 'canhbao@kttv.ninhthuan.gov.vn' ? { reason: 'foreign_reference', detail: 'not yours' } : null) });
    const rejects: string[] = [];
    handler('ioc/v1/cap/kttv-nt', Buffer.from(SAMPLE), (reason, detail) => rejects.push(`${reason}: ${detail}`));
    expect(rejects).toEqual(['foreign_reference: not yours']);
    expect(seen).toEqual([]);
  });

  it('capAlertPoint is idempotent for the same alert and distinct for another', () => {
    const a = ok(SAMPLE);
    const p = capAlertPoint({ alert: a, receivedAt: 1, via: 'http' });
    expect(p).toEqual({
      measurement: 'cap_alert',
      tags: { sender: 'canhbao@kttv.ninhthuan.gov.vn', msg_type: 'Alert', status: 'Actual', severity: 'Severe' },
      fields: {
        identifier: 'VN-KTTV-NT-2026-1123-0042',
        event: 'Lũ quét và ngập lụt do bão số 12',
        headline: 'Cảnh báo lũ, ngập lụt tại TP Phan Rang – Tháp Chàm',
        references: '',
        area_desc: 'Phường Phủ Hà, Đạo Long, Mỹ Bình (ven sông Dinh); Bán kính 15 km quanh trung tâm TP Phan Rang – Tháp Chàm',
      },
      timestamp: expect.stringMatching(new RegExp(`^${a.sent}\\d{6}$`)),
    });
    expect(capAlertPoint({ alert: a, receivedAt: 2, via: 'mqtt' }).timestamp).toBe(p.timestamp);
    expect(capAlertPoint({ alert: { ...a, identifier: 'VN-KTTV-NT-2026-1123-0043' }, receivedAt: 1, via: 'mqtt' }).timestamp).not.toBe(p.timestamp);
    expect(capAlertPoint({ alert: { ...a, sender: 'đài kttv,nt' }, receivedAt: 1, via: 'mqtt' }).tags.sender).toBe('__i_kttv_nt');
  });
});

describe('who may update or cancel a CAP incident (issue #19)', () => {
  const capInc = (sender: string, identifier: string) => ({ id: 'inc-1', channel: 'cap', externalRef: capRef(sender, identifier) });

  it('capRef keys a message by sender and identifier apart, even with "/" in either', () => {
    expect(capRef('a/b', 'c')).not.toBe(capRef('a', 'b/c'));
    expect(capOriginSender(capInc('a/b', 'c'))).toBe('a/b');
    expect(capOriginSender(capInc('kttv@nt.gov.vn', '2026/001'))).toBe('kttv@nt.gov.vn');
  });

  it('no CAP origin for reports, system incidents and keys from before capRef', () => {
    expect(capOriginSender({ channel: 'hotline_115', externalRef: 'hotline-115:a,b' })).toBeNull();
    expect(capOriginSender({ channel: 'system', externalRef: null })).toBeNull();
    expect(capOriginSender({ channel: 'cap', externalRef: 'kttv@nt.gov.vn/VN-1' })).toBeNull();
  });

  it('foreignReference: only the sender of the original alert may update or cancel', () => {
    const inc = capInc('kttv@nt.gov.vn', 'VN-1');
    expect(foreignReference({ sender: 'kttv@nt.gov.vn', msgType: 'Cancel' }, inc)).toBeNull();
    expect(foreignReference({ sender: 'kttv@nt.gov.vn/x', msgType: 'Cancel' }, inc)).toMatch(/came from kttv@nt\.gov\.vn: only the sender/);
    expect(foreignReference({ sender: 'evn@nt.gov.vn', msgType: 'Update' }, inc)).toMatch(/^Update from evn@nt\.gov\.vn references incident inc-1/);
    expect(foreignReference({ sender: 'kttv@nt.gov.vn', msgType: 'Cancel' }, { id: 'inc-2', channel: 'hotline_115', externalRef: 'x' })).toMatch(/did not come from a CAP alert/);
  });
});
