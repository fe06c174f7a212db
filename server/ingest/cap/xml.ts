/**
 * XML → plain object for CAP, safely. CAP never needs a DTD, so any DOCTYPE or
 * ENTITY declaration is refused before parsing (no XXE, no billion laughs), and
 * fast-xml-parser's own entity processing is off: only the five predefined XML
 * entities and numeric character references are decoded, by us, in one pass.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export const MAX_CAP_BYTES = 256 * 1024;

/** Elements that may repeat in CAP 1.2; everything else must appear at most once. */
const REPEATABLE = new Set(['info', 'category', 'responseType', 'eventCode', 'parameter', 'resource', 'area', 'polygon', 'circle', 'geocode', 'code']);

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeEntities(s: string): string {
  return s.replace(/&(?:(amp|lt|gt|quot|apos)|#(\d{1,7})|#x([0-9a-fA-F]{1,6}));/g, (m, name: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (name) return PREDEFINED[name]!;
    const cp = dec !== undefined ? Number(dec) : parseInt(hex!, 16);
    return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
  });
}

export type XmlNode = Record<string, unknown>;

export type XmlResult = { ok: true; root: XmlNode; rootName: string; namespace: string | undefined } | { ok: false; detail: string };

/** Well-formedness + safety checks, then the single root element with its namespace. */
export function readXml(xml: string): XmlResult {
  if (Buffer.byteLength(xml, 'utf8') > MAX_CAP_BYTES) return { ok: false, detail: `document larger than ${MAX_CAP_BYTES / 1024} KB` };
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) return { ok: false, detail: 'DOCTYPE / ENTITY declarations are not allowed in CAP' };
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return { ok: false, detail: `line ${valid.err.line}: ${valid.err.msg}` };

  // Prefixes are stripped (cap:alert → alert); the root's prefix is kept to find its xmlns.
  let rootPrefix: string | null = null;
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseTagValue: false,
    parseAttributeValue: false,
    processEntities: false,
    trimValues: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    transformTagName: (name) => {
      const i = name.indexOf(':');
      if (i < 0) return name;
      const local = name.slice(i + 1);
      if (local === 'alert' && rootPrefix === null) rootPrefix = name.slice(0, i);
      return local;
    },
    tagValueProcessor: (_tag, val) => decodeEntities(val),
    attributeValueProcessor: (_attr, val) => decodeEntities(val),
    isArray: (name) => REPEATABLE.has(name),
  });
  let doc: XmlNode;
  try {
    doc = parser.parse(xml) as XmlNode;
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
  const names = Object.keys(doc);
  if (names.length !== 1) return { ok: false, detail: 'expected exactly one root element' };
  const rootName = names[0]!;
  const root = doc[rootName];
  const node: XmlNode = typeof root === 'object' && root !== null && !Array.isArray(root) ? (root as XmlNode) : {};
  const nsAttr = rootPrefix === null ? '@_xmlns' : `@_xmlns:${rootPrefix}`;
  const ns = node[nsAttr];
  return { ok: true, root: node, rootName, namespace: typeof ns === 'string' ? ns : undefined };
}
