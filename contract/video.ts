/**
 * Live camera video and detection evidence, as server, console and simulators share them
 * (docs/video.md).
 *
 * A console never learns a camera's own address: it asks `GET /api/cameras/{id}/stream` and
 * gets playable URLs on a media server (MediaMTX, go2rtc) or on this server (the simulated
 * cameras' HLS), each carrying a short-lived token good for that one camera.
 */

/** What the player shows over the picture. */
export const VIDEO_STATES = ['connecting', 'live', 'stalled', 'offline'] as const;
export type VideoState = (typeof VIDEO_STATES)[number];

export interface StreamSource {
  /** `hls` (hls.js, or the browser's own player). WHEP is not offered: see docs/video.md. */
  kind: 'hls';
  /** Absolute or server-relative; the token is in its query (`?token=`). */
  url: string;
}

/** The answer of GET /api/cameras/{id}/stream. */
export interface StreamGrant {
  cameraId: string;
  /** One live view: renewing it (`?view=`) keeps one audit entry with its whole length. */
  viewId: string;
  token: string;
  /** Epoch ms: past it the media server refuses the playlist and every segment. */
  expiresAt: number;
  /** Where the pictures come from. */
  origin: 'simulated' | 'media-server';
  sources: StreamSource[];
}

/** The query parameter that carries a stream token, on this server and on the media server. */
export const STREAM_TOKEN_PARAM = 'token';

/** A box over the picture: left, top, width, height as fractions of the frame (0..1). */
export interface EvidenceBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The id of an image on a camera's snapshot topic (and in the evidence table). */
export const SNAPSHOT_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * What a detection saw, kept with its alert (`DetectionData.evidence`) and served only through
 * GET /api/alerts/{id}/snapshot.jpg and /clip.mp4. Never on the wall: it may show a plate or a face.
 */
export interface Evidence {
  /** An image the camera published on `ioc/v1/camera/{cameraId}/snapshot/{snapshotId}`. */
  snapshotId?: string;
  /** An image at a URL of the city's (EVIDENCE_ORIGINS); fetched by the server, never by a browser. */
  snapshotUrl?: string;
  /** A Frigate event: its snapshot.jpg and clip.mp4 come through the server (FRIGATE_URL). */
  frigateEventId?: string;
  box?: EvidenceBox;
}

/** Whether an alert's evidence has a clip to play (only Frigate events keep clips). */
export const evidenceHasClip = (e: Evidence | undefined): boolean => e?.frigateEventId !== undefined;

/** Whether an alert's evidence has a picture. */
export const evidenceHasSnapshot = (e: Evidence | undefined): boolean => !!e && (e.snapshotId !== undefined || e.snapshotUrl !== undefined || e.frigateEventId !== undefined);

/**
 * The simulated cameras' picture, as an ffmpeg video filter over `testsrc2`: the camera's label
 * (read from a file, so a name needs no escaping) at the top, the clock (the process's TZ) at the
 * bottom. The server's live streams and the simulators' evidence frames draw the same picture.
 */
export function testPatternFilter(labelFile: string): string {
  const font = "font='DejaVu Sans'";
  const box = 'fontcolor=white:box=1:boxcolor=black@0.65:boxborderw=8';
  return [`drawtext=${font}:textfile=${labelFile}:x=16:y=30:fontsize=22:${box}`, `drawtext=${font}:text='%{localtime}':x=16:y=h-44:fontsize=24:${box}`].join(',');
}
