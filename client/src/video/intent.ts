/**
 * "Open this camera and play it": an incident's nearby camera opens the camera's detail with its
 * live video already on, where a camera picked on the map opens it still. The click sets the
 * intent; the camera's detail takes it once when it shows that camera.
 */
let pending: string | null = null;

export function watchOnOpen(cameraId: string): void {
  pending = cameraId;
}

export function takeWatchIntent(cameraId: string): boolean {
  if (pending !== cameraId) return false;
  pending = null;
  return true;
}
