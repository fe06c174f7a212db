/**
 * CapAlert → CAP 1.2 XML, elements in the order the CAP XML schema requires,
 * so our own alerts can be exported to other agencies' systems.
 * parseCap(buildCap(a)) deep-equals a.
 */
import { CAP_NS, capDateTime, type CapAlert, type CapArea, type CapInfo, type CapResource } from '../../../contract/cap.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

function el(name: string, value: string | undefined, indent: string): string {
  return value === undefined ? '' : `${indent}<${name}>${esc(value)}</${name}>\n`;
}

const pair = ([lon, lat]: [number, number]) => `${lat},${lon}`;

function area(a: CapArea): string {
  const i = '      ';
  let out = '    <area>\n' + el('areaDesc', a.areaDesc, i);
  for (const p of a.polygons) out += el('polygon', p.map(pair).join(' '), i);
  for (const c of a.circles) out += el('circle', `${pair(c.center)} ${c.radiusKm}`, i);
  for (const g of a.geocodes) out += `${i}<geocode>\n${el('valueName', g.valueName, i + '  ')}${el('value', g.value, i + '  ')}${i}</geocode>\n`;
  return out + '    </area>\n';
}

function resource(r: CapResource): string {
  const i = '      ';
  return '    <resource>\n' + el('resourceDesc', r.resourceDesc, i) + el('mimeType', r.mimeType, i) + el('uri', r.uri, i) + '    </resource>\n';
}

function info(f: CapInfo): string {
  const i = '    ';
  const t = (ms: number | undefined) => (ms === undefined ? undefined : capDateTime(ms));
  return (
    '  <info>\n' +
    el('language', f.language, i) +
    f.categories.map((c) => el('category', c, i)).join('') +
    el('event', f.event, i) +
    el('urgency', f.urgency, i) +
    el('severity', f.severity, i) +
    el('certainty', f.certainty, i) +
    el('effective', t(f.effective), i) +
    el('onset', t(f.onset), i) +
    el('expires', t(f.expires), i) +
    el('senderName', f.senderName, i) +
    el('headline', f.headline, i) +
    el('description', f.description, i) +
    el('instruction', f.instruction, i) +
    el('web', f.web, i) +
    el('contact', f.contact, i) +
    (f.resources ?? []).map(resource).join('') +
    f.areas.map(area).join('') +
    '  </info>\n'
  );
}

export function buildCap(a: CapAlert): string {
  const i = '  ';
  const refs = a.references.map((r) => `${r.sender},${r.identifier},${capDateTime(r.sent)}`).join(' ');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<alert xmlns="${CAP_NS}">\n` +
    el('identifier', a.identifier, i) +
    el('sender', a.sender, i) +
    el('sent', capDateTime(a.sent), i) +
    el('status', a.status, i) +
    el('msgType', a.msgType, i) +
    el('source', a.source, i) +
    el('scope', a.scope, i) +
    el('restriction', a.restriction, i) +
    el('addresses', a.addresses, i) +
    el('note', a.note, i) +
    el('references', refs === '' ? undefined : refs, i) +
    a.infos.map(info).join('') +
    '</alert>\n'
  );
}
