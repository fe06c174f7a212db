/**
 * Citizen requests over Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2/):
 *
 *   GET  /open311/v2/services.json          → Service[]
 *   POST /open311/v2/requests.json          form-encoded (api_key, service_code, lat, long | address_string,
 *                                           description, device_id, …) → [{ service_request_id, service_notice }]
 *   GET  /open311/v2/requests.json          ?service_request_id=a,b &service_code= &status= &start_date= &end_date=
 *   GET  /open311/v2/requests/{id}.json     → ServiceRequest[] (one)
 *
 * Errors are GeoReport's: an array of `{ code, description }` with the HTTP status as code.
 * Each request becomes an incident of channel `citizen_app`; its status (open | closed) and
 * status_notes follow that incident's (server/ingest/open311/).
 */
import { z } from 'zod';
import type { IncidentStatus, IncidentType, Severity } from './domain.js';

/** One kind of request a citizen can make, and the incident it opens. */
export interface Open311Service {
  code: string;
  name: { vi: string; en: string };
  group: string;
  keywords: string;
  incidentType: IncidentType;
  severity: Severity;
}

export const OPEN311_SERVICES: readonly Open311Service[] = [
  { code: 'traffic_accident', name: { vi: 'Tai nạn giao thông', en: 'Traffic accident' }, group: 'Giao thông', keywords: 'tai nạn, va chạm, accident', incidentType: 'traffic_accident', severity: 'major' },
  { code: 'fire', name: { vi: 'Cháy, khói', en: 'Fire or smoke' }, group: 'An toàn', keywords: 'cháy, khói, fire', incidentType: 'fire', severity: 'major' },
  { code: 'public_order', name: { vi: 'Mất an ninh trật tự', en: 'Public order' }, group: 'An toàn', keywords: 'đánh nhau, trộm, gây rối', incidentType: 'crime', severity: 'major' },
  { code: 'flooding', name: { vi: 'Ngập úng', en: 'Flooding' }, group: 'Hạ tầng', keywords: 'ngập, lụt, flood', incidentType: 'flood', severity: 'minor' },
  { code: 'pothole', name: { vi: 'Hư hỏng mặt đường, ổ gà', en: 'Road damage, pothole' }, group: 'Hạ tầng', keywords: 'ổ gà, sụt lún, pothole', incidentType: 'infrastructure', severity: 'minor' },
  { code: 'streetlight', name: { vi: 'Đèn đường hỏng', en: 'Street light out' }, group: 'Hạ tầng', keywords: 'đèn đường, chiếu sáng', incidentType: 'infrastructure', severity: 'info' },
  { code: 'fallen_tree', name: { vi: 'Cây đổ, cành gãy', en: 'Fallen tree' }, group: 'Hạ tầng', keywords: 'cây đổ, cành gãy', incidentType: 'infrastructure', severity: 'minor' },
  { code: 'telecom_outage', name: { vi: 'Mất sóng điện thoại, Internet', en: 'No mobile signal or Internet' }, group: 'Viễn thông', keywords: 'mất sóng, mất mạng', incidentType: 'telecom_outage', severity: 'minor' },
  { code: 'waste', name: { vi: 'Rác thải, vệ sinh môi trường', en: 'Waste, sanitation' }, group: 'Môi trường', keywords: 'rác, xả thải', incidentType: 'other', severity: 'info' },
];

export const open311Service = (code: string): Open311Service | undefined => OPEN311_SERVICES.find((s) => s.code === code);

/** GeoReport v2 `GET services.json`, one element. */
export interface GeoReportService {
  service_code: string;
  service_name: string;
  description: string;
  metadata: false;
  type: 'realtime';
  keywords: string;
  group: string;
}

/** GeoReport v2 `GET requests.json`, one element. Personal data (e-mail, phone, names, device) is never listed. */
export interface GeoReportRequest {
  service_request_id: string;
  status: 'open' | 'closed';
  status_notes: string;
  service_name: string;
  service_code: string;
  description: string;
  agency_responsible: string;
  service_notice: string;
  requested_datetime: string;
  updated_datetime: string;
  expected_datetime: string | null;
  address: string;
  address_id: string;
  zipcode: string;
  lat: number | null;
  long: number | null;
  media_url: string;
}

/** GeoReport v2 `POST requests.json` answer, one element. */
export interface GeoReportCreated {
  service_request_id: string;
  service_notice: string;
  account_id: string | null;
}

/** GeoReport v2 error list. */
export type GeoReportErrors = { code: number; description: string }[];

const text = (max: number) => z.string().trim().max(max);
const num = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^-?\d{1,3}(\.\d{1,12})?$/, 'a decimal number')
    .transform(Number)
    .pipe(z.number().min(min).max(max));

/**
 * The form fields of `POST requests.json` this server reads. GeoReport clients send more
 * (`attribute[CODE]`, `address_id`, `account_id`, `jurisdiction_id`…): unknown fields are ignored.
 */
export const open311RequestForm = z
  .preprocess(
    // Clients send empty fields for what they leave out (`lat=&long=&address_string=…`): absent.
    (v) => (v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== '')) : v),
    z.object({
    api_key: z.string({ error: 'api_key is required' }).trim().min(1, 'api_key is required').max(200),
    jurisdiction_id: text(128).optional(),
    service_code: z.string({ error: 'service_code is required' }).trim().min(1, 'service_code is required').max(64),
    lat: num(-90, 90).optional(),
    long: num(-180, 180).optional(),
    address_string: text(300).optional(),
    email: text(254).optional(),
    device_id: text(128).optional(),
    account_id: text(128).optional(),
    first_name: text(64).optional(),
    last_name: text(64).optional(),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9 .()-]{3,32}$/, 'phone: digits, spaces, + . ( ) -')
      .optional(),
    description: text(2000).optional(),
    media_url: z.url({ protocol: /^https?$/ }).max(1000).optional(),
  })
  .refine((f) => (f.lat !== undefined) === (f.long !== undefined), { message: 'lat and long go together' })
  .refine((f) => f.lat !== undefined || (f.address_string ?? '') !== '', { message: 'a location is required: lat and long, or address_string' }),
  );
export type Open311RequestForm = z.infer<typeof open311RequestForm>;

/** How a request's status reads from its incident's (GeoReport has open and closed only). */
export function open311Status(s: IncidentStatus): 'open' | 'closed' {
  return s === 'resolved' || s === 'closed' ? 'closed' : 'open';
}

/** What a citizen reads about each step of the incident their request became (officers' own notes stay inside). */
export const OPEN311_STATUS_NOTES: Record<IncidentStatus, string> = {
  new: 'Đã nhận yêu cầu, đang chờ xử lý (received, awaiting review)',
  acknowledged: 'Trung tâm điều hành đã tiếp nhận (acknowledged by the operations center)',
  dispatched: 'Đã điều lực lượng đến hiện trường (a team is on its way)',
  on_scene: 'Lực lượng đang xử lý tại hiện trường (a team is on site)',
  resolved: 'Đã xử lý xong (resolved)',
  closed: 'Đã hoàn thành và đóng yêu cầu (closed)',
};
