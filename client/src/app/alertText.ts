/**
 * Alert titles in the officer's language. The server writes `title` in
 * Vietnamese; the console rebuilds it from the rule id and `alert.data` (the
 * figures the rule stored), so an English screen is English. `alert.data` is typed
 * per rule (contract/alerts.ts RuleData): reading a figure no rule stores does not
 * compile. An alert from another version (an unknown rule, or figures missing)
 * falls back to the server's title, never to an empty row.
 *
 * A title is split in two: `what` (short, rule-based: "Base station down") and
 * `subject` (the device, ward or address it is about). The queue shows them on
 * two lines; the detail panel joins them.
 */
import type { Alert, AlertOf, AlertRule, DetectionRule } from '../../../contract/alerts.js';
import { INCIDENT_CHANNELS, INCIDENT_TYPES } from '../../../contract/domain.js';
import { DETECTION_KINDS } from '../../../contract/payloads.js';
import type { ById } from '../live/store.js';

export type TFn = (key: string, params?: Record<string, unknown>) => string;

export interface PlaceNames {
  cameras: ById<{ name: string }>;
  stations: ById<{ name: string }>;
  links: ById<{ name: string }>;
  wards: ReadonlyMap<string, { name: string; nameEn: string }>;
  roads: ReadonlyMap<string, string>;
}

const known = (list: readonly string[], v: string | null): v is string => v !== null && list.includes(v);

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export function wardName(wards: PlaceNames['wards'], id: string | null | undefined, lang: string): string | null {
  const w = id ? wards.get(id) : undefined;
  return w ? (lang === 'en' ? w.nameEn : w.name) : null;
}

/** The short "what happened", or null when the rule or its figures are unknown. */
export function alertWhat(a: Alert, t: TFn, names: PlaceNames, lang: string): string | null {
  switch (a.rule) {
    case 'camera_offline':
      return t(a.data.state === 'stale' ? 'ops.rule.camera_stale' : 'ops.rule.camera_offline');
    case 'camera_degraded':
      return t('ops.rule.camera_degraded');
    case 'coverage_loss': {
      const pct = num(a.data.uncoveredPct);
      return pct === null ? null : t('ops.rule.coverage_loss', { pct: Math.round(pct) });
    }
    case 'violation_burst': {
      const count = num(a.data.count);
      const windowS = num(a.data.windowS);
      if (count === null || windowS === null) return null;
      return t('ops.rule.violation_burst', { count, min: Math.round((windowS / 60) * 10) / 10 });
    }
    case 'congestion': {
      const queueM = num(a.data.queueM);
      return queueM === null ? null : t('ops.rule.congestion', { queueM: Math.round(queueM) });
    }
    case 'incident_report': {
      // A CAP message's alert has no report type: its title is the message's own headline.
      const type = 'type' in a.data ? str(a.data.type) : null;
      const channel = str(a.data.channel);
      if (!known(INCIDENT_TYPES, type) || !known(INCIDENT_CHANNELS, channel)) return null;
      const typeText = t(`ops.incidentType.${type}`);
      // "Tin báo cấp cứu y tế": Vietnamese puts the type mid-sentence, in lower case.
      return t('ops.rule.incident_report', { type: lang === 'vi' ? typeText.toLowerCase() : typeText, channel: t(`ops.channel.${channel}`) });
    }
    case 'station_down':
      return t(a.data.reason === 'stale' ? 'ops.rule.station_stale' : 'ops.rule.station_down');
    case 'station_battery': {
      const pct = num(a.data.batteryPct);
      return pct === null ? null : t('ops.rule.station_battery', { pct: Math.round(pct) });
    }
    case 'backhaul_down':
      return t('ops.rule.backhaul_down');
    case 'link_down': {
      const ward = a.data.kind === 'commune' ? wardName(names.wards, a.wardId ?? str(a.data.to), lang) : null;
      return ward ? t('ops.rule.link_down_commune', { ward }) : t('ops.rule.link_down');
    }
    case 'vc_not_ready': {
      const c = a.data.cause;
      const cause = c ? t(c.kind === 'link' ? 'ops.rule.vc_cause_link' : 'ops.rule.vc_cause_station', { name: c.name }) : '';
      return t('ops.rule.vc_not_ready', { meeting: a.data.meeting }) + cause;
    }
    case 'vc_quality':
      return t('ops.rule.vc_quality', { meeting: a.data.meeting });
    default:
      return detectionWhat(a, t);
  }
}

/** A detection's name from its rule id (`detection_fire_smoke`); null for a rule this console does not know. */
function detectionWhat(a: AlertOf<DetectionRule>, t: TFn): string | null {
  const kind = a.rule.startsWith('detection_') ? a.rule.slice('detection_'.length) : null;
  return known(DETECTION_KINDS, kind) ? t(`ops.detection.${kind}`) : null;
}

/** What the alert is about: the device, the ward (coverage), the road (bursts) or the reported address. */
export function alertSubject(a: Alert, names: PlaceNames, lang: string): string | null {
  const { kind, id } = a.source;
  if (a.rule === 'violation_burst') {
    const roadId = str(a.data.roadId);
    if (roadId) return names.roads.get(roadId) ?? null;
  }
  switch (kind) {
    case 'camera':
      return names.cameras[id]?.name ?? null;
    case 'station':
      return names.stations[id]?.name ?? null;
    case 'link':
      return names.links[id]?.name ?? null;
    case 'ward':
      return wardName(names.wards, id, lang);
    case 'vc':
      return 'point' in a.data ? str(a.data.point) : null;
    case 'incident':
      return 'address' in a.data ? str(a.data.address) : null;
    default:
      return null;
  }
}

export interface AlertLabel {
  /** Short, translated; the server title when the rule is unknown. */
  what: string;
  subject: string | null;
  /** Ward, when it adds something the subject does not already say. */
  ward: string | null;
  /** `what: subject`, or the server title. */
  full: string;
}

export function alertLabel(a: Alert, t: TFn, names: PlaceNames, lang: string): AlertLabel {
  const what = alertWhat(a, t, names, lang);
  const subject = alertSubject(a, names, lang);
  const w = wardName(names.wards, a.wardId ?? (a.source.kind === 'ward' ? a.source.id : null), lang);
  const ward = w && w !== subject && !(what ?? '').includes(w) ? w : null;
  if (what === null) return { what: a.title, subject: null, ward, full: a.title };
  return { what, subject, ward, full: subject ? `${what}: ${subject}` : what };
}

/** Filter families for the "type" filter: a rule id maps to one. */
export const RULE_GROUPS = ['incident_report', 'detection', 'traffic', 'camera', 'telecom', 'coverage', 'other'] as const;
export type RuleGroup = (typeof RULE_GROUPS)[number];

/** Every rule but the detections (one group together) names its group: a new rule without one does not compile. */
const GROUP_OF: Record<Exclude<AlertRule, DetectionRule>, RuleGroup> = {
  incident_report: 'incident_report',
  violation_burst: 'traffic',
  congestion: 'traffic',
  camera_offline: 'camera',
  camera_degraded: 'camera',
  coverage_loss: 'coverage',
  station_down: 'telecom',
  station_battery: 'telecom',
  backhaul_down: 'telecom',
  link_down: 'telecom',
  vc_not_ready: 'telecom',
  vc_quality: 'telecom',
};

/** The rule's group; `other` for a rule this console does not know (an alert from another version). */
export function ruleGroup(rule: string): RuleGroup {
  if (rule.startsWith('detection_')) return 'detection';
  return Object.hasOwn(GROUP_OF, rule) ? GROUP_OF[rule as keyof typeof GROUP_OF] : 'other';
}
