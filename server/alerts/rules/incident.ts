/**
 * Every incident report raises an alert with the report's own severity (the lead's
 * incident store creates the incident itself). Key
 * `incident:${sourceId}:${externalRef ?? seq}`: a re-sent report (same call id) counts
 * on the same alert. An unsequenced report (seq 0) without an externalRef has no
 * identity of its own, so its device timestamp stands in for seq: otherwise every
 * such report of a source would fold into one alert.
 * Never auto-cleared: the operator closes it with the incident.
 */
import { wardIdAt } from '../../../contract/geo.js';
import type { LngLat, ReportData } from '../../../contract/index.js';
// Vietnamese names: one vocabulary with the console (contract/labels-vi.ts).
import { INCIDENT_CHANNEL_VI, INCIDENT_TYPE_VI } from '../../../contract/index.js';
import type { RuleContext, RuleFamily } from './context.js';

export const incidentKey = (sourceId: string, ref: string | number) => `incident:${sourceId}:${ref}`;

export function incidentRule(ctx: RuleContext): RuleFamily {
  return {
    name: 'incident',
    onIncident(e, now) {
      const p = e.payload;
      const ref = p.externalRef ?? (p.seq > 0 ? p.seq : `t${p.ts}`);
      const position: LngLat | null = p.lat !== undefined && p.lon !== undefined ? [p.lon, p.lat] : null;
      const data: ReportData = { type: p.type, channel: p.channel, sourceId: e.sourceId };
      if (p.externalRef !== undefined) data.externalRef = p.externalRef;
      if (p.address !== undefined) data.address = p.address;
      const key = incidentKey(e.sourceId, ref);
      ctx.alerts.raise(
        {
          rule: 'incident_report',
          dedupeKey: key,
          severity: p.severity,
          title: `Tin báo ${INCIDENT_TYPE_VI[p.type].toLowerCase()} qua ${INCIDENT_CHANNEL_VI[p.channel]}${p.address ? `: ${p.address}` : ''}`,
          source: { kind: 'incident', id: key.slice('incident:'.length) },
          position,
          wardId: position ? wardIdAt(ctx.pack, position) : null,
          data,
        },
        now,
      );
    },
  };
}
