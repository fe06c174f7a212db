/**
 * A CAP alert → the fields of an incident, so an agency's warning shows up in
 * the console's incident queue (channel `cap`). Uses the first <info> block:
 * further infos are usually the same warning in another language.
 */
import type { IncidentType, LngLat, Severity } from '../../contract/index.js';
import type { CapAlert, CapArea, CapSeverity } from '../../contract/cap.js';

export interface CapIncidentFields {
  type: IncidentType;
  severity: Severity;
  position: LngLat | null;
  address: string | null;
  description: string;
  /** capRef(sender, identifier): a re-sent alert updates the same incident. */
  externalRef: string;
}

/**
 * The key of one CAP message: `sender,identifier`, the form of CAP's own
 * <references>. Neither part may contain a comma (CAP 1.2 §3.2.1, parseCap
 * checks it), so the key names one sender exactly: `a/b` + `c` and `a` + `b/c`
 * stay apart, which a `/` separator could not tell.
 */
export const capRef = (sender: string, identifier: string) => `${sender},${identifier}`;

/**
 * The sender of the CAP alert an incident came from, or null when it did not
 * come from one (or from before keys were capRef, when the sender cannot be
 * told exactly: such incidents accept no CAP Update or Cancel).
 */
export function capOriginSender(inc: { channel: string; externalRef: string | null }): string | null {
  if (inc.channel !== 'cap' || !inc.externalRef) return null;
  const comma = inc.externalRef.indexOf(',');
  return comma > 0 ? inc.externalRef.slice(0, comma) : null;
}

/** Why a CAP Update or Cancel may not touch an incident it references (null: it may). */
export function foreignReference(alert: Pick<CapAlert, 'sender' | 'msgType'>, referenced: { id: string; channel: string; externalRef: string | null }): string | null {
  const origin = capOriginSender(referenced);
  if (origin === alert.sender) return null;
  return `${alert.msgType} from ${alert.sender} references incident ${referenced.id}, which ${origin === null ? 'did not come from a CAP alert' : `came from ${origin}`}: only the sender of the original alert may update or cancel it`;
}

const SEVERITY: Record<CapSeverity, Severity> = { Extreme: 'critical', Severe: 'major', Moderate: 'minor', Minor: 'info', Unknown: 'info' };

/** Flood vocabulary in English and Vietnamese (lũ, lụt, ngập, triều cường = king tide). */
const FLOOD_WORDS = /flood|inundat|storm surge|lũ|lụt|ngập|triều cường|nước dâng/i;

export function capToIncidentFields(alert: CapAlert): CapIncidentFields {
  const info = alert.infos[0];
  const externalRef = capRef(alert.sender, alert.identifier);
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
