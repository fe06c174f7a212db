/**
 * Alerts: the rules that raise them and the figures each rule stores with one.
 *
 * `RuleData` is the one list of rule ids and, per rule, the shape of `Alert.data`.
 * The server's rules (server/alerts/rules/) raise through it and the console's
 * alert text (client/src/app/alertText.ts) reads through it, so a rule that stores
 * a field its entry does not declare, or a screen that reads a field no rule
 * stores, fails to compile.
 */
import type { CameraState, IncidentChannel, IncidentType, LngLat, Operator, Severity } from './domain.js';
import type { DetectionKind } from './payloads.js';
import type { Evidence } from './video.js';

/** The traffic offences a violation burst can count: detections that do not alert on their own. */
export const VIOLATION_KINDS = ['red_light', 'wrong_way', 'speeding', 'illegal_parking', 'no_helmet'] as const satisfies readonly DetectionKind[];
export type ViolationKind = (typeof VIOLATION_KINDS)[number];

/** A detection that alerts on its own (accident, fire…): what the camera saw. */
export interface DetectionData {
  kind: DetectionKind;
  confidence: number;
  cameraId: string;
  /** A crowd's head count, when the camera counted. */
  peopleCount?: number;
  plate?: string;
  /** What the camera saw: an image, a Frigate event (never on the wall). */
  evidence?: Evidence;
}

/** An incident report from a hotline, the citizen app or a patrol (server/alerts/rules/incident.ts). */
export interface ReportData {
  type: IncidentType;
  channel: IncidentChannel;
  sourceId: string;
  externalRef?: string;
  address?: string;
}

/** A CAP message that opened an incident (server/incidents/cap.ts): its headline is the alert's title. */
export interface CapReportData {
  channel: 'cap';
  sender: string;
  identifier: string;
}

/** Per rule id, the figures its alert carries in `data`. */
export type RuleData = {
  camera_offline: { state: CameraState | 'unknown' | 'stale'; sinceS: number };
  camera_degraded: { state: CameraState | 'unknown' | 'stale'; sinceS: number };
  violation_burst: { count: number; windowS: number; by: 'camera' | 'road'; cameraId: string; roadId?: string };
  congestion: { queueM: number; forS: number };
  coverage_loss: {
    uncoveredPct: number;
    stationsDown: number;
    /** The ids of the stations down that served the ward, comma-separated. */
    stationIds: string;
    baselinePct: number;
    coveredPct: number;
  };
  station_down: { reason: 'down' | 'stale'; operator: Operator | '' };
  station_battery: { batteryPct: number };
  backhaul_down: Record<string, never>;
  link_down: { from: string; to: string; kind: 'commune' | 'backbone' };
  incident_report: ReportData | CapReportData;
  /** A point that must join a meeting is not ready before it starts; `cause`: what it is behind, when known. */
  vc_not_ready: { meetingId: string; meeting: string; startsAt: number; pointId: string; point: string; state: string; cause: { kind: 'link' | 'station'; id: string; name: string } | null };
  /** A point's call quality past a threshold during a meeting. */
  vc_quality: { meetingId: string; meeting: string; pointId: string; point: string; lossPct: number | null; jitterMs: number | null; rttMs: number | null };
} & { [K in DetectionKind as `detection_${K}`]: DetectionData };

export type AlertRule = keyof RuleData;
export type DetectionRule = `detection_${DetectionKind}`;

export const ALERT_STATES = ['active', 'acknowledged', 'cleared'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

interface AlertBase {
  id: string;
  /** Repeats of the same condition update this alert instead of raising another. */
  dedupeKey: string;
  severity: Severity;
  state: AlertState;
  title: string;
  source: { kind: 'camera' | 'station' | 'link' | 'incident' | 'ward' | 'vc'; id: string };
  position: LngLat | null;
  wardId: string | null;
  incidentId: string | null;
  count: number;
  firstSeen: number;
  lastSeen: number;
  escalated: boolean;
  acknowledgedBy: string | null;
  acknowledgedAt: number | null;
  clearedBy: string | null;
  clearedAt: number | null;
  version: number;
}

/** An alert of one rule: `rule` names the rule that raised it, `data` holds that rule's figures. */
export type AlertOf<R extends AlertRule> = AlertBase & { rule: R; data: RuleData[R] };

/** An alert of any rule; switching on `rule` narrows `data` to that rule's shape. */
export type Alert = { [R in AlertRule]: AlertOf<R> }[AlertRule];

/** Whether a detection rule raised the alert (`detection_accident`…): its `data` names the kind. */
export const isDetectionAlert = (a: Alert): a is AlertOf<DetectionRule> => a.rule.startsWith('detection_');

/** The evidence an alert keeps (detections only), or undefined. */
export function alertEvidence(a: Alert): Evidence | undefined {
  return a.rule.startsWith('detection_') ? (a.data as DetectionData).evidence : undefined;
}
