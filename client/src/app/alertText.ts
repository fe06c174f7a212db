/**
 * Alert titles in the officer's language. The server writes `title` in
 * Vietnamese; the console rebuilds it from the rule id and `alert.data` (the
 * figures the rule stored), so an English screen is English. An unknown rule or
 * missing figures falls back to the server's title, never to an empty row.
 *
 * A title is split in two: `what` (short, rule-based: "Base station down") and
 * `subject` (the device, ward or address it is about). The queue shows them on
 * two lines; the detail panel joins them.
 */
import type { Alert } from '../../../contract/domain.js';
import type { ById } from '../live/store.js';

export type TFn = (key: string, params?: Record<string, unknown>) => string;

export interface PlaceNames {
  cameras: ById<{ name: string }>;
  stations: ById<{ name: string }>;
  links: ById<{ name: string }>;
  wards: ReadonlyMap<string, { name: string; nameEn: string }>;
  roads: ReadonlyMap<string, string>;
}

export const DETECTION_KINDS = ['red_light', 'wrong_way', 'speeding', 'illegal_parking', 'no_helmet', 'accident', 'congestion', 'crowd', 'fire_smoke'] as const;
const INCIDENT_TYPES = ['traffic_accident', 'fire', 'medical', 'crime', 'flood', 'crowd', 'infrastructure', 'telecom_outage', 'other'];
const CHANNELS = ['hotline_113', 'hotline_114', 'hotline_115', 'citizen_app', 'patrol', 'agency', 'cap', 'system'];

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export function wardName(wards: PlaceNames['wards'], id: string | null | undefined, lang: string): string | null {
  const w = id ? wards.get(id) : undefined;
  return w ? (lang === 'en' ? w.nameEn : w.name) : null;
}

/** The short "what happened", or null when the rule or its figures are unknown. */
export function alertWhat(a: Alert, t: TFn, names: PlaceNames, lang: string): string | null {
  const d = a.data ?? {};
  switch (a.rule) {
    case 'camera_offline':
      return t(d.state === 'stale' ? 'ops.rule.camera_stale' : 'ops.rule.camera_offline');
    case 'camera_degraded':
      return t('ops.rule.camera_degraded');
    case 'coverage_loss': {
      const pct = num(d.uncoveredPct);
      return pct === null ? null : t('ops.rule.coverage_loss', { pct: Math.round(pct) });
    }
    case 'violation_burst': {
      const count = num(d.count);
      const windowS = num(d.windowS);
      if (count === null || windowS === null) return null;
      return t('ops.rule.violation_burst', { count, min: Math.round((windowS / 60) * 10) / 10 });
    }
    case 'congestion': {
      const queueM = num(d.queueM);
      return queueM === null ? null : t('ops.rule.congestion', { queueM: Math.round(queueM) });
    }
    case 'incident_report': {
      const type = str(d.type);
      const channel = str(d.channel);
      if (!type || !channel || !INCIDENT_TYPES.includes(type) || !CHANNELS.includes(channel)) return null;
      const typeText = t(`ops.incidentType.${type}`);
      // "Tin báo cấp cứu y tế": Vietnamese puts the type mid-sentence, in lower case.
      return t('ops.rule.incident_report', { type: lang === 'vi' ? typeText.toLowerCase() : typeText, channel: t(`ops.channel.${channel}`) });
    }
    case 'station_down':
      return t(d.reason === 'stale' ? 'ops.rule.station_stale' : 'ops.rule.station_down');
    case 'station_battery': {
      const pct = num(d.batteryPct);
      return pct === null ? null : t('ops.rule.station_battery', { pct: Math.round(pct) });
    }
    case 'backhaul_down':
      return t('ops.rule.backhaul_down');
    case 'link_down': {
      const ward = d.kind === 'commune' ? wardName(names.wards, a.wardId ?? str(d.to), lang) : null;
      return ward ? t('ops.rule.link_down_commune', { ward }) : t('ops.rule.link_down');
    }
    default: {
      const kind = a.rule.startsWith('detection_') ? a.rule.slice('detection_'.length) : null;
      return kind && (DETECTION_KINDS as readonly string[]).includes(kind) ? t(`ops.detection.${kind}`) : null;
    }
  }
}

/** What the alert is about: the device, the ward (coverage), the road (bursts) or the reported address. */
export function alertSubject(a: Alert, names: PlaceNames, lang: string): string | null {
  const { kind, id } = a.source;
  if (a.rule === 'violation_burst' && str(a.data?.roadId)) return names.roads.get(String(a.data.roadId)) ?? null;
  switch (kind) {
    case 'camera':
      return names.cameras[id]?.name ?? null;
    case 'station':
      return names.stations[id]?.name ?? null;
    case 'link':
      return names.links[id]?.name ?? null;
    case 'ward':
      return wardName(names.wards, id, lang);
    case 'incident':
      return str(a.data?.address);
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

export function ruleGroup(rule: string): RuleGroup {
  if (rule === 'incident_report') return 'incident_report';
  if (rule === 'violation_burst' || rule === 'congestion') return 'traffic';
  if (rule.startsWith('detection_')) return 'detection';
  if (rule.startsWith('camera_')) return 'camera';
  if (rule === 'coverage_loss') return 'coverage';
  if (rule.startsWith('station_') || rule === 'backhaul_down' || rule === 'link_down') return 'telecom';
  return 'other';
}
