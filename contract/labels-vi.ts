/**
 * The Vietnamese names of the domain's enumerations: one vocabulary for the
 * server's alert titles (stored, exported as CAP) and the console's strings.
 */
import type { IncidentChannel, IncidentType } from './domain.js';
import type { DetectionKind } from './payloads.js';

export const DETECTION_KIND_VI: Record<DetectionKind, string> = {
  red_light: 'Vượt đèn đỏ',
  wrong_way: 'Đi ngược chiều',
  speeding: 'Chạy quá tốc độ',
  illegal_parking: 'Đỗ xe sai quy định',
  no_helmet: 'Không đội mũ bảo hiểm',
  accident: 'Tai nạn giao thông',
  congestion: 'Ùn tắc giao thông',
  crowd: 'Tụ tập đông người',
  fire_smoke: 'Phát hiện khói, lửa',
};

export const INCIDENT_TYPE_VI: Record<IncidentType, string> = {
  traffic_accident: 'Tai nạn giao thông',
  fire: 'Cháy',
  medical: 'Cấp cứu y tế',
  crime: 'An ninh trật tự',
  flood: 'Ngập lụt',
  crowd: 'Tụ tập đông người',
  infrastructure: 'Sự cố hạ tầng',
  telecom_outage: 'Mất sóng viễn thông',
  other: 'Sự cố khác',
};

export const INCIDENT_CHANNEL_VI: Record<IncidentChannel, string> = {
  hotline_113: 'Tổng đài 113',
  hotline_114: 'Tổng đài 114',
  hotline_115: 'Tổng đài 115',
  citizen_app: 'Ứng dụng người dân',
  patrol: 'Tuần tra',
  agency: 'Cơ quan chức năng',
  cap: 'Cảnh báo CAP',
  system: 'Hệ thống',
};
