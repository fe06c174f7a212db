/**
 * The domain of one server, from ingest to the incident desk, built without I/O: the device
 * registry, the recorder of what the bus carries, the operations (alerts, incidents, units),
 * the commands officers send, and the ingest router with its foreign formats (CAP, Frigate).
 * The composition root (app.ts) starts them once the picture is restored.
 */
import type { CapAlert } from '../contract/cap.js';
import type { CityPack } from '../contract/index.js';
import type { RulesConfig } from './alerts/rules-config.js';
import type { DeviceRegistry } from './broker/devices.js';
import type { EventBus } from './bus.js';
import type { Config } from './config.js';
import type { Journal } from './db/journal.js';
import { Recorder } from './influx/recorder.js';
import type { PointWriter } from './influx/writer.js';
import { createCapHandler, type CapCheck } from './ingest/cap/handler.js';
import { createFrigateHandlers } from './ingest/frigate/handler.js';
import type { FrigateMapping } from './ingest/frigate/mapping.js';
import { FeedHealthTracker } from './ingest/health.js';
import { IngestRouter } from './ingest/router.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { Operations } from './operations.js';
import { Commands } from './push/commands.js';
import { Registry } from './registry/registry.js';

export interface Desk {
  registry: Registry;
  recorder: Recorder;
  operations: Operations;
  commands: Commands;
  /** Per-feed health: counts, rejects, dead letters. */
  health: FeedHealthTracker;
  router: IngestRouter;
  /** Why a CAP Update or Cancel may not apply (not from the sender of the alert it references), or null. */
  capCheck: CapCheck;
}

export function buildDesk(d: {
  config: Config;
  pack: CityPack;
  rules: RulesConfig;
  frigateMapping: FrigateMapping | null;
  bus: EventBus;
  writer: PointWriter;
  journal: Journal;
  /** With device authentication: which CAP senders each source device may send as. */
  devices: DeviceRegistry | null;
  metrics: Metrics;
  log: Logger;
  now: () => number;
}): Desk {
  const { config, pack, rules, bus, writer, journal, log, now } = d;
  const registry = new Registry(bus, pack, config.DEVICE_STALE_S * 1000, now);
  const recorder = new Recorder(bus, registry, writer, pack);
  const operations = new Operations({ bus, writer, journal, registry, pack, rules, log: log.child({ module: 'operations' }), now, maxNotes: config.INCIDENT_MAX_NOTES });
  const commands = new Commands({
    alerts: operations.alerts,
    incidents: operations.incidents,
    units: operations.units,
    events: operations.events,
    log: log.child({ module: 'commands' }),
    commandsPerSecond: config.SOCKET_COMMANDS_PER_S,
    now,
    journal,
    writeTimeoutMs: config.DB_COMMAND_TIMEOUT_MS,
    ackIncidentWithAlert: rules.workflow.ackIncidentWithAlert,
  });
  const health = new FeedHealthTracker(config.DEAD_LETTER_SIZE, now);
  const router = new IngestRouter({
    bus,
    health,
    metrics: d.metrics,
    log: log.child({ module: 'ingest' }),
    maxPayloadBytes: config.MAX_PAYLOAD_BYTES,
    maxFutureSkewMs: config.MAX_FUTURE_SKEW_S * 1000,
    acceptOld: config.CLUSTER,
    now,
  });
  // A CAP Update or Cancel applies only from the sender of the alert it references (issue #19).
  const capCheck = (a: CapAlert) => operations.cap.refusal(a);
  // A source device sends CAP only as its registered senders; an external broker's ACLs are its own business.
  const { devices } = d;
  router.registerForeign('cap', createCapHandler({ bus, now, check: capCheck, ...(devices ? { maySendAs: (id: string, sender: string) => devices.maySendCapAs(id, sender) } : {}) }));
  if (d.frigateMapping) {
    const frigate = createFrigateHandlers({ bus, mapping: d.frigateMapping, now });
    router.registerForeign('frigateEvents', frigate.events);
    router.registerForeign('frigateAvailable', frigate.available);
  }
  return { registry, recorder, operations, commands, health, router, capCheck };
}
