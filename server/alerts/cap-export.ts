/**
 * Any alert as an OASIS CAP 1.2 message, so that other agencies' systems can
 * take it (GET /api/alerts/:id/cap). A cleared alert is exported as a Cancel
 * referencing the original; an updated one as an Update.
 */
import { alertEvidence, evidenceHasClip, evidenceHasSnapshot, type Alert, type CityPack, type Severity } from '../../contract/index.js';
import type { CapAlert, CapCategory, CapResource, CapSeverity, CapUrgency } from '../../contract/cap.js';

const SEVERITY: Record<Severity, CapSeverity> = { critical: 'Extreme', major: 'Severe', minor: 'Moderate', info: 'Minor' };
const URGENCY: Record<Severity, CapUrgency> = { critical: 'Immediate', major: 'Immediate', minor: 'Expected', info: 'Future' };

function category(a: Alert): CapCategory {
  if (a.rule.includes('fire')) return 'Fire';
  if (a.source.kind === 'station' || a.source.kind === 'link' || a.rule === 'coverage_loss') return 'Infra';
  if (a.source.kind === 'camera') return a.rule.includes('crowd') ? 'Security' : 'Transport';
  return 'Safety';
}

/**
 * The alert's evidence as CAP resources: the image and the clip at this server's own routes
 * (`baseUrl` is how the caller reached it), which ask whoever follows them to sign in.
 */
function resources(a: Alert, baseUrl: string | undefined): CapResource[] {
  const e = alertEvidence(a);
  if (!baseUrl || !e) return [];
  const at = `${baseUrl.replace(/\/+$/, '')}/api/alerts/${encodeURIComponent(a.id)}`;
  const out: CapResource[] = [];
  if (evidenceHasSnapshot(e)) out.push({ resourceDesc: 'Ảnh bằng chứng (evidence image)', mimeType: 'image/jpeg', uri: `${at}/snapshot.jpg` });
  if (evidenceHasClip(e)) out.push({ resourceDesc: 'Đoạn video bằng chứng (evidence clip)', mimeType: 'video/mp4', uri: `${at}/clip.mp4` });
  return out;
}

export function alertToCap(a: Alert, pack: CityPack, sender: string, baseUrl?: string): CapAlert {
  const res = resources(a, baseUrl);
  const ward = a.wardId ? pack.wards.features.find((w) => w.properties.id === a.wardId)?.properties : undefined;
  const original = { sender, identifier: a.id, sent: a.firstSeen };
  const msgType = a.state === 'cleared' ? 'Cancel' : a.version > 1 ? 'Update' : 'Alert';
  return {
    identifier: msgType === 'Alert' ? a.id : `${a.id}-v${a.version}`,
    sender,
    sent: msgType === 'Alert' ? a.firstSeen : (a.clearedAt ?? a.lastSeen),
    status: 'Actual',
    msgType,
    scope: 'Public',
    references: msgType === 'Alert' ? [] : [original],
    infos: [
      {
        categories: [category(a)],
        event: a.rule,
        urgency: URGENCY[a.severity],
        severity: SEVERITY[a.severity],
        certainty: 'Observed',
        language: 'vi-VN',
        headline: a.title,
        senderName: pack.meta.name,
        ...(res.length > 0 ? { resources: res } : {}),
        areas: [
          {
            areaDesc: ward ? `${ward.name} — ${pack.meta.name}` : pack.meta.name,
            polygons: [],
            circles: a.position ? [{ center: a.position, radiusKm: a.rule === 'coverage_loss' ? 1 : 0.3 }] : [],
            geocodes: [],
          },
        ],
      },
    ],
  };
}
