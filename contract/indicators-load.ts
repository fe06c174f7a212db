/**
 * Reads the indicator registry (contract/indicators.ts) from its JSON file: the server at
 * start-up (a bad file stops it, naming the file and the field) and the demo simulators.
 */
import { readFileSync } from 'node:fs';
import { indicatorRegistry, type IndicatorDef } from './indicators.js';

export function loadIndicators(file: string): IndicatorDef[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`indicator registry ${file}: ${(err as Error).message}`);
  }
  const r = indicatorRegistry.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`indicator registry ${file}: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}
