/**
 * CAP 1.2 XML → CapAlert, validating required elements, enumerations and the
 * conditional rules of the spec (restriction / addresses by scope, references
 * for Update/Cancel/Ack/Error, closed polygons). Each error names the element
 * by its path (e.g. `alert.info[0].area[1].polygon[0]`) and the problem.
 */
import {
  CAP_CATEGORIES,
  CAP_CERTAINTIES,
  CAP_MSG_TYPES,
  CAP_NS,
  CAP_SCOPES,
  CAP_SEVERITIES,
  CAP_STATUSES,
  CAP_URGENCIES,
  type CapAlert,
  type CapArea,
  type CapInfo,
  type CapReference,
} from '../../../contract/cap.js';
import { readXml, type XmlNode } from './xml.js';

export type CapParseResult = { ok: true; alert: CapAlert } | { ok: false; reason: 'bad_xml' | 'cap_invalid'; detail: string };

class CapError extends Error {}
const fail = (path: string, problem: string): never => {
  throw new CapError(`${path}: ${problem}`);
};

export function parseCap(xml: string): CapParseResult {
  const doc = readXml(xml);
  if (!doc.ok) return { ok: false, reason: 'bad_xml', detail: doc.detail };
  try {
    if (doc.rootName !== 'alert') fail(doc.rootName, 'root element must be <alert>');
    if (doc.namespace !== CAP_NS) fail('alert', `namespace must be ${CAP_NS} (got ${doc.namespace ?? 'none'})`);
    return { ok: true, alert: readAlert(doc.root) };
  } catch (err) {
    if (err instanceof CapError) return { ok: false, reason: 'cap_invalid', detail: err.message };
    throw err;
  }
}

function readAlert(n: XmlNode): CapAlert {
  const p = 'alert';
  const identifier = noSpecials(req(n, 'identifier', p), `${p}.identifier`);
  const sender = noSpecials(req(n, 'sender', p), `${p}.sender`);
  const sent = dateTime(req(n, 'sent', p), `${p}.sent`);
  const status = oneOf(req(n, 'status', p), CAP_STATUSES, `${p}.status`);
  const msgType = oneOf(req(n, 'msgType', p), CAP_MSG_TYPES, `${p}.msgType`);
  const scope = oneOf(req(n, 'scope', p), CAP_SCOPES, `${p}.scope`);
  const source = opt(n, 'source', p);
  const restriction = opt(n, 'restriction', p);
  const addresses = opt(n, 'addresses', p);
  const note = opt(n, 'note', p);
  if (scope === 'Restricted' && restriction === undefined) fail(`${p}.restriction`, 'required when scope is Restricted');
  if (scope === 'Private' && addresses === undefined) fail(`${p}.addresses`, 'required when scope is Private');
  const refText = opt(n, 'references', p);
  const references = refText === undefined ? [] : parseReferences(refText, `${p}.references`);
  if (['Update', 'Cancel', 'Ack', 'Error'].includes(msgType) && references.length === 0) {
    fail(`${p}.references`, `required when msgType is ${msgType} (which earlier message?)`);
  }
  const infos = many(n, 'info').map((x, i) => readInfo(asNode(x, `${p}.info[${i}]`), `${p}.info[${i}]`));
  return {
    identifier,
    sender,
    sent,
    status,
    msgType,
    scope,
    ...(source !== undefined && { source }),
    ...(restriction !== undefined && { restriction }),
    ...(addresses !== undefined && { addresses }),
    ...(note !== undefined && { note }),
    references,
    infos,
  };
}

function readInfo(n: XmlNode, p: string): CapInfo {
  const cats = many(n, 'category').map((c, i) => oneOf(text(c, `${p}.category[${i}]`), CAP_CATEGORIES, `${p}.category[${i}]`));
  if (cats.length === 0) fail(`${p}.category`, 'required element missing (at least one)');
  const info: CapInfo = {
    categories: cats,
    event: req(n, 'event', p),
    urgency: oneOf(req(n, 'urgency', p), CAP_URGENCIES, `${p}.urgency`),
    severity: oneOf(req(n, 'severity', p), CAP_SEVERITIES, `${p}.severity`),
    certainty: oneOf(req(n, 'certainty', p), CAP_CERTAINTIES, `${p}.certainty`),
    language: opt(n, 'language', p) ?? 'en-US',
    areas: [],
  };
  for (const k of ['headline', 'description', 'instruction', 'senderName', 'web', 'contact'] as const) {
    const v = opt(n, k, p);
    if (v !== undefined) info[k] = v;
  }
  for (const k of ['effective', 'onset', 'expires'] as const) {
    const v = opt(n, k, p);
    if (v !== undefined) info[k] = dateTime(v, `${p}.${k}`);
  }
  const resources = many(n, 'resource').map((x, i) => {
    const r = asNode(x, `${p}.resource[${i}]`);
    const q = `${p}.resource[${i}]`;
    const uri = opt(r, 'uri', q);
    return { resourceDesc: req(r, 'resourceDesc', q), mimeType: req(r, 'mimeType', q), ...(uri !== undefined && { uri }) };
  });
  if (resources.length > 0) info.resources = resources;
  info.areas = many(n, 'area').map((x, i) => readArea(asNode(x, `${p}.area[${i}]`), `${p}.area[${i}]`));
  return info;
}

function readArea(n: XmlNode, p: string): CapArea {
  return {
    areaDesc: req(n, 'areaDesc', p),
    polygons: many(n, 'polygon').map((x, i) => polygon(text(x, `${p}.polygon[${i}]`), `${p}.polygon[${i}]`)),
    circles: many(n, 'circle').map((x, i) => circle(text(x, `${p}.circle[${i}]`), `${p}.circle[${i}]`)),
    geocodes: many(n, 'geocode').map((x, i) => {
      const g = asNode(x, `${p}.geocode[${i}]`);
      return { valueName: req(g, 'valueName', `${p}.geocode[${i}]`), value: req(g, 'value', `${p}.geocode[${i}]`) };
    }),
  };
}

// --- element access -------------------------------------------------------

function many(n: XmlNode, name: string): unknown[] {
  const v = n[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function asNode(v: unknown, path: string): XmlNode {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as XmlNode;
  return fail(path, 'must contain child elements');
}

function text(v: unknown, path: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const t = (v as XmlNode)['#text'];
    const children = Object.keys(v).filter((k) => k !== '#text' && !k.startsWith('@_'));
    if (children.length === 0) return typeof t === 'string' ? t : '';
  }
  return fail(path, 'must be text, not child elements');
}

function opt(n: XmlNode, name: string, parent: string): string | undefined {
  const v = n[name];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) fail(`${parent}.${name}`, 'appears more than once');
  const t = text(v, `${parent}.${name}`);
  // An empty optional element carries nothing: treat it as absent.
  return t === '' ? undefined : t;
}

function req(n: XmlNode, name: string, parent: string): string {
  if (n[name] === undefined) fail(`${parent}.${name}`, 'required element missing');
  const t = opt(n, name, parent);
  if (t === undefined) fail(`${parent}.${name}`, 'must not be empty');
  return t!;
}

// --- value formats ---------------------------------------------------------

function oneOf<T extends string>(v: string, allowed: readonly T[], path: string): T {
  if ((allowed as readonly string[]).includes(v)) return v as T;
  return fail(path, `${JSON.stringify(v)} is not one of ${allowed.join(', ')}`);
}

/** CAP forbids spaces, commas and the restricted characters < & in identifier and sender. */
function noSpecials(v: string, path: string): string {
  if (/[\s,<&]/.test(v)) fail(path, 'must not contain spaces, commas, "<" or "&"');
  return v;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?([+-]\d{2}:\d{2}|Z)$/;

/**
 * CAP dateTime: an explicit time zone is mandatory. The spec forbids "Z"
 * (UTC is written -00:00) but feeds do send it, and it is unambiguous, so we accept it.
 */
export function dateTime(v: string, path: string): number {
  const m = DATE_TIME.exec(v);
  if (!m) return fail(path, `${JSON.stringify(v)} is not a dateTime with time zone (e.g. 2026-11-23T08:00:00+07:00)`);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const probe = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  if (probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) fail(path, `${JSON.stringify(v)} is not a valid date`);
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) fail(path, `${JSON.stringify(v)} is not a valid date`);
  return ms;
}

/** Whitespace-separated "sender,identifier,sent" triplets. */
function parseReferences(v: string, path: string): CapReference[] {
  return v
    .split(/\s+/)
    .filter(Boolean)
    .map((t, i) => {
      const parts = t.split(',');
      if (parts.length !== 3 || !parts[0] || !parts[1]) fail(path, `entry ${i + 1} ${JSON.stringify(t)} is not "sender,identifier,sent"`);
      return { sender: parts[0]!, identifier: parts[1]!, sent: dateTime(parts[2]!, `${path} entry ${i + 1}`) };
    });
}

function latLon(pair: string, path: string): [number, number] {
  const m = /^([+-]?\d+(?:\.\d+)?),([+-]?\d+(?:\.\d+)?)$/.exec(pair);
  if (!m) return fail(path, `${JSON.stringify(pair)} is not a "lat,lon" pair`);
  const lat = Number(m[1]);
  const lon = Number(m[2]);
  if (lat < -90 || lat > 90 || lon < -180 || lon > 180) fail(path, `${JSON.stringify(pair)} is out of range (lat ±90, lon ±180)`);
  return [lon, lat];
}

function polygon(v: string, path: string): [number, number][] {
  const pts = v.split(/\s+/).filter(Boolean).map((pair) => latLon(pair, path));
  if (pts.length < 4) fail(path, `needs at least 4 "lat,lon" pairs, got ${pts.length}`);
  const [a, b] = [pts[0]!, pts[pts.length - 1]!];
  if (a[0] !== b[0] || a[1] !== b[1]) fail(path, 'not closed: the first and last pairs must be the same');
  return pts;
}

function circle(v: string, path: string): { center: [number, number]; radiusKm: number } {
  const parts = v.split(/\s+/).filter(Boolean);
  if (parts.length !== 2) fail(path, `${JSON.stringify(v)} is not "lat,lon radius"`);
  const radiusKm = Number(parts[1]);
  if (!/^\d+(\.\d+)?$/.test(parts[1]!) || !Number.isFinite(radiusKm)) fail(path, `radius ${JSON.stringify(parts[1])} is not a number of km`);
  return { center: latLon(parts[0]!, path), radiusKm };
}
