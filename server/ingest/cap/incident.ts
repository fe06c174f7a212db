/**
 * A CAP alert → the fields of an incident, so an agency's warning shows up in
 * the console's incident queue (channel `cap`). Uses the first <info> block:
 * further infos are usually the same warning in another language.
 */
import type { IncidentType, LngLat, Severity } from '../../../contract/index.js';
import type { CapAlert, CapArea, CapSeverity } from './types.js';

export interface CapIncidentFields {
  type: IncidentType;
  severity: Severity;
  position: LngLat | null;
  address: string | null;
  description: string;
  /** `${sender}/${identifier}`: a re-sent alert updates the same incident. */
  externalRef: string;
}

const SEVERITY: Record<CapSeverity, Severity> = { Extreme: 'critical', Severe: 'major', Moderate: 'minor', Minor: 'info', Unknown: 'info' };

/** Flood vocabulary in English and Vietnamese (lũ, lụt, ngập, triều cường = king tide). */
const FLOOD_WORDS = /flood|inundat|storm surge|lũ|lụt|ngập|triều cường|nước dâng/i;

export function capToIncidentFields(alert: CapAlert): CapIncidentFields {
  const info = alert.infos[0];
  const externalRef = `${alert.sender}/${alert.identifier}`;
  if (!info) {
    return { type: 'other', severity: 'info', position: null, address: null, description: alert.note ?? alert.identifier, externalRef };
  }
  const cats = new Set(info.categories);
  const text = `${info.event} ${info.headline ?? ''}`;
  let type: IncidentType = 'other';
  if (cats.has('Fire')) type = 'fire';
  else if ((cats.has('Met') || cats.has('Geo')) && FLOOD_WORDS.test(text)) type = 'flood';
  else if (cats.has('Health') || cats.has('Rescue')) type = 'medical';
  else if (cats.has('Security')) type = 'crime';
  else if (cats.has('Transport')) type = 'traffic_accident';
  else if (cats.has('Infra')) type = 'infrastructure';

  const descs = info.areas.map((a) => a.areaDesc).join('; ');
  return {
    type,
    severity: SEVERITY[info.severity],
    position: firstPosition(info.areas),
    address: descs === '' ? null : descs.slice(0, 300),
    description: [info.headline, info.description].filter((s): s is string => !!s).join('\n') || info.event,
    externalRef,
  };
}

function firstPosition(areas: CapArea[]): LngLat | null {
  for (const a of areas) {
    const ring = a.polygons[0];
    if (ring) return centroid(ring);
    const circle = a.circles[0];
    if (circle) return [circle.center[0], circle.center[1]];
  }
  return null;
}

/** Area centroid of a closed ring (shoelace); the vertex mean if the ring is degenerate. */
function centroid(ring: [number, number][]): LngLat {
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    const [x0, y0] = ring[i]!;
    const [x1, y1] = ring[i + 1]!;
    const cross = x0 * y1 - x1 * y0;
    a += cross;
    cx += (x0 + x1) * cross;
    cy += (y0 + y1) * cross;
  }
  if (Math.abs(a) < 1e-12) {
    const pts = ring.slice(0, -1);
    return [pts.reduce((s, p) => s + p[0], 0) / pts.length, pts.reduce((s, p) => s + p[1], 0) / pts.length];
  }
  return [cx / (3 * a), cy / (3 * a)];
}
