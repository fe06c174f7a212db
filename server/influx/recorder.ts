/**
 * Records every validated device event as an InfluxDB point, with the
 * registry's static metadata (ward, road, operator) as tags.
 */
import type { CityPack } from '../../contract/index.js';
import type { EventBus } from '../bus.js';
import { wardIdAt } from '../../contract/geo.js';
import type { Registry } from '../registry/registry.js';
import { capAlertPoint } from './cap-points.js';
import { frigateEventPoint } from './frigate-points.js';
import { cameraStatus, detection, incidentReport, linkStatus, stationSitePoint, stationStatus, vcStatus } from './points.js';
import type { PointWriter } from './writer.js';

const OWNER = 'recorder';

export class Recorder {
  constructor(
    private readonly bus: EventBus,
    private readonly registry: Registry,
    private readonly writer: PointWriter,
    private readonly pack: CityPack,
  ) {}

  start(): void {
    const { bus, registry, writer } = this;
    bus.on('camera.status', OWNER, (e) => writer.record(cameraStatus, e, registry.cameras.get(e.id)?.wardId ?? null));
    bus.on('camera.detection', OWNER, (e) => writer.record(detection, e, registry.cameras.get(e.id)?.roadId ?? null));
    bus.on('incident.report', OWNER, (e) => {
      const p = e.payload;
      const ward = p.lat !== undefined && p.lon !== undefined ? wardIdAt(this.pack, [p.lon, p.lat]) : null;
      writer.record(incidentReport, e, ward);
    });
    bus.on('station.status', OWNER, (e) => writer.record(stationStatus, e, registry.stations.get(e.id)));
    bus.on('link.status', OWNER, (e) => writer.record(linkStatus, e, undefined));
    bus.on('vc.status', OWNER, (e) => writer.record(vcStatus, e, this.pack.sites.vcPoints.find((v) => v.id === e.id)?.wardId ?? null));
    bus.on('cap.alert', OWNER, (e) => writer.write([capAlertPoint(e)]));
    bus.on('frigate.event', OWNER, (e) => writer.write([frigateEventPoint(e)]));
    // Imported station sites are kept so that the registry knows them after a restart.
    bus.on('stations.imported', OWNER, (e) => writer.write(e.sites.map((s, i) => stationSitePoint(s, e.receivedAt, i))));
  }

  stop(): void {
    this.bus.removeOwner(OWNER);
  }
}
