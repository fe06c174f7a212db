/**
 * The alert rules' knobs: one JSON file (config/rules.example.json documents every
 * knob), validated with zod at start-up. Every knob has a default, so no file is
 * needed and a file only has to name what it changes. A bad file stops the server
 * with the file and the field in the message: operators edit this by hand.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { coverageLossSchema as coverageLoss } from '../../contract/coverage.js';
import { DETECTION_KINDS, RADIO_TECHS, SEVERITIES, speedsSchema, unitNeedsSchema, VIOLATION_KINDS } from '../../contract/index.js';

const severity = z.enum(SEVERITIES);
const seconds = z.number().positive();
const pct = z.number().min(0).max(100);

// `.prefault({})` (zod 4) runs the default through the schema, so a missing
// section gets every inner default; `.default()` would skip the inner ones.
const cameraOffline = z
  .strictObject({
    afterS: seconds.default(120),
    severity: severity.default('major'),
    degradedAfterS: seconds.default(600),
    degradedSeverity: severity.default('minor'),
  })
  .prefault({});

const detections = z
  .strictObject({
    /** Kinds that raise an alert at once, with their severity. Replaces the whole default map when given. */
    immediate: z
      .partialRecord(z.enum(DETECTION_KINDS), severity)
      .default({ accident: 'critical', fire_smoke: 'critical', crowd: 'major' }),
    minConfidence: z.number().min(0).max(1).default(0.6),
    /** Repeats of the same kind on the same camera within this gap count on one alert. */
    dedupeWindowS: seconds.default(120),
  })
  .prefault({});

const violationBurst = z
  .strictObject({
    kinds: z.array(z.enum(VIOLATION_KINDS)).min(1).default([...VIOLATION_KINDS]),
    count: z.number().int().min(1).default(10),
    windowS: seconds.default(300),
    severity: severity.default('minor'),
    by: z.enum(['camera', 'road']).default('camera'),
  })
  .prefault({});

const congestion = z
  .strictObject({
    queueM: z.number().nonnegative().default(300),
    forS: seconds.default(300),
    severity: severity.default('major'),
  })
  .prefault({});

const stationDown = z.strictObject({ severity: severity.default('major') }).prefault({});
const stationBattery = z.strictObject({ belowPct: pct.default(30), severity: severity.default('minor') }).prefault({});
const backhaulDown = z.strictObject({ severity: severity.default('major') }).prefault({});
const linkDown = z.strictObject({ severity: severity.default('major'), commune: severity.default('critical') }).prefault({});

const incidentReport = z.strictObject({}).prefault({});

/** Video-conference points (server/alerts/rules/vc.ts): readiness before a meeting, call quality during it. */
const vc = z
  .strictObject({
    /** A point that must join and is not ready this many minutes before the start raises `vc_not_ready`. */
    offlineBeforeMin: z.number().positive().max(1440).default(15),
    notReadySeverity: severity.default('major'),
    /** During the meeting, a point past any of these raises `vc_quality`. */
    maxLossPct: z.number().min(0).max(100).default(2),
    maxJitterMs: z.number().min(0).default(40),
    maxRttMs: z.number().min(0).default(400),
    qualitySeverity: severity.default('minor'),
  })
  .prefault({});

const deadline = z.number().positive().nullable();
const escalation = z
  .strictObject({
    ackDeadlineS: z
      .strictObject({
        critical: deadline.default(120),
        major: deadline.default(600),
        minor: deadline.default(1800),
        info: deadline.default(null),
      })
      .prefault({}),
  })
  .prefault({});

/**
 * The incident workflow's knobs: which unit kinds each incident type needs (and needs too
 * when someone is hurt), road speeds for the ETA, and whether acknowledging an incident's
 * alert acknowledges the incident (one act for the officer).
 */
const workflow = z
  .strictObject({
    ackIncidentWithAlert: z.boolean().default(true),
    unitNeeds: unitNeedsSchema,
    speedsKmh: speedsSchema,
  })
  .prefault({});

export const rulesConfigSchema = z.strictObject({
  cameraOffline,
  detections,
  violationBurst,
  congestion,
  stationDown,
  stationBattery,
  backhaulDown,
  linkDown,
  coverageLoss,
  incidentReport,
  vc,
  escalation,
  workflow,
});
export type RulesConfig = z.infer<typeof rulesConfigSchema>;
/** What a rules file may contain: any subset of the knobs. */
export type RulesConfigInput = z.input<typeof rulesConfigSchema>;

export class RulesConfigError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${file}: ${field}: ${reason}`);
    this.name = 'RulesConfigError';
  }
}

/** `violationBurst.kinds[2]` from a zod issue path. */
function fieldPath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const k of p) out += typeof k === 'number' ? `[${k}]` : out ? `.${String(k)}` : String(k);
  return out || '(root)';
}

/** JSON has no comments: `"$comment"` keys (the JSON Schema convention) document a file and are dropped before validation. */
function stripComments(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripComments);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => k !== '$comment').map(([k, x]) => [k, stripComments(x)]));
}

/** Validate an already-parsed value (tests, or a config embedded elsewhere). */
export function parseRules(value: unknown, file = '(inline)'): RulesConfig {
  const r = rulesConfigSchema.safeParse(stripComments(value ?? {}));
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  // Unknown keys are reported on the parent with the key names: name the key itself.
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const field = fieldPath(keys.length > 0 ? [...issue.path, keys[0]!] : issue.path);
  throw new RulesConfigError(file, field, issue.message);
}

/** The defaults: what runs when no rules file is configured. */
export function defaultRules(): RulesConfig {
  return parseRules({});
}

/** Read and validate a rules file; `undefined` → defaults. Synchronous: called once at start-up. */
export function loadRules(path: string | undefined): RulesConfig {
  if (path === undefined || path === '') return defaultRules();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RulesConfigError(path, '(file)', `cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new RulesConfigError(path, '(file)', `invalid JSON: ${(err as Error).message}`);
  }
  return parseRules(value, path);
}
