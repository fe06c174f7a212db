/**
 * docs/protocol.md cannot drift from the contract:
 *   - every ```json block preceded by `<!-- example: KIND ... -->` parses against PAYLOAD_SCHEMAS[KIND];
 *   - every JSON message kind has at least one example, and every ```json block is such an example;
 *   - each message's field table lists exactly the schema's fields, with their enum values;
 *   - the topic table names every topic the contract builds, and parseTopic accepts them;
 *   - documented defaults and reject reasons match the code.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { DETECTION_KINDS, ERROR_CODES, PAYLOAD_SCHEMAS, parseTopic, SUBSCRIPTIONS, topics, type JsonMessageKind } from '../../contract/index.js';
import { loadConfig } from '../../server/config.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DOC = readFileSync(path.join(ROOT, 'docs', 'protocol.md'), 'utf8');
const KINDS = Object.keys(PAYLOAD_SCHEMAS) as JsonMessageKind[];

interface Example {
  kind: string;
  label: string;
  json: string;
  line: number;
}

/** Marked examples: the marker comment, optional blank lines, then a ```json fence. */
function examples(doc: string): Example[] {
  const out: Example[] = [];
  const re = /<!--\s*example:\s*([A-Za-z]+)([^>]*?)\s*-->\s*\n(?:[ \t]*\n)*```json\n([\s\S]*?)\n```/g;
  for (const m of doc.matchAll(re)) {
    out.push({ kind: m[1]!, label: `${m[1]}${m[2] ?? ''}`.trim(), json: m[3]!, line: doc.slice(0, m.index).split('\n').length });
  }
  return out;
}

const EXAMPLES = examples(DOC);

/** The `### ` section of the doc that holds the example marker of `kind`. */
function sectionOf(kind: string): string {
  const sections = DOC.split(/\n(?=##+ )/);
  const found = sections.filter((s) => new RegExp(`<!--\\s*example:\\s*${kind}\\s*-->`).test(s));
  expect(found, `one section holds the main example of ${kind}`).toHaveLength(1);
  return found[0]!;
}

/**
 * Field names of the markdown table rows in a section: `| \`name\` | type | ...`, or, in the
 * detection extras table, `| \`kind\` | \`name\` | ...` (the field is the second cell).
 */
function tableFields(section: string): Set<string> {
  return new Set([...section.matchAll(/^\|\s*`([A-Za-z]+)`\s*\|(?:\s*`([A-Za-z]+)`\s*\|)?/gm)].map((m) => m[2] ?? m[1]!));
}

type AnyZod = z.ZodType & { _zod: { def: { type: string; values?: unknown[] } }; shape?: Record<string, AnyZod>; options?: AnyZod[] };

/** The object variants of a payload schema (one, or the detection union's nine). */
function variants(schema: AnyZod): Record<string, AnyZod>[] {
  if (schema.options) return schema.options.map((o) => o.shape!);
  return [schema.shape!];
}

function unwrap(s: AnyZod): AnyZod {
  let cur = s as AnyZod & { unwrap?: () => AnyZod };
  while (cur._zod.def.type === 'optional' && cur.unwrap) cur = cur.unwrap() as typeof cur;
  return cur;
}

/** Enum values of a field (enum or literal), or []. */
function enumValues(s: AnyZod): string[] {
  const u = unwrap(s) as AnyZod & { options?: unknown };
  if (u._zod.def.type === 'enum') return (u as unknown as { options: string[] }).options;
  if (u._zod.def.type === 'literal') return (u._zod.def.values ?? []).map(String);
  return [];
}

describe('docs/protocol.md examples', () => {
  it('has marked examples', () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(KINDS.length);
  });

  it('marks every ```json block as an example of a known kind', () => {
    const fences = (DOC.match(/^```json$/gm) ?? []).length;
    expect(EXAMPLES.length).toBe(fences);
    for (const ex of EXAMPLES) expect(KINDS, `line ${ex.line}: ${ex.label}`).toContain(ex.kind);
  });

  it('validates every example against its contract schema', () => {
    for (const ex of EXAMPLES) {
      let json: unknown;
      expect(() => (json = JSON.parse(ex.json)), `line ${ex.line}: ${ex.label} is not valid JSON`).not.toThrow();
      const result = PAYLOAD_SCHEMAS[ex.kind as JsonMessageKind].safeParse(json);
      const issues = result.success ? '' : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      expect(issues, `line ${ex.line}: ${ex.label}`).toBe('');
    }
  });

  it('has an example for every topic kind of PAYLOAD_SCHEMAS', () => {
    const documented = new Set(EXAMPLES.filter((e) => e.label === e.kind).map((e) => e.kind));
    expect(KINDS.filter((k) => !documented.has(k))).toEqual([]);
  });

  it('shows last-wills as the protocol defines them: seq 0, retained status kinds only', () => {
    const wills = EXAMPLES.filter((e) => /last-will/.test(e.label));
    expect(wills.map((w) => w.kind).sort()).toEqual(['cameraStatus', 'stationStatus']);
    for (const w of wills) expect((JSON.parse(w.json) as { seq: number; state: string }).seq).toBe(0);
    expect(JSON.parse(wills.find((w) => w.kind === 'cameraStatus')!.json)).toMatchObject({ state: 'offline' });
    expect(JSON.parse(wills.find((w) => w.kind === 'stationStatus')!.json)).toMatchObject({ state: 'down' });
  });

  it('main examples are complete: they set every field of their schema variant', () => {
    for (const kind of KINDS) {
      const ex = EXAMPLES.find((e) => e.label === kind)!;
      const json = JSON.parse(ex.json) as Record<string, unknown>;
      const variant = variants(PAYLOAD_SCHEMAS[kind] as unknown as AnyZod).find((v) => {
        const k = v.kind ? enumValues(v.kind) : [];
        return k.length === 0 || k.includes(String(json.kind));
      })!;
      expect(Object.keys(json).sort(), kind).toEqual(Object.keys(variant).sort());
    }
  });

  it('rejections still work on the documented examples (the test can fail)', () => {
    const ex = EXAMPLES.find((e) => e.label === 'cameraStatus')!;
    const bad = { ...(JSON.parse(ex.json) as object), extraField: 1 };
    expect(PAYLOAD_SCHEMAS.cameraStatus.safeParse(bad).success).toBe(false);
  });
});

describe('docs/protocol.md field tables', () => {
  for (const kind of KINDS) {
    it(`${kind}: the table lists exactly the schema's fields and every enum value`, () => {
      const section = sectionOf(kind);
      const shapes = variants(PAYLOAD_SCHEMAS[kind] as unknown as AnyZod);
      const schemaFields = new Set(shapes.flatMap((s) => Object.keys(s)));
      const documented = tableFields(section);
      expect([...schemaFields].filter((f) => !documented.has(f)), 'fields missing from the doc').toEqual([]);
      expect([...documented].filter((f) => !schemaFields.has(f)), 'fields the schema does not have').toEqual([]);
      for (const shape of shapes) {
        for (const [field, s] of Object.entries(shape)) {
          for (const v of enumValues(s)) expect(section, `${kind}.${field} value ${v}`).toContain(`\`${v}\``);
        }
      }
    });
  }

  it('detection: every kind is listed, with its extra fields', () => {
    const section = sectionOf('cameraDetection');
    for (const k of DETECTION_KINDS) expect(section).toContain(`\`${k}\``);
    expect(section).toMatch(/\| `speeding` \| `speedKmh` \|/);
    expect(section).toMatch(/\| `speeding` \| `limitKmh` \|/);
    expect(section).toMatch(/\| `congestion` \| `queueLengthM` \|/);
    expect(section).toMatch(/\| `crowd` \| `peopleCount` \|/);
  });

  it('marks required and optional fields as the schema does', () => {
    for (const kind of ['cameraStatus', 'stationStatus', 'linkStatus'] as const) {
      const section = sectionOf(kind);
      for (const [field, s] of Object.entries(PAYLOAD_SCHEMAS[kind].shape)) {
        const row = new RegExp(`^\\| \`${field}\` \\|.*\\| (yes|no) \\|$`, 'm').exec(section);
        expect(row, `${kind}.${field} row`).not.toBeNull();
        expect(row![1], `${kind}.${field}`).toBe((s as z.ZodType).safeParse(undefined).success ? 'no' : 'yes');
      }
    }
  });
});

describe('docs/protocol.md topics and rules', () => {
  it('names every topic the contract builds, and those topics parse to their kind', () => {
    const placeholders: [string, string, JsonMessageKind | 'cap'][] = [
      [topics.cameraStatus('{cameraId}'), topics.cameraStatus('cam-001'), 'cameraStatus'],
      [topics.cameraDetection('{cameraId}'), topics.cameraDetection('cam-001'), 'cameraDetection'],
      [topics.incidentReport('{sourceId}'), topics.incidentReport('hotline-115'), 'incidentReport'],
      [topics.stationStatus('{stationId}'), topics.stationStatus('bs-vtl-01'), 'stationStatus'],
      [topics.linkStatus('{linkId}'), topics.linkStatus('fo-bb-1'), 'linkStatus'],
      [topics.cap('{senderId}'), topics.cap('nchmf'), 'cap'],
      [topics.kpiValue('{indicatorId}'), topics.kpiValue('online_records_pct'), 'kpiValue'],
      [topics.vcStatus('{pointId}'), topics.vcStatus('vc-phuoc-my'), 'vcStatus'],
    ];
    for (const [doc, real, kind] of placeholders) {
      expect(DOC).toContain(`\`${doc}\``);
      expect(parseTopic(real)).toMatchObject({ kind });
    }
    expect(DOC).toContain(`\`${topics.frigateEvents}\``);
    expect(DOC).toContain(`\`${topics.frigateAvailable}\``);
    // The documented id rule is the one parseTopic applies.
    expect(DOC).toContain('`^[A-Za-z0-9][A-Za-z0-9_.-]*$`');
    expect(parseTopic('ioc/v1/camera/-cam/status')).toBeNull();
    expect(parseTopic(`ioc/v1/camera/${'a'.repeat(65)}/status`)).toBeNull();
  });

  it('documents the Frigate and CAP topics the server subscribes to, with their sections linked from the topic table', () => {
    expect(DOC).toMatch(/^### 4\.1 Frigate NVR$/m);
    expect(DOC).toMatch(/^### 4\.2 CAP 1\.2$/m);
    expect(DOC).toContain('[§4.1](#41-frigate-nvr)');
    expect(DOC).toContain('[§4.2](#42-cap-12)');
    expect(DOC).toContain('POST /api/ingest/cap');
    expect(DOC).not.toMatch(/being implemented|until issue \d+ lands/);
    expect(SUBSCRIPTIONS.cap).toEqual(['ioc/v1/cap/+']);
  });

  it('states the defaults the server really uses', () => {
    const c = loadConfig({});
    expect(DOC).toContain(`\`MAX_FUTURE_SKEW_S\` seconds (default ${c.MAX_FUTURE_SKEW_S})`);
    expect(DOC).toContain(`\`MAX_PAYLOAD_BYTES\` (default ${c.MAX_PAYLOAD_BYTES.toLocaleString('en').replace(/,/g, ' ')} bytes)`);
    expect(DOC).toContain(`\`DEVICE_STALE_S\` seconds (default ${c.DEVICE_STALE_S})`);
    expect(DOC).toContain(`\`DEAD_LETTER_SIZE\`, default ${c.DEAD_LETTER_SIZE}`);
  });

  it('lists the reject reasons the ingest router uses, and the metrics it exports', () => {
    const router = readFileSync(path.join(ROOT, 'server', 'ingest', 'router.ts'), 'utf8');
    const reasons = new Set([...router.matchAll(/this\.reject\([^,]+, topic, '([a-z_]+)'/g)].map((m) => m[1]!));
    expect(reasons.size).toBeGreaterThanOrEqual(6);
    for (const r of reasons) expect(DOC, r).toMatch(new RegExp(`^\\| \`${r}\` \\|`, 'm'));
    const metrics = readFileSync(path.join(ROOT, 'server', 'metrics.ts'), 'utf8');
    for (const name of ['ioc_ingest_rejected_total', 'ioc_ingest_messages_total', 'ioc_ingest_duplicates_total', 'ioc_ingest_seq_gaps_total']) {
      expect(metrics).toContain(`'${name}'`);
      expect(DOC).toContain(name);
    }
    expect(DOC).toContain('ioc_ingest_rejected_total{feed,reason}');
    expect(DOC).toContain('GET /api/feeds/health');
  });

  it('documents the Socket.IO events and every error code', () => {
    for (const e of ['state:snapshot', 'state:delta', 'state:resync']) expect(DOC).toContain(`\`${e}\``);
    for (const code of ERROR_CODES) expect(DOC).toContain(`'${code}'`);
  });
});
