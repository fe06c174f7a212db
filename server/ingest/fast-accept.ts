/**
 * A fast yes for valid telemetry, compiled from the zod schemas themselves.
 *
 * zod stays the contract: every payload schema is written in zod, and every
 * rejection (its reason, the detail in the feed health) comes from zod. But at
 * 10,000 msg/s zod's safeParse on every message is a third of the ingest's own allocation: it
 * builds a new output object and a result per field, and the GC that follows
 * costs more than the checks. For a message that is valid (nearly all of them),
 * zod's output is a copy of what JSON.parse gave: the hot schemas have no
 * defaults, transforms or stripped keys.
 *
 * So each schema is turned into JSON Schema by zod (`z.toJSONSchema`) and
 * compiled by Ajv into a function that checks the parsed JSON in place,
 * allocating nothing. If it says yes, the parsed JSON is the payload; if it says
 * no, zod parses the message as before and reports why.
 *
 * Only schemas whose every part maps exactly onto JSON Schema are compiled
 * (objects, strict objects, discriminated unions, optional fields, numbers with
 * bounds and integer formats, enums, literals, strings with lengths). A
 * refinement, transform, default, regex or anything else makes compile return
 * null, and that kind goes through zod alone: a check Ajv cannot see must never
 * be skipped. tests/unit/fast-accept.test.ts holds both to the same answers on
 * the simulators' payloads and on thousands of broken ones.
 */
import { Ajv } from 'ajv';
import { z } from 'zod';

/** Checks whose JSON Schema form (minimum/maximum, integer, lengths) means what zod means. */
const EXACT_CHECKS = new Set(['greater_than', 'less_than', 'number_format', 'max_length', 'min_length']);
const EXACT_NUMBER_FORMATS = new Set(['safeint', 'int32', 'uint32', 'float32', 'float64']);

interface Def {
  type: string;
  checks?: { _zod: { def: { check: string; format?: string } } }[];
  shape?: Record<string, Schema>;
  catchall?: Schema;
  options?: Schema[];
  discriminator?: string;
  innerType?: Schema;
}
type Schema = { _zod: { def: Def } };

/** True when every part of the schema has an exact JSON Schema equivalent (see the file comment). */
export function exactlyRepresentable(schema: z.ZodType): boolean {
  return exact(schema as unknown as Schema);
}

function exact(s: Schema): boolean {
  const def = s._zod.def;
  for (const c of def.checks ?? []) {
    const cd = c._zod.def;
    if (!EXACT_CHECKS.has(cd.check)) return false;
    if (cd.check === 'number_format' && !EXACT_NUMBER_FORMATS.has(cd.format ?? '')) return false;
  }
  switch (def.type) {
    case 'number':
    case 'string':
    case 'boolean':
    case 'enum':
    case 'literal':
      return true;
    case 'optional':
      return def.innerType !== undefined && exact(def.innerType);
    case 'object': {
      // Passthrough objects (any catchall but `never` or none) would need more thought: not used.
      const catchall = def.catchall?._zod.def.type;
      if (catchall !== undefined && catchall !== 'never') return false;
      return Object.values(def.shape ?? {}).every(exact);
    }
    case 'union':
      // Only discriminated unions: a plain union's first-match output could differ from the input.
      return typeof def.discriminator === 'string' && (def.options ?? []).every(exact);
    default:
      return false;
  }
}

// One Ajv for every schema. String lengths: both count code points (zod 4.6, Ajv by
// default), so an emoji is one character to each; the test holds them to it.
const ajv = new Ajv({ strict: true, discriminator: true, allErrors: false, messages: false });

type Acceptor = (value: unknown) => boolean;

/** Compiled once per schema: each app (the tests build many) asks again for the same schemas. */
const compiled = new WeakMap<z.ZodType, Acceptor | null>();

/**
 * A validator that answers true only for values zod would accept unchanged, or null
 * when the schema has parts JSON Schema cannot express exactly.
 */
export function compileAcceptor(schema: z.ZodType): Acceptor | null {
  const known = compiled.get(schema);
  if (known !== undefined) return known;
  let accept: Acceptor | null = null;
  if (exactlyRepresentable(schema)) {
    const json = z.toJSONSchema(schema, { target: 'draft-7', io: 'input', unrepresentable: 'throw' }) as Record<string, unknown>;
    delete json.$schema;
    addDiscriminators(json, schema as unknown as Schema);
    // A schema without async keywords compiles to a plain boolean function.
    accept = ajv.compile(json) as Acceptor;
  }
  compiled.set(schema, accept);
  return accept;
}

/** Ajv picks the branch of a `oneOf` by its discriminator instead of trying all nine detection kinds. */
function addDiscriminators(json: Record<string, unknown>, s: Schema): void {
  const def = s._zod.def;
  if (def.type === 'union' && def.discriminator && Array.isArray(json.oneOf)) {
    json.type = 'object';
    json.discriminator = { propertyName: def.discriminator };
  }
}
