/**
 * Map icons drawn at runtime on a 2D canvas (no sprite URL: the map must work
 * offline). Alert icons reuse the queue's severity shapes (SeverityIcon: octagon,
 * triangle, diamond, circle) so a mark on the map and a row in the queue look the
 * same; incidents are a rounded square, units a shield, both coloured by state.
 */
import type { Severity } from '../../../contract/domain.js';
import type { EngineMap } from './engine.js';
import { MAP_COLORS } from './layers.js';

const PIXEL_RATIO = 2;
/** Drawn in a 16-unit box (like the SVG icons), scaled to this many CSS pixels. */
const SIZE = 24;

export const SEVERITY_SHAPE: Record<Severity, string> = {
  critical: 'M5 1h6l4 4v6l-4 4H5l-4-4V5z',
  major: 'M8 1.5l7 13H1z',
  minor: 'M8 1l7 7-7 7-7-7z',
  info: 'M8 1.5a6.5 6.5 0 1 0 0 13a6.5 6.5 0 1 0 0-13z',
};
const SEVERITY_MARK: Record<Severity, string> = {
  critical: 'M7 4h2v5H7zM7 10.5h2v2H7z',
  major: 'M7 6h2v4H7zM7 11h2v2H7z',
  minor: '',
  info: 'M7 4h2v2H7zM7 7h2v5H7z',
};
const INCIDENT_SHAPE = 'M3 1.5h10a1.5 1.5 0 0 1 1.5 1.5v10a1.5 1.5 0 0 1-1.5 1.5H3A1.5 1.5 0 0 1 1.5 13V3A1.5 1.5 0 0 1 3 1.5z';
/** A siren-ish cross: reads as "emergency" without text. */
const INCIDENT_MARK = 'M7 4h2v3h3v2H9v3H7V9H4V7h3z';
const UNIT_SHAPE = 'M8 1l6 2.5v4.5c0 3.5-2.6 6-6 7-3.4-1-6-3.5-6-7V3.5z';
const CLOCK = 'M8 2a6 6 0 1 0 0 12A6 6 0 1 0 8 2zm-.9 2.5h1.8v3.2l2.3 1.7-1 1.4-3.1-2.3z';

export const alertIcon = (s: Severity) => `alert-${s}`;
export const incidentIcon = (s: Severity) => `incident-${s}`;
export const unitIcon = (status: string) => `unit-${status}`;
/** A cluster of incidents and alerts (./cluster.ts): the incident's rounded square, bigger, with room for the count. */
export const markerClusterIcon = (s: Severity) => `marker-cluster-${s}`;
const CLUSTER_SIZE = 30;
export const STALE_ICON = 'stale-clock';

function draw(size: number, paint: (ctx: CanvasRenderingContext2D) => void): ImageData {
  const px = size * PIXEL_RATIO;
  const canvas = document.createElement('canvas');
  canvas.width = px;
  canvas.height = px;
  const ctx = canvas.getContext('2d')!;
  ctx.scale(px / 16, px / 16);
  paint(ctx);
  return ctx.getImageData(0, 0, px, px);
}

/** A filled shape with a light outline (legible on the dark map and on any fill) and a dark mark. */
function badge(shape: string, fill: string, mark: string, outline = '#f8fafc', size = SIZE): ImageData {
  return draw(size, (ctx) => {
    // Shrink a little so the outline stays inside the image.
    ctx.translate(8, 8);
    ctx.scale(0.86, 0.86);
    ctx.translate(-8, -8);
    const p = new Path2D(shape);
    ctx.lineJoin = 'round';
    ctx.lineWidth = 2.2;
    ctx.strokeStyle = MAP_COLORS.halo;
    ctx.stroke(p);
    ctx.fillStyle = fill;
    ctx.fill(p);
    ctx.lineWidth = 1.1;
    ctx.strokeStyle = outline;
    ctx.stroke(p);
    if (mark) {
      ctx.fillStyle = '#0b0f19';
      ctx.fill(new Path2D(mark));
    }
  });
}

function add(map: EngineMap, id: string, image: ImageData): void {
  if (!map.hasImage(id)) map.addImage(id, image, { pixelRatio: PIXEL_RATIO });
}

export function installIcons(map: EngineMap): void {
  for (const s of ['critical', 'major', 'minor', 'info'] as const) {
    add(map, alertIcon(s), badge(SEVERITY_SHAPE[s], MAP_COLORS.severity[s], SEVERITY_MARK[s]));
    add(map, incidentIcon(s), badge(INCIDENT_SHAPE, MAP_COLORS.severity[s], INCIDENT_MARK));
    add(map, markerClusterIcon(s), badge(INCIDENT_SHAPE, MAP_COLORS.severity[s], '', '#f8fafc', CLUSTER_SIZE));
  }
  for (const [status, colour] of Object.entries(MAP_COLORS.unit)) add(map, unitIcon(status), badge(UNIT_SHAPE, colour, '', '#0b0f19'));
  add(
    map,
    STALE_ICON,
    draw(14, (ctx) => {
      const p = new Path2D(CLOCK);
      ctx.lineWidth = 2.5;
      ctx.strokeStyle = MAP_COLORS.halo;
      ctx.stroke(p);
      ctx.fillStyle = '#e2e8f0';
      ctx.fill(p, 'evenodd');
    }),
  );
}
