/**
 * The pulsing ring around markers that hold a new alert. The map itself draws a
 * still ring (alerts-pulse in ./layers-live.ts); the motion is a small DOM element
 * per marker, animated by the compositor (transform and opacity, Web Animations),
 * so the map never redraws for it. Animating the map layer cost a full WebGL
 * frame 20 times a second: on a workstation without a GPU (SwiftShader) each
 * frame is 100-250 ms of main thread, which left the idle console at ~9 frames/s
 * and every click waiting over a second (issue #27 point 8).
 * Under prefers-reduced-motion only the still ring shows.
 */
import type { Marker } from 'maplibre-gl';
import type { LngLat } from '../../../contract/domain.js';
import { getEngine, type EngineMap } from './engine.js';
import type { NewMarker } from './feed.js';
import { MAP_COLORS } from './layers.js';

const PERIOD_MS = 1600;
/** More rings than this say nothing more and cost compositing: the most urgent ones are kept. */
const MAX_RINGS = 24;
const SIZE_PX = 44;

export interface Pulse {
  /** Rings at these markers (none when inactive or not given). */
  setActive(active: boolean, markers?: NewMarker[]): void;
  stop(): void;
}

const colourOf = (severity: string): string => MAP_COLORS.severity[severity as keyof typeof MAP_COLORS.severity] ?? MAP_COLORS.severity.info;
const RANK: Record<string, number> = { critical: 0, major: 1, minor: 2, info: 3 };

function ring(severity: string, reduced: boolean): HTMLDivElement {
  const el = document.createElement('div');
  el.className = 'map-pulse';
  el.dataset.testid = 'map-pulse';
  Object.assign(el.style, {
    width: `${SIZE_PX}px`,
    height: `${SIZE_PX}px`,
    borderRadius: '50%',
    border: `2.5px solid ${colourOf(severity)}`,
    pointerEvents: 'none',
    boxSizing: 'border-box',
    opacity: '0',
  });
  if (!reduced) {
    el.animate(
      [
        { transform: 'scale(0.4)', opacity: 0.95 },
        { transform: 'scale(1.35)', opacity: 0 },
      ],
      { duration: PERIOD_MS, iterations: Infinity, easing: 'ease-out' },
    );
  }
  return el;
}

export function createPulse(map: EngineMap): Pulse {
  const reduced = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
  const rings = new Map<string, { marker: Marker; key: string }>();

  const clear = (): void => {
    for (const { marker } of rings.values()) marker.remove();
    rings.clear();
  };

  return {
    setActive(active, markers = []) {
      if (reduced || !active) return clear();
      const keep = [...markers].sort((a, b) => (RANK[a.severity] ?? 3) - (RANK[b.severity] ?? 3)).slice(0, MAX_RINGS);
      const ids = new Set(keep.map((m) => m.id));
      for (const [id, r] of rings) {
        if (ids.has(id)) continue;
        r.marker.remove();
        rings.delete(id);
      }
      for (const m of keep) {
        const key = `${m.severity}|${m.position.join(',')}`;
        const had = rings.get(m.id);
        if (had?.key === key) continue;
        had?.marker.remove();
        const marker = new (getEngine().Marker)({ element: ring(m.severity, reduced) }).setLngLat(m.position as LngLat).addTo(map);
        rings.set(m.id, { marker, key });
      }
    },
    stop: clear,
  };
}
