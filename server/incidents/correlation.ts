/**
 * Correlation: what on the ground is one event becomes one incident. A report
 * (hotline, citizen app, patrol) or a critical detection near an open incident
 * of a related type joins it; otherwise it opens its own. The same report sent
 * again, or updated by its reporting system, joins the incident it made.
 */
import type { Alert, DetectionKind, Incident, IncidentEntry, IncidentType, LngLat } from '../../contract/index.js';
import { isDetectionAlert } from '../../contract/index.js';
import { incidentKey } from '../alerts/rules/incident.js';
import type { AlertStore } from '../alerts/store.js';
import type { BusEvents, EventBus } from '../bus.js';
import type { Logger } from '../log.js';
import { distanceM } from '../../contract/geo.js';
import { worse, type IncidentDesk } from './incidents.js';

const OWNER = 'incidents.correlation';

/** Detections that are an incident in themselves, and the incident type they make. */
const INCIDENT_OF_DETECTION: Partial<Record<DetectionKind, IncidentType>> = { accident: 'traffic_accident', fire_smoke: 'fire', crowd: 'crowd' };

/**
 * Which incident types can be one event on the ground: an accident brings a
 * 115 medical call and sometimes a fire; a crowd, a fight; a flood cuts power
 * and telecom. Unrelated reports that happen to be near stay separate.
 */
const RELATED: Partial<Record<IncidentType, readonly IncidentType[]>> = {
  traffic_accident: ['medical', 'fire'],
  medical: ['traffic_accident', 'fire', 'crowd'],
  fire: ['traffic_accident', 'medical'],
  crowd: ['crime', 'medical'],
  crime: ['crowd'],
  flood: ['infrastructure', 'telecom_outage'],
  infrastructure: ['flood', 'telecom_outage'],
  telecom_outage: ['flood', 'infrastructure'],
};

/** Words a caller uses when someone is hurt (Vietnamese first), as written on a 115 or 113 call sheet. */
const HURT_WORDS = /bị thương|thương vong|chấn thương|bất tỉnh|chảy máu|gãy (tay|chân)|cấp cứu|injur|unconscious|bleeding|casualt/i;

/** A report says someone is hurt: it counts injured, it is a medical call, or its words say so. */
export function reportSaysHurt(p: { type: IncidentType; injured?: number | undefined; description: string }): boolean {
  return (p.injured ?? 0) > 0 || p.type === 'medical' || HURT_WORDS.test(p.description);
}

export function related(a: IncidentType, b: IncidentType): boolean {
  return a === b || (RELATED[a]?.includes(b) ?? false);
}

export interface CorrelationWindow {
  /** How near (metres) and how soon after an incident opened (ms) something joins it. */
  radiusM: number;
  windowMs: number;
}

/** An open, unresolved, related incident within the radius and time window, nearest first. */
export function correlate(incidents: Iterable<Incident>, position: LngLat, at: number, type: IncidentType, w: CorrelationWindow): Incident | undefined {
  let best: { inc: Incident; d: number } | undefined;
  for (const inc of incidents) {
    if (!inc.position || inc.status === 'resolved' || inc.status === 'closed' || !related(type, inc.type)) continue;
    if (Math.abs(at - inc.createdAt) > w.windowMs) continue;
    const d = distanceM(position, inc.position);
    if (d <= w.radiusM && (!best || d < best.d)) best = { inc, d };
  }
  return best?.inc;
}

export class Correlation {
  private readonly window: CorrelationWindow;

  constructor(
    private readonly deps: { bus: EventBus; desk: IncidentDesk; alerts: Pick<AlertStore, 'setIncidentOf'>; log: Logger; now: () => number },
    window: Partial<CorrelationWindow> = {},
  ) {
    this.window = { radiusM: window.radiusM ?? 300, windowMs: window.windowMs ?? 5 * 60_000 };
  }

  start(): void {
    this.deps.bus.on('incident.report', OWNER, (e) => this.onReport(e));
    // Asked by the alert store before a new alert is written, so that the alert
    // and its incident each take one write (issue #20), not raised-then-linked.
    this.deps.alerts.setIncidentOf((alert) => {
      try {
        return this.incidentOf(alert);
      } catch (err) {
        // As a failing bus listener would be: logged, and the alert raised all the same.
        this.deps.log.error({ err, alertId: alert.id }, 'correlating an alert failed');
        return null;
      }
    });
  }

  stop(): void {
    this.deps.bus.removeOwner(OWNER);
    this.deps.alerts.setIncidentOf(null);
  }

  private near(position: LngLat, at: number, type: IncidentType): Incident | undefined {
    return correlate(this.deps.desk.all(), position, at, type, this.window);
  }

  private onReport(e: BusEvents['incident.report']): void {
    const { desk } = this.deps;
    const p = e.payload;
    const ref = p.externalRef ? `${e.sourceId}:${p.externalRef}` : null;
    const dedupeKey = incidentKey(e.sourceId, p.externalRef ?? (p.seq > 0 ? p.seq : `t${p.ts}`));
    const position: LngLat | null = p.lat !== undefined && p.lon !== undefined ? [p.lon, p.lat] : null;
    const at = this.deps.now();
    const note = [p.description, p.address, p.reporter ? `(${p.reporter})` : ''].filter(Boolean).join(' — ');
    // The same call sent twice, or an update from the same system: one incident.
    const known = ref ? desk.byRef(ref) : undefined;
    const target = known && known.status !== 'closed' ? known : position ? this.near(position, at, p.type) : undefined;
    let inc: Incident;
    const hurt = reportSaysHurt(p);
    const injured = p.injured ?? null;
    if (target) {
      const entry: IncidentEntry = { at, by: p.channel, action: 'report', note };
      inc = desk.change(
        target,
        entry,
        {
          severity: worse(target.severity, p.severity),
          hurt: target.hurt || hurt,
          injured: injured === null ? target.injured : Math.max(injured, target.injured ?? 0),
          callback: target.callback ?? p.callback ?? null,
          // A caller's words on an incident a camera opened: what the officer and the crews read.
          ...(target.channel === 'system' && p.description ? { description: p.description } : {}),
          // A caller's address beats one computed for a camera's incident.
          address: p.address && target.channel === 'system' ? p.address : (target.address ?? p.address ?? null),
        },
        `report ${p.channel}`,
      );
    } else {
      inc = desk.create(
        { type: p.type, severity: p.severity, channel: p.channel, position, address: p.address ?? null, description: p.description, externalRef: ref, hurt, injured, callback: p.callback ?? null },
        at,
        p.channel,
        note,
      );
    }
    if (ref) desk.setRef(ref, inc.id);
    // The rule raises the report's alert under this key (after us: Operations starts correlation first), and incidentOf joins it here.
    desk.setRef(dedupeKey, inc.id);
  }

  /** The incident a new alert (not yet written) joins or opens, or null when it is no incident's. */
  private incidentOf(alert: Alert): string | null {
    const { desk } = this.deps;
    // An alert raised for a report: it joins the report's incident.
    if (desk.hasRef(alert.dedupeKey)) {
      const inc = desk.byRef(alert.dedupeKey);
      return inc ? desk.join(inc, alert).id : null;
    }
    const type = isDetectionAlert(alert) ? INCIDENT_OF_DETECTION[alert.data.kind] : undefined;
    if (!type || !alert.position) return null;
    const at = alert.firstSeen;
    const near = this.near(alert.position, at, type);
    if (near) return desk.join(near, alert).id;
    return desk.create(
      { type, severity: alert.severity, channel: 'system', position: alert.position, address: null, description: alert.title, externalRef: null, hurt: false, injured: null, callback: null },
      at,
      'system',
      alert.title,
      alert,
    ).id;
  }
}
