/**
 * The compiled fast path (server/ingest/fast-accept.ts) must answer exactly as zod does
 * for every payload kind it compiles, and must refuse to compile what JSON Schema cannot
 * say exactly. Pure logic: zod and Ajv, no services.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PAYLOAD_SCHEMAS, type JsonMessageKind } from '../../contract/index.js';
import { DETECTION_KINDS } from '../../contract/payloads.js';
import { compileAcceptor, exactlyRepresentable } from '../../server/ingest/fast-accept.js';
import { createLoadMessages } from '../../simulators/load.js';

const HOT: JsonMessageKind[] = ['cameraStatus', 'cameraDetection', 'stationStatus', 'linkStatus'];

/** One payload of each kind with every optional field set. */
const FULL: Record<string, Record<string, unknown>[]> = {
  cameraStatus: [{ seq: 5, ts: 1_763_881_230_000, state: 'degraded', fps: 12.5, bitrateKbps: 2048, uptimeS: 3600, lastFrameTs: 1_763_881_229_000 }],
  stationStatus: [{ seq: 9, ts: 1_763_881_230_000, state: 'degraded', power: 'battery', batteryPct: 64.5, backhaul: 'up', loadPct: 71.2, rsrpDbm: -97.5, sinrDb: 6.1, activeUsers: 512 }],
  linkStatus: [{ seq: 2, ts: 1_763_881_230_000, state: 'up', latencyMs: 12.5, lossPct: 0.1 }],
  cameraDetection: DETECTION_KINDS.map((kind) => ({
    seq: 7,
    ts: 1_763_881_230_000,
    kind,
    confidence: 0.91,
    lat: 11.56,
    lon: 108.99,
    lane: 2,
    zone: 'Ngã tư Lê Duẩn',
    plate: '85A-123.45',
    eventTs: 1_763_881_229_500,
    ...(kind === 'speeding' ? { speedKmh: 82, limitKmh: 50 } : {}),
    ...(kind === 'congestion' ? { queueLengthM: 180 } : {}),
    ...(kind === 'crowd' ? { peopleCount: 40 } : {}),
  })),
};

/** Values that sit on, inside and just past the schemas' bounds, and of every JSON type. */
const VALUES: unknown[] = [
  undefined, null, true, false, '', 'x', 'up', 'online', 'red_light', 'speeding', 'bogus',
  -1e6, -160, -160.5, -90.01, -90, -30, -1, -0.0001, 0, 0.5, 1, 1.0001, 16, 17, 60, 60.1, 100, 100.01, 240, 240.5, 400, 1e6, 1e6 + 1,
  2 ** 31, 2 ** 53 - 1, 2 ** 53, 1.5e300, [], {}, [1], { a: 1 },
  'a'.repeat(16), 'a'.repeat(17), 'a'.repeat(64), 'a'.repeat(65),
  // Astral characters (two UTF-16 units each, one code point) and a lone surrogate, at the limits.
  '🚗'.repeat(16), '🚗'.repeat(17), '🚗'.repeat(9), 'ẩ'.repeat(16), 'ẩ'.repeat(17), '\ud83d'.repeat(16), '\ud83d'.repeat(17), `${'🚗'.repeat(15)}\ud83d`,
];

function keysOf(kind: JsonMessageKind): string[] {
  const keys = new Set<string>(['extra', '__proto__', 'constructor']);
  for (const p of FULL[kind]!) for (const k of Object.keys(p)) keys.add(k);
  return [...keys];
}

function agree(kind: JsonMessageKind, fast: (v: unknown) => boolean, value: unknown): void {
  const zod = PAYLOAD_SCHEMAS[kind].safeParse(value);
  const yes = fast(value);
  if (yes !== zod.success) throw new Error(`${kind}: fast path says ${yes}, zod says ${zod.success} for ${JSON.stringify(value)}`);
  // A yes means the parsed JSON is used as it is: zod's output must be the same value.
  if (yes) expect(zod.data).toEqual(value);
}

/** Deterministic pseudo-random numbers for the fuzz (a test that fails must fail again). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('fast accept', () => {
  it('compiles the telemetry kinds and leaves the incident report (a refinement) to zod', () => {
    for (const kind of HOT) expect(compileAcceptor(PAYLOAD_SCHEMAS[kind]), kind).not.toBeNull();
    expect(compileAcceptor(PAYLOAD_SCHEMAS.incidentReport)).toBeNull();
    // Compiled once per schema, however many routers ask.
    for (const kind of HOT) expect(compileAcceptor(PAYLOAD_SCHEMAS[kind])).toBe(compileAcceptor(PAYLOAD_SCHEMAS[kind]));
  });

  it('refuses every schema part JSON Schema cannot express exactly', () => {
    const refused = [
      z.object({ a: z.number() }).refine((o) => o.a > 1),
      z.object({ a: z.number().refine((n) => n % 2 === 0) }),
      z.object({ a: z.string().transform((s) => s.trim()) }),
      z.object({ a: z.number().default(1) }),
      z.object({ a: z.string().regex(/^a/i) }),
      z.object({ a: z.string().email() }),
      z.looseObject({ a: z.number() }),
      z.union([z.object({ a: z.number() }), z.object({ b: z.number() })]),
      z.object({ a: z.number().multipleOf(5) }),
      z.object({ a: z.array(z.number()) }),
      z.object({ a: z.number().nullable() }),
    ];
    for (const s of refused) {
      expect(exactlyRepresentable(s)).toBe(false);
      expect(compileAcceptor(s)).toBeNull();
    }
    expect(exactlyRepresentable(z.strictObject({ a: z.number().int().min(0).max(9), b: z.enum(['x', 'y']).optional(), c: z.string().max(3) }))).toBe(true);
  });

  it("accepts what the simulators' load mode sends, unchanged", () => {
    const next = createLoadMessages(500);
    const fast = Object.fromEntries(HOT.map((k) => [k, compileAcceptor(PAYLOAD_SCHEMAS[k])!]));
    for (let i = 0; i < 5000; i++) {
      const m = next(i, 1_763_881_230_000 + i);
      // Through JSON, as on the wire.
      const value = JSON.parse(JSON.stringify(m.payload)) as unknown;
      expect(fast[m.kind]!(value)).toBe(true);
      agree(m.kind, fast[m.kind]!, value);
    }
  });

  for (const kind of HOT) {
    it(`answers as zod does for ${kind}: every field set to every test value, dropped, or added`, () => {
      const fast = compileAcceptor(PAYLOAD_SCHEMAS[kind])!;
      let checked = 0;
      for (const base of FULL[kind]!) {
        agree(kind, fast, base);
        for (const key of keysOf(kind)) {
          const dropped: Record<string, unknown> = { ...base };
          delete dropped[key];
          agree(kind, fast, dropped);
          for (const v of VALUES) {
            // Through JSON text, so that "__proto__" is an own key as JSON.parse makes it.
            // Through JSON text; "__proto__" spliced in as text, so that it is an own key as JSON.parse makes it.
            const value = (key === '__proto__' ? JSON.parse(`${JSON.stringify(base).slice(0, -1)},"__proto__":${JSON.stringify(v ?? null)}}`) : JSON.parse(JSON.stringify({ ...base, [key]: v }))) as unknown;
            agree(kind, fast, value);
            checked++;
          }
        }
      }
      for (const v of [null, [], 'text', 5, true, [FULL[kind]![0]]]) agree(kind, fast, v);
      expect(checked).toBeGreaterThan(300);
    });

    it(`answers as zod does for ${kind} on 5,000 random payloads`, () => {
      const fast = compileAcceptor(PAYLOAD_SCHEMAS[kind])!;
      const rand = rng(kind.length * 7919);
      const keys = keysOf(kind).filter((k) => k !== '__proto__');
      let accepted = 0;
      for (let i = 0; i < 5000; i++) {
        const base = FULL[kind]![Math.floor(rand() * FULL[kind]!.length)]!;
        const value: Record<string, unknown> = { ...base };
        // Change one to three fields, or none (then it must pass).
        const changes = Math.floor(rand() * 4);
        for (let c = 0; c < changes; c++) {
          const key = keys[Math.floor(rand() * keys.length)]!;
          if (rand() < 0.2) delete value[key];
          else value[key] = VALUES[Math.floor(rand() * VALUES.length)];
        }
        const parsed = JSON.parse(JSON.stringify(value)) as unknown;
        agree(kind, fast, parsed);
        if (fast(parsed)) accepted++;
      }
      // Both sides of the answer were exercised.
      expect(accepted).toBeGreaterThan(500);
      expect(accepted).toBeLessThan(4500);
    });
  }
});
