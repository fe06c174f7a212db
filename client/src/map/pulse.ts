/**
 * The pulsing ring around new alerts: grows and fades on a ~1.6 s cycle. Driven
 * by setPaintProperty at ~20 fps (not every frame), and only while some alert is
 * new, so an idle console does not repaint the map continuously on a shared
 * 2-core workstation. Under prefers-reduced-motion the ring stays static.
 */
import type { EngineMap } from './engine.js';
import { LAYER_IDS } from './layers.js';

const PERIOD_MS = 1600;
const STEP_MS = 50;

export interface Pulse {
  setActive(active: boolean): void;
  stop(): void;
}

export function createPulse(map: EngineMap): Pulse {
  const reduced = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
  let timer: ReturnType<typeof setInterval> | null = null;

  const tick = (): void => {
    if (!map.getLayer(LAYER_IDS.alertsPulse)) return;
    const t = (performance.now() % PERIOD_MS) / PERIOD_MS;
    const zoomScale = Math.max(0.7, Math.min(1.4, (map.getZoom() - 10) / 5));
    map.setPaintProperty(LAYER_IDS.alertsPulse, 'circle-radius', (10 + 18 * t) * zoomScale);
    map.setPaintProperty(LAYER_IDS.alertsPulse, 'circle-stroke-opacity', 0.9 * (1 - t));
  };

  const stop = (): void => {
    if (timer !== null) clearInterval(timer);
    timer = null;
  };

  return {
    setActive(active) {
      if (reduced || !active) return stop();
      if (timer === null) timer = setInterval(tick, STEP_MS);
    },
    stop,
  };
}
