/**
 * The MQTT topic map: one anchored pattern per family, parsed once at the boundary.
 *
 * Accepted forms (all under the versioned root `ioc/v1`):
 *   ioc/v1/camera/{cameraId}/status        retained; last-will sets state "offline"
 *   ioc/v1/camera/{cameraId}/detection
 *   ioc/v1/camera/{cameraId}/snapshot/{snapshotId}   a JPEG (not JSON): a detection's evidence image
 *   ioc/v1/incident/{sourceId}/report      sourceId = the reporting system (hotline-115, citizen-app, patrol-07…)
 *   ioc/v1/telecom/station/{stationId}/status   retained
 *   ioc/v1/telecom/link/{linkId}/status         retained
 *   ioc/v1/cap/{senderId}                  OASIS CAP 1.2 XML (not JSON)
 *   ioc/v1/kpi/{indicatorId}               a digital-government indicator's value for a period
 *   ioc/v1/vc/{pointId}/status             a video-conference point's state and call quality
 * Foreign formats:
 *   frigate/events, frigate/available      Frigate NVR (docs.frigate.video/integrations/mqtt)
 *
 * Nothing is ever published to a wildcard; wildcards are for subscriptions only.
 */
import type { z } from 'zod';
import {
  cameraStatusPayload,
  detectionPayload,
  incidentReportPayload,
  stationStatusPayload,
  linkStatusPayload,
  deviceId,
} from './payloads.js';
import { SNAPSHOT_ID } from './video.js';
import { kpiValuePayload } from './indicators.js';
import { vcStatusPayload } from './vc.js';

export const TOPIC_ROOT = 'ioc/v1';

export const topics = {
  cameraStatus: (id: string) => `${TOPIC_ROOT}/camera/${id}/status`,
  cameraDetection: (id: string) => `${TOPIC_ROOT}/camera/${id}/detection`,
  cameraSnapshot: (id: string, snapshotId: string) => `${TOPIC_ROOT}/camera/${id}/snapshot/${snapshotId}`,
  incidentReport: (sourceId: string) => `${TOPIC_ROOT}/incident/${sourceId}/report`,
  stationStatus: (id: string) => `${TOPIC_ROOT}/telecom/station/${id}/status`,
  linkStatus: (id: string) => `${TOPIC_ROOT}/telecom/link/${id}/status`,
  cap: (senderId: string) => `${TOPIC_ROOT}/cap/${senderId}`,
  kpiValue: (indicatorId: string) => `${TOPIC_ROOT}/kpi/${indicatorId}`,
  vcStatus: (pointId: string) => `${TOPIC_ROOT}/vc/${pointId}/status`,
  frigateEvents: 'frigate/events',
  frigateAvailable: 'frigate/available',
} as const;

/** Subscriptions per feed family (wildcards only here). */
export const SUBSCRIPTIONS = {
  cameras: [`${TOPIC_ROOT}/camera/+/status`, `${TOPIC_ROOT}/camera/+/detection`, `${TOPIC_ROOT}/camera/+/snapshot/+`],
  incidents: [`${TOPIC_ROOT}/incident/+/report`],
  telecom: [`${TOPIC_ROOT}/telecom/station/+/status`, `${TOPIC_ROOT}/telecom/link/+/status`],
  cap: [`${TOPIC_ROOT}/cap/+`],
  frigate: ['frigate/events', 'frigate/available'],
  kpi: [`${TOPIC_ROOT}/kpi/+`],
  vc: [`${TOPIC_ROOT}/vc/+/status`],
} as const;

/** Kinds of JSON message in our own tree, with the schema each must satisfy. */
export const PAYLOAD_SCHEMAS = {
  cameraStatus: cameraStatusPayload,
  cameraDetection: detectionPayload,
  incidentReport: incidentReportPayload,
  stationStatus: stationStatusPayload,
  linkStatus: linkStatusPayload,
  kpiValue: kpiValuePayload,
  vcStatus: vcStatusPayload,
} as const;
export type JsonMessageKind = keyof typeof PAYLOAD_SCHEMAS;
export type PayloadOf<K extends JsonMessageKind> = z.infer<(typeof PAYLOAD_SCHEMAS)[K]>;

export type ParsedTopic =
  | { kind: JsonMessageKind; id: string }
  | { kind: 'cap'; id: string }
  | { kind: 'cameraSnapshot'; id: string; snapshotId: string }
  | { kind: 'frigateEvents' }
  | { kind: 'frigateAvailable' };

const ID = '([^/+#]{1,64})';
const PATTERNS: [RegExp, JsonMessageKind | 'cap'][] = [
  [new RegExp(`^ioc/v1/camera/${ID}/status$`), 'cameraStatus'],
  [new RegExp(`^ioc/v1/camera/${ID}/detection$`), 'cameraDetection'],
  [new RegExp(`^ioc/v1/incident/${ID}/report$`), 'incidentReport'],
  [new RegExp(`^ioc/v1/telecom/station/${ID}/status$`), 'stationStatus'],
  [new RegExp(`^ioc/v1/telecom/link/${ID}/status$`), 'linkStatus'],
  [new RegExp(`^ioc/v1/cap/${ID}$`), 'cap'],
  [new RegExp(`^ioc/v1/kpi/${ID}$`), 'kpiValue'],
  [new RegExp(`^ioc/v1/vc/${ID}/status$`), 'vcStatus'],
];

const SNAPSHOT_TOPIC = new RegExp(`^ioc/v1/camera/${ID}/snapshot/${ID}$`);

/** Parse a topic into its kind and device id; null when it is not one of ours or the id is malformed. */
export function parseTopic(topic: string): ParsedTopic | null {
  if (topic === topics.frigateEvents) return { kind: 'frigateEvents' };
  if (topic === topics.frigateAvailable) return { kind: 'frigateAvailable' };
  const snap = SNAPSHOT_TOPIC.exec(topic);
  if (snap) return deviceId.safeParse(snap[1]).success && SNAPSHOT_ID.test(snap[2]!) ? { kind: 'cameraSnapshot', id: snap[1]!, snapshotId: snap[2]! } : null;
  for (const [re, kind] of PATTERNS) {
    const m = re.exec(topic);
    if (m) {
      const id = m[1]!;
      return deviceId.safeParse(id).success ? { kind, id } : null;
    }
  }
  return null;
}
