/**
 * The Frigate → ioc-console mapping file (example: config/frigate-map.example.json).
 * Frigate names cameras and labels its own way; this says which of our cameras a
 * Frigate camera is, where it stands, and which Frigate labels / zones are which
 * of our detection kinds. Zones are how a Frigate user marks e.g. a no-parking area.
 */
import fs from 'node:fs/promises';
import { z } from 'zod';
import { deviceId, DETECTION_KINDS, type DetectionKind } from '../../../contract/index.js';

/**
 * Kinds a Frigate event can become. `speeding` and `congestion` need measurements
 * (speed, queue length) Frigate does not send, so they cannot be mapped.
 */
export const MAPPABLE_KINDS = DETECTION_KINDS.filter((k) => k !== 'speeding' && k !== 'congestion') as Exclude<
  DetectionKind,
  'speeding' | 'congestion'
>[];
export type MappableKind = (typeof MAPPABLE_KINDS)[number];

const kind = z.enum(MAPPABLE_KINDS, {
  error: (iss) => `must be one of ${MAPPABLE_KINDS.join(', ')} (got ${JSON.stringify(iss.input)}; speeding/congestion need data Frigate does not send)`,
});

/** Frigate's defaults for a city: fire and smoke are what its stock models label. */
export const DEFAULT_LABELS: Record<string, MappableKind> = { fire: 'fire_smoke', smoke: 'fire_smoke' };

export const frigateMappingFile = z.strictObject({
  cameras: z
    .record(
      z.string().min(1),
      z.strictObject({
        id: deviceId,
        position: z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)], {
          error: 'position must be [lon, lat] in degrees',
        }),
      }),
    )
    .refine((c) => Object.keys(c).length > 0, 'map at least one Frigate camera'),
  labels: z.record(z.string().min(1), kind).default({}),
  zones: z.record(z.string().min(1), kind).default({}),
});

export interface FrigateMapping {
  cameras: Map<string, { id: string; position: [number, number] }>;
  labels: Map<string, MappableKind>;
  zones: Map<string, MappableKind>;
}

/** Validate an already-parsed mapping object; throws an Error naming each bad entry. */
export function parseFrigateMapping(json: unknown, source = 'frigate mapping'): FrigateMapping {
  const r = frigateMappingFile.safeParse(json);
  if (!r.success) {
    const lines = r.error.issues.slice(0, 10).map((i) => `  ${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${source} is invalid:\n${lines.join('\n')}`);
  }
  const f = r.data;
  return {
    cameras: new Map(Object.entries(f.cameras)),
    // File entries override the defaults; a user can still remap `fire`.
    labels: new Map(Object.entries({ ...DEFAULT_LABELS, ...f.labels })),
    zones: new Map(Object.entries(f.zones)),
  };
}

/** Read and validate the mapping JSON file at `path`. */
export async function loadFrigateMapping(path: string): Promise<FrigateMapping> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read frigate mapping ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`frigate mapping ${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseFrigateMapping(json, `frigate mapping ${path}`);
}
