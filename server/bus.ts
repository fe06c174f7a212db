/**
 * The typed internal event bus linking ingest, registry, store, alerts and push.
 * Listeners are registered per owner and removed together on stop(); a throwing
 * listener is logged and never breaks the others (zigbee2mqtt's eventBus habit).
 */
import type { Logger } from './log.js';
import type { CameraStatusPayload, DetectionPayload, IncidentReportPayload, LinkStatusPayload, StationStatusPayload } from '../contract/index.js';
import type { Alert, FullChange, StationSite } from '../contract/index.js';
import type { CapAlert } from '../contract/cap.js';
import type { FrigateEvent } from '../contract/frigate.js';
import type { KpiValuePayload } from '../contract/indicators.js';
import type { VcStatusPayload } from '../contract/vc.js';

/** A validated message from a device, with the topic id it came on. */
interface FromDevice<P> {
  id: string;
  payload: P;
  receivedAt: number;
}

export interface BusEvents {
  'camera.status': FromDevice<CameraStatusPayload>;
  'camera.detection': FromDevice<DetectionPayload>;
  'incident.report': FromDevice<IncidentReportPayload> & { sourceId: string };
  'station.status': FromDevice<StationStatusPayload>;
  'link.status': FromDevice<LinkStatusPayload>;
  /** A digital-government indicator's value (id: the indicator), over MQTT or HTTP (server/indicators). */
  'kpi.value': FromDevice<KpiValuePayload>;
  /** A video-conference point's status (id: the point), checked against the city pack's vcPoints. */
  'vc.status': FromDevice<VcStatusPayload>;
  /** A validated OASIS CAP 1.2 alert (ingest/cap): Alert / Update / Cancel. */
  'cap.alert': { alert: CapAlert; receivedAt: number; via: 'mqtt' | 'http' };
  /** A Frigate NVR event (ingest/frigate), already mapped to our camera id. */
  'frigate.event': { cameraId: string; event: FrigateEvent; receivedAt: number };
  /** Station sites imported from an OpenCelliD CSV (ingest/opencellid). */
  'stations.imported': { sites: StationSite[]; receivedAt: number };
  /** A new alert (not a repeat), already carrying its incident if it has one (correlation is asked before it is written). */
  'alert.raised': { alert: Alert };
  /**
   * A change to the live picture, for the push layer. `site`: the device is new or its
   * site data (name, position, ward…) changed, so screens need it whole, not just its live fields.
   */
  'state.change': FullChange & { site?: true };
}

type Listener<K extends keyof BusEvents> = (event: BusEvents[K]) => void;

export class EventBus {
  private readonly listeners = new Map<keyof BusEvents, { owner: string; fn: Listener<never> }[]>();
  constructor(private readonly log: Logger) {}

  on<K extends keyof BusEvents>(name: K, owner: string, fn: Listener<K>): void {
    const list = this.listeners.get(name) ?? [];
    list.push({ owner, fn: fn as Listener<never> });
    this.listeners.set(name, list);
  }

  emit<K extends keyof BusEvents>(name: K, event: BusEvents[K]): void {
    const list = this.listeners.get(name);
    if (!list) return;
    for (const l of list) {
      try {
        (l.fn as Listener<K>)(event);
      } catch (err) {
        this.log.error({ err, event: name, owner: l.owner }, 'bus listener failed');
      }
    }
  }

  removeOwner(owner: string): void {
    for (const [name, list] of this.listeners) {
      this.listeners.set(
        name,
        list.filter((l) => l.owner !== owner),
      );
    }
  }
}
