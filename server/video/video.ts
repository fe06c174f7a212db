/**
 * The video component (docs/video.md): live views and evidence, built from the desk and the
 * system of record, started once the picture is restored.
 */
import type pg from 'pg';
import type { CityPack } from '../../contract/index.js';
import type { AuthService } from '../auth/service.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Operations } from '../operations.js';
import { EvidenceStore, evidenceRoutes } from './evidence.js';
import { videoPublicRoutes, videoRoutes } from './routes.js';
import { VideoService } from './service.js';

export interface Video {
  service: VideoService;
  evidence: EvidenceStore;
  /** Routers under /api, behind the session guard. */
  routes: ReturnType<typeof videoRoutes>[];
  /** Routers with their full path, whose stream token is their pass. */
  publicRoutes: ReturnType<typeof videoPublicRoutes>[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createVideo(d: { config: Config; pack: CityPack; auth: AuthService; operations: Operations; pool: pg.Pool; metrics: Metrics; log: Logger; now: () => number }): Video {
  const { config, operations, now } = d;
  const log = d.log.child({ module: 'video' });
  const service = new VideoService({
    config,
    pack: d.pack,
    key: d.auth.derivedKey('stream-token'),
    access: {
      incidents: () => operations.incidents.open(),
      alerts: () => operations.alerts.open(),
      alert: (id) => operations.alerts.get(id),
      now,
    },
    audit: (e) => operations.events.append({ entity: 'video', id: e.cameraId, type: e.type, by: e.by, role: e.role, address: e.address, note: e.note }),
    log,
    metrics: d.metrics,
    now,
  });
  const evidence = new EvidenceStore(d.pool, config.EVIDENCE_RETENTION_DAYS, log, now);
  const origins = new Set(config.EVIDENCE_ORIGINS.split(' ').filter(Boolean).map((o) => new URL(o).origin));
  return {
    service,
    evidence,
    routes: [videoRoutes(service), evidenceRoutes({ alert: (id) => operations.alerts.get(id), store: evidence, frigateUrl: config.FRIGATE_URL, origins, log })],
    publicRoutes: [videoPublicRoutes(service, log)],
    async start() {
      service.start();
      evidence.start();
    },
    async stop() {
      evidence.stop();
      await service.stop();
    },
  };
}
