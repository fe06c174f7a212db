/**
 * A Frigate NVR tracked-object event (https://docs.frigate.video/integrations/mqtt/,
 * topic `frigate/events`), reduced to the fields the console uses. Times are
 * epoch ms (Frigate sends float seconds). The bus carries it, so it lives in the contract, below the
 * ingest that parses it (issue #25).
 */
export interface FrigateEvent {
  /** Frigate's own event id, e.g. `1607123955.475377-mxklsc`. */
  frigateId: string;
  type: 'new' | 'update' | 'end';
  /** The camera name in Frigate's config (not our camera id: see mapping.ts). */
  camera: string;
  label: string;
  /** Frigate sends a string, or [name, score] from face/plate recognition; we keep the name. */
  subLabel: string | null;
  score: number;
  topScore: number;
  startTime: number;
  /** null while the object is still tracked. */
  endTime: number | null;
  /** Zones the object entered or is in (entered_zones ∪ current_zones). */
  zones: string[];
  hasSnapshot: boolean;
  hasClip: boolean;
  falsePositive: boolean;
}
