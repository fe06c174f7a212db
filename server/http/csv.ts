/**
 * Incidents as CSV (RFC 4180) for a time range. Cells that a spreadsheet
 * would run as a formula (=, +, -, @) are prefixed with a quote: the text
 * comes from citizens' reports.
 */
import type { Incident } from '../../contract/index.js';

const COLUMNS = ['id', 'created_at', 'type', 'severity', 'status', 'channel', 'ward', 'lat', 'lon', 'address', 'unit', 'acknowledged_at', 'resolved_at', 'alerts', 'description'] as const;

function cell(v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
const iso = (t: number | null) => (t === null ? '' : new Date(t).toISOString());

export function incidentsCsv(incidents: Incident[]): string {
  const rows = [...incidents]
    .sort((a, b) => a.createdAt - b.createdAt)
    .map((i) =>
      [i.id, iso(i.createdAt), i.type, i.severity, i.status, i.channel, i.wardId, i.position?.[1], i.position?.[0], i.address, i.units.map((u) => u.unitId).join(' '), iso(i.acknowledgedAt), iso(i.resolvedAt), i.alertIds.join(' '), i.description]
        .map(cell)
        .join(','),
    );
  // BOM so that Excel opens the Vietnamese text as UTF-8.
  return `\uFEFF${COLUMNS.join(',')}\r\n${rows.map((r) => `${r}\r\n`).join('')}`;
}

/**
 * The incidents a shift [from, to] saw: opened during it, worked on during it,
 * or still open while it ran (an incident from the shift before, not yet
 * resolved, is this shift's too).
 */
export function shiftIncidents(incidents: readonly Incident[], from: number, to: number): Incident[] {
  return incidents.filter((i) => i.createdAt <= to && (i.createdAt >= from || i.updatedAt >= from || (i.status !== 'resolved' && i.status !== 'closed')));
}
