/**
 * The city's everyday background: the daily traffic rhythm, camera detections along
 * roads and incident reports from hotlines, the citizen app and patrols. Scenarios
 * reuse the emitters here so their messages look exactly like everyday ones.
 */
import type { CameraSite } from '../contract/citypack.js';
import type { IncidentChannel, IncidentType, LngLat, Severity } from '../contract/domain.js';
import { VIOLATION_KINDS, type ViolationKind } from '../contract/alerts.js';
import type { DetectionKind } from '../contract/payloads.js';
import { topics } from '../contract/topics.js';
import { distanceM, wardAt } from '../contract/geo.js';
import { jitter, pointAlong, randomPointInWard, roadLengthM } from './geo.js';
import type { Rng } from './rng.js';
import type { World } from './world.js';

/** Vietnam has one time zone, UTC+7, and no daylight saving. */
export function localHour(ts: number): number {
  return (((ts / 3_600_000 + 7) % 24) + 24) % 24;
}

const bump = (h: number, centre: number, width: number) => Math.exp(-(((h - centre) / width) ** 2));

/** Relative traffic at a local hour: ~0.15 at night, ~1 by day, ~2 at the 7–8 and 17–18 rush hours. */
export function trafficIntensity(hour: number): number {
  const day = 1 / (1 + Math.exp(-(hour - 6) * 2)) - 1 / (1 + Math.exp(-(hour - 22) * 2));
  return 0.15 + 0.75 * day + 1.1 * bump(hour, 7.5, 0.7) + 1.1 * bump(hour, 17.5, 0.7);
}

/** Each offence's share of a traffic camera's violations. */
const VIOLATION_WEIGHTS: Record<ViolationKind, number> = { red_light: 0.25, speeding: 0.25, no_helmet: 0.25, wrong_way: 0.1, illegal_parking: 0.15 };
const isViolation = (kind: DetectionKind): kind is ViolationKind => (VIOLATION_KINDS as readonly DetectionKind[]).includes(kind);

/** Expected detections per camera per minute at a given intensity (before scenario factors). */
export function detectionRates(cam: CameraSite, intensity: number): [DetectionKind, number][] {
  if (cam.kind === 'security') {
    return [['crowd', 0.02 * intensity], ['illegal_parking', 0.01 * intensity], ['fire_smoke', 0.0002]];
  }
  return [
    ...Object.entries(VIOLATION_WEIGHTS).map(([k, w]) => [k as ViolationKind, 0.14 * intensity * w] as [DetectionKind, number]),
    // Queues only form once traffic is above its daytime level.
    ['congestion', intensity > 1.1 ? 0.35 * (intensity - 1.1) : 0],
    ['accident', 0.0005 * intensity],
    ['fire_smoke', 0.0002],
  ];
}

const plate = (rng: Rng) => `85${rng.pick(['A', 'B1', 'C', 'D', 'F', 'H1', 'K1'])}-${rng.int(100, 999)}.${rng.int(10, 99)}`;

/**
 * Detections that name an evidence frame: those that raise an alert on their own, and the
 * violations (a fine needs its picture). The transport grabs the frames within bounds
 * (simulators/transport.ts); a detection it takes none for goes without.
 */
const EVIDENCE_KINDS: ReadonlySet<DetectionKind> = new Set(['accident', 'fire_smoke', 'crowd', 'red_light', 'wrong_way', 'speeding', 'illegal_parking', 'no_helmet']);

export function emitDetection(w: World, rng: Rng, at: number, cameraId: string, kind: DetectionKind, extra: { position?: LngLat; queueLengthM?: number; peopleCount?: number; confidence?: number } = {}): void {
  const cam = w.pack.sites.cameras.find((c) => c.id === cameraId)!;
  const [lon, lat] = extra.position ?? jitter(cam.position, rng, 40);
  const body: Record<string, unknown> = { kind, confidence: extra.confidence ?? Math.round(rng.uniform(0.6, 0.99) * 100) / 100, lat, lon };
  if (kind !== 'crowd' && kind !== 'congestion' && kind !== 'fire_smoke') body.lane = rng.int(0, 3);
  if (isViolation(kind)) body.plate = plate(rng);
  if (kind === 'speeding') {
    const road = w.pack.roads.features.find((r) => r.properties.id === cam.roadId);
    const limit = road?.properties.speedLimitKmh ?? 50;
    body.limitKmh = limit;
    body.speedKmh = Math.round(limit * rng.uniform(1.1, 1.8));
  }
  if (kind === 'congestion') body.queueLengthM = Math.round(extra.queueLengthM ?? rng.uniform(80, 400));
  if (kind === 'crowd') body.peopleCount = Math.round(extra.peopleCount ?? rng.int(30, 200));
  if (EVIDENCE_KINDS.has(kind)) {
    // The transport grabs the frame when it publishes (simulators/snapshot.ts). The box is worked
    // out from the time, not drawn from the generator's random stream, so the city's events stay as seeded.
    body.snapshotId = `${cameraId}-${Math.round(at)}`.slice(-64);
    const f = (Math.round(at / 1000) % 7) / 20;
    body.box = { x: 0.25 + f, y: 0.35, w: 0.3, h: 0.35 };
  }
  w.emit(at, 'cameraDetection', cameraId, topics.cameraDetection(cameraId), body);
}

const CHANNEL_SOURCE: Record<IncidentChannel, string> = {
  hotline_113: 'hotline-113',
  hotline_114: 'hotline-114',
  hotline_115: 'hotline-115',
  citizen_app: 'citizen-app',
  patrol: 'patrol',
  agency: 'agency',
  cap: 'cap',
  system: 'system',
};

const TYPE_INFO: Record<IncidentType, { severity: Severity; channels: [IncidentChannel, number][]; text: string[] }> = {
  traffic_accident: { severity: 'major', channels: [['hotline_115', 0.4], ['hotline_113', 0.2], ['citizen_app', 0.2], ['patrol', 0.2]], text: ['Va chạm giữa xe máy và ô tô, có người bị thương', 'Tai nạn giao thông liên hoàn', 'Xe máy tự ngã, cần hỗ trợ'] },
  fire: { severity: 'critical', channels: [['hotline_114', 0.7], ['citizen_app', 0.3]], text: ['Cháy nhà dân, khói bốc cao', 'Cháy bãi rác gần khu dân cư'] },
  medical: { severity: 'major', channels: [['hotline_115', 0.8], ['citizen_app', 0.2]], text: ['Người đi đường bị ngất, cần cấp cứu', 'Người cao tuổi khó thở, cần xe cấp cứu'] },
  crime: { severity: 'minor', channels: [['hotline_113', 0.6], ['patrol', 0.2], ['citizen_app', 0.2]], text: ['Trộm cắp xe máy', 'Gây rối trật tự công cộng', 'Móc túi tại khu chợ'] },
  flood: { severity: 'major', channels: [['citizen_app', 0.5], ['hotline_113', 0.2], ['patrol', 0.3]], text: ['Nước ngập sâu khoảng 0,5 m, dâng nhanh', 'Ngập nặng, xe chết máy hàng loạt', 'Nước tràn vào nhà dân, cần sơ tán'] },
  crowd: { severity: 'minor', channels: [['citizen_app', 0.5], ['patrol', 0.5]], text: ['Đông người tụ tập, ùn ứ lối đi', 'Chen lấn tại cổng vào'] },
  infrastructure: { severity: 'minor', channels: [['citizen_app', 0.6], ['patrol', 0.4]], text: ['Cây đổ chắn đường', 'Đèn tín hiệu giao thông bị hỏng', 'Nắp cống bị mất'] },
  telecom_outage: { severity: 'minor', channels: [['citizen_app', 1]], text: ['Mất sóng điện thoại di động trong khu vực', 'Không gọi được 113/115, mất sóng'] },
  other: { severity: 'info', channels: [['citizen_app', 1]], text: ['Phản ánh của người dân về trật tự đô thị', 'Tiếng ồn kéo dài ban đêm'] },
};

const BASELINE_TYPES: [IncidentType, number][] = [['traffic_accident', 0.25], ['medical', 0.2], ['crime', 0.15], ['fire', 0.06], ['infrastructure', 0.15], ['other', 0.14], ['crowd', 0.05]];

/** Expected incident reports per minute citywide (before scenario factors). */
export const incidentRate = (intensity: number) => 0.05 * (0.5 + intensity);

export interface IncidentSpec {
  type?: IncidentType;
  channel?: IncidentChannel;
  severity?: Severity;
  position?: LngLat;
  description?: string;
  /** People hurt, as the caller counted them. */
  injured?: number;
  /** Restrict a random position to these wards. */
  wardIds?: string[];
}

/** Where people report from: 60% along a road (length-weighted), else anywhere in a ward weighted by population. */
function incidentPosition(w: World, rng: Rng, wardIds?: string[]): LngLat {
  const wards = w.pack.wards.features.filter((f) => !wardIds || wardIds.includes(f.properties.id));
  if (!wardIds && w.pack.roads.features.length > 0 && rng.chance(0.6)) {
    const road = rng.weighted(w.pack.roads.features.map((r) => [r, roadLengthM(r)] as const));
    const p = jitter(pointAlong(road, rng.next()), rng, 60);
    if (wardAt(w.pack, p)) return p;
  }
  const ward = rng.weighted(wards.map((f) => [f, Math.max(1, f.properties.population)] as const));
  return randomPointInWard(ward, rng);
}

export function emitIncident(w: World, rng: Rng, at: number, spec: IncidentSpec = {}): void {
  const type = spec.type ?? rng.weighted(BASELINE_TYPES);
  const info = TYPE_INFO[type];
  const channel = spec.channel ?? rng.weighted(info.channels);
  let source = CHANNEL_SOURCE[channel];
  if (channel === 'patrol') {
    const patrols = w.pack.sites.units.filter((u) => u.kind === 'police_traffic' || u.kind === 'security');
    source = patrols.length > 0 ? `patrol-${rng.pick(patrols).id}` : 'patrol-01';
  }
  const [lon, lat] = spec.position ?? incidentPosition(w, rng, spec.wardIds);
  const ward = wardAt(w.pack, [lon, lat]);
  const road = w.pack.roads.features.find((r) => r.geometry.coordinates.some((c) => distanceM(c as LngLat, [lon, lat]) < 400));
  const address = [road?.properties.name, ward?.properties.name, w.pack.meta.name].filter(Boolean).join(', ');
  const body: Record<string, unknown> = {
    channel,
    type,
    severity: spec.severity ?? info.severity,
    lat,
    lon,
    address,
    description: spec.description ?? rng.pick(info.text),
  };
  const ref = rng.int(1000, 9999);
  body.externalRef = `${source}-${w.tsAt(at)}-${ref}`;
  // A caller's number to ring back (from the draw above: the seeded stream is unchanged).
  if (channel.startsWith('hotline_') || channel === 'citizen_app') body.callback = `0905 ${String(ref).slice(0, 3)} ${String(ref).slice(1)}`;
  if (spec.injured !== undefined) body.injured = spec.injured;
  if (channel === 'citizen_app') body.reporter = `app-user-${rng.int(10000, 99999)}`;
  w.emit(at, 'incidentReport', source, topics.incidentReport(source), body);
}
