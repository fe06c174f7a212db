/**
 * GET /api/cameras/{id}/detections → `{ ok: true, data: CameraDetections }`: what one
 * camera detected over a window (24 hours by default), read from InfluxDB's raw points
 * (server/http/detections.ts); the console shows it under the camera's charts
 * (client/src/app/DetectionHistory.tsx).
 */

export interface DetectionEvent {
  at: number;
  /** A detection's kind (red_light, congestion…) or a Frigate object's label (person, car…). */
  kind: string;
  source: 'detection' | 'frigate';
  confidence: number | null;
  lane: string | null;
  zone: string | null;
  plate: string | null;
  speedKmh: number | null;
  limitKmh: number | null;
  queueM: number | null;
  people: number | null;
  /** The detection's evidence image, to fetch with the session (GET /api/cameras/{id}/snapshots/{snapshotId}.jpg), or null. */
  snapshotUrl: string | null;
}

export interface CameraDetections {
  camera: string;
  from: number;
  to: number;
  /** Every detection in the window, by kind (not only the listed ones). */
  counts: Record<string, number>;
  total: number;
  /** Detections per hour, oldest first: [hour start, count]. */
  hourly: [number, number][];
  /** The newest events first, at most `limit`. */
  events: DetectionEvent[];
}
