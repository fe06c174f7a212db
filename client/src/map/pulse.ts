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
import { SEVERITY_RANK, type LngLat, type Severity } from '../../../contract/domain.js';
import { getEngine, type EngineMap } from './engine.js';
import type { NewMarker } from './feed.js';
import { MAP_COLORS } from './layers.js';

const PERIOD_MS = 1600;
/** More rings than this say nothing more and cost compositing: the most urgent ones are kept. */
const MAX_RINGS = 24;
const SIZE_PX = 44;

export interface Pulse {
  /** Rings at exactly these markers (none for an empty list). */
  show(markers: readonly NewMarker[]): void;
  stop(): void;
}

function ring(severity: Severity): HTMLDivElement {
  const el = document.createElement('div');
  el.className = 'map-pulse';
  el.dataset.testid = 'map-pulse';
  Object.assign(el.style, {
    width: `${SIZE_PX}px`,
    height: `${SIZE_PX}px`,
    borderRadius: '50%',
    border: `2.5px solid ${MAP_COLORS.severity[severity]}`,
    pointerEvents: 'none',
    boxSizing: 'border-box',
    opacity: '0',
  });
  el.animate(
    [
      { transform: 'scale(0.4)', opacity: 0.95 },
      { transform: 'scale(1.35)', opacity: 0 },
    ],
    { duration: PERIOD_MS, iterations: Infinity, easing: 'ease-out' },
  );
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
    show(markers) {
      if (reduced || markers.length === 0) return clear();
      const keep = [...markers].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]).slice(0, MAX_RINGS);
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
        const marker = new (getEngine().Marker)({ element: ring(m.severity) }).setLngLat(m.position as LngLat).addTo(map);
        rings.set(m.id, { marker, key });
      }
    },
    stop: clear,
  };
}
