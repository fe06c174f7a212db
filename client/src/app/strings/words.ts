/**
 * The words for people: one vocabulary for the console, the phone and the wall
 * (issue #26, point 6). Incident types and statuses, a unit's part in an incident,
 * unit kinds, report channels, actors, and every timeline step as a sentence.
 * Merged into i18next under `words` by the console's and the screens' registration
 * (./register.ts, ../wall/strings.ts); ./vi.ts and ../wall/strings.ts point their own
 * keys (ops.status, wall.status…) at these objects so the same step has one name.
 * Read through ../names.ts (useWords), never key by key in a screen.
 */
import { INCIDENT_CHANNEL_VI, INCIDENT_TYPE_VI } from '../../../../contract/labels-vi.js';
import type { Strings } from '../../i18n/strings.js';

export const wordsVi = {
  words: {
    type: INCIDENT_TYPE_VI,
    status: {
      new: 'Mới',
      acknowledged: 'Đã tiếp nhận',
      dispatched: 'Đã điều động',
      on_scene: 'Tại hiện trường',
      resolved: 'Đã xử lý xong',
      closed: 'Đã đóng',
    },
    /** A unit's part in one incident (IncidentUnit.status). */
    part: {
      dispatched: 'Đã điều động, chờ tổ nhận',
      accepted: 'Đã nhận, đang đến',
      on_scene: 'Tại hiện trường',
      released: 'Đã rời sự cố',
    },
    unitKind: {
      police_traffic: 'CSGT',
      security: 'An ninh',
      fire: 'PCCC',
      ambulance: 'Cấp cứu 115',
      telecom_crew: 'Kỹ thuật viễn thông',
    },
    unitStatus: { available: 'Sẵn sàng', busy: 'Đang làm nhiệm vụ', off_duty: 'Nghỉ' },
    channel: INCIDENT_CHANNEL_VI,
    actor: {
      system: 'Hệ thống',
      cap: 'Cảnh báo CAP ({{sender}})',
      unknownUnit: 'một đơn vị',
      otherIncident: 'sự cố khác',
    },
    by: 'bởi {{actor}}',
    /** Each timeline step as a sentence: {{unit}} the unit's name, {{source}} a channel, {{other}} the other incident. */
    step: {
      created: 'Sự cố được tạo',
      createdFrom: 'Nhận tin báo qua {{source}}',
      report: 'Tin báo bổ sung',
      reportFrom: 'Tin báo bổ sung qua {{source}}',
      acknowledge: 'Đã tiếp nhận sự cố',
      dispatch: 'Đã điều động {{unit}}',
      reassign: 'Đã điều {{unit}} từ {{other}} sang',
      accept: '{{unit}} đã nhận nhiệm vụ',
      on_scene: '{{unit}} đã đến hiện trường',
      release: '{{unit}} đã rời sự cố',
      releaseTo: '{{unit}} được điều sang {{other}}',
      resolve: 'Đã xử lý xong',
      resolveBy: '{{unit}} báo đã xử lý xong',
      close: 'Đã đóng sự cố',
      reopen: 'Đã mở lại sự cố',
      note: 'Ghi chú',
      link_alert: 'Gắn cảnh báo',
      update: 'Nguồn tin cập nhật',
      cancel: 'Nguồn tin huỷ sự cố',
    },
  },
} as const;

export const wordsEn: Strings<typeof wordsVi> = {
  words: {
    type: {
      traffic_accident: 'Traffic accident',
      fire: 'Fire',
      medical: 'Medical emergency',
      crime: 'Public order',
      flood: 'Flooding',
      crowd: 'Crowd',
      infrastructure: 'Infrastructure failure',
      telecom_outage: 'Telecom outage',
      other: 'Other incident',
    },
    status: {
      new: 'New',
      acknowledged: 'Acknowledged',
      dispatched: 'Dispatched',
      on_scene: 'On scene',
      resolved: 'Resolved',
      closed: 'Closed',
    },
    part: {
      dispatched: 'Dispatched, not yet accepted',
      accepted: 'Accepted, on the way',
      on_scene: 'On scene',
      released: 'Released',
    },
    unitKind: {
      police_traffic: 'Traffic police',
      security: 'Security',
      fire: 'Fire & rescue',
      ambulance: 'Ambulance (115)',
      telecom_crew: 'Telecom crew',
    },
    unitStatus: { available: 'Available', busy: 'On a task', off_duty: 'Off duty' },
    channel: {
      hotline_113: '113 hotline',
      hotline_114: '114 hotline',
      hotline_115: '115 hotline',
      citizen_app: 'Citizen app',
      patrol: 'Patrol',
      agency: 'Agency',
      cap: 'CAP alert',
      system: 'System',
    },
    actor: {
      system: 'System',
      cap: 'CAP alert ({{sender}})',
      unknownUnit: 'a unit',
      otherIncident: 'another incident',
    },
    by: 'by {{actor}}',
    step: {
      created: 'Incident created',
      createdFrom: 'Reported via {{source}}',
      report: 'Further report',
      reportFrom: 'Further report via {{source}}',
      acknowledge: 'Incident acknowledged',
      dispatch: '{{unit}} dispatched',
      reassign: '{{unit}} moved here from {{other}}',
      accept: '{{unit}} accepted the task',
      on_scene: '{{unit}} arrived on scene',
      release: '{{unit}} released',
      releaseTo: '{{unit}} moved to {{other}}',
      resolve: 'Resolved',
      resolveBy: '{{unit}} reported it resolved',
      close: 'Incident closed',
      reopen: 'Incident reopened',
      note: 'Note',
      link_alert: 'Alert linked',
      update: 'Updated by the source',
      cancel: 'Cancelled by the source',
    },
  },
};
