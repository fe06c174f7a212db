/**
 * The picture at start-up, before anything is served: every device as last stored (a previous
 * run's spool first: it holds the newest states), then, from PostgreSQL, every open alert and
 * incident. Without its history the console would show a wrong picture, so a failed read of
 * PostgreSQL stops the start; a device the store does not know is filled in by its retained
 * MQTT status.
 */
import type pg from 'pg';
import type { InfluxDB } from 'influx';
import { KEEP_CLEARED } from './alerts/store.js';
import { EventFollower } from './cluster/follower.js';
import { importLegacy, type ImportSources } from './db/import.js';
import { loadOpenPicture } from './db/sor.js';
import { KEEP_CLOSED_MS } from './incidents/records.js';
import type { PointWriter } from './influx/writer.js';
import type { Logger } from './log.js';
import type { Operations } from './operations.js';
import { rebuildRegistry } from './registry/rebuild.js';
import type { Registry } from './registry/registry.js';

/** Restores the picture; the event log's head it was read at, for the cluster's follower to go on from. */
export async function restorePicture(d: {
  influx: InfluxDB;
  writer: PointWriter;
  registry: Registry;
  pool: pg.Pool;
  operations: Operations;
  /** An installation from before PostgreSQL: its InfluxDB event log is imported once, now that InfluxDB answers. */
  legacy: Omit<ImportSources, 'influx'>;
  log: Logger;
  now: () => number;
}): Promise<number> {
  await d.writer.flush(10_000).catch(() => undefined);
  await rebuildRegistry(d.influx, d.registry, d.log.child({ module: 'registry' })).catch((err: Error) =>
    d.log.warn({ err: err.message }, 'registry not rebuilt from InfluxDB: retained MQTT status will fill it'),
  );
  d.registry.checkStale();
  await importLegacy(d.pool, { ...d.legacy, influx: d.influx }, d.log.child({ module: 'import' }));
  // Read first: an event written while the picture loads is read again by the follower.
  const followFrom = await EventFollower.head(d.pool);
  const picture = await loadOpenPicture(d.pool, { keepCleared: KEEP_CLEARED, closedWithinMs: KEEP_CLOSED_MS, now: d.now() }).catch((err: Error) => {
    throw new Error(`cannot read alerts and incidents from PostgreSQL: ${err.message}`);
  });
  d.operations.restore(picture);
  return followFrom;
}
