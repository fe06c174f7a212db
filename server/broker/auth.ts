/**
 * Who may connect to the embedded broker, and what they may do (aedes hooks):
 *   - the server: its own credentials (MQTT_USERNAME/MQTT_PASSWORD, or random
 *     ones made at start), the only client allowed to subscribe (ioc/v1/#, frigate/#);
 *   - the demo simulators: user `ioc-simulator` with SIM_MQTT_PASSWORD (random when unset), may publish
 *     anywhere under ioc/v1 (like `ioc-simulator` in docker/mosquitto/acl), subscribe to nothing;
 *   - devices: username = device id, password = its secret from the registry;
 *     may publish only its own topics (devices.ts mayPublish), subscribe to nothing.
 * A client id is a session: whoever connects with it takes over the session and its
 * offline queue (MQTT 3.1.1 §3.1.4). So each client id has one owner (clientIdOwner),
 * and credentials that do not own it get CONNACK 2, identifier rejected, before aedes
 * touches the session. Everything refused is counted in ioc_broker_refused_total{reason} and logged.
 * aedes disconnects a client whose publish is refused (MQTT 3.1.1 has no way to
 * say no to one message); Mosquitto instead drops the message silently.
 */
import type { AedesOptions, Client } from 'aedes';
import client from 'prom-client';
import { randomToken, safeEqual } from '../auth/tokens.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { DEVICE_ID_RE, mayPublish, type DeviceKind, type DeviceRegistry } from './devices.js';

export interface Credentials {
  username: string;
  password: string;
}

export type Identity = { kind: 'server' } | { kind: 'simulator' } | { kind: 'device'; id: string };
type Authenticated = { kind: 'server' } | { kind: 'simulator' } | { kind: 'device'; id: string; device: DeviceKind };

export type RefusalReason = 'bad_credentials' | 'client_id' | 'foreign_topic' | 'subscribe';

/** Longest client id taken, other than the server's own. */
export const MAX_CLIENT_ID = 128;

/** Client ids of the built-in simulators (simulators/transport.ts, load.ts): `sim-<tag>-…`. */
export const SIMULATOR_CLIENT_PREFIX = 'sim-';

/**
 * Who owns a client id, so that only they may connect with it:
 *   - the server's client id (MQTT_CLIENT_ID, or ioc-console-<hostname>): the server, exactly;
 *   - `sim-…`: the built-in simulators;
 *   - otherwise the longest registered device id that is the client id or, followed by `-`,
 *     begins it: device `cam-1` owns `cam-1` and `cam-1-a`, but `cam-1-a` is device
 *     `cam-1-a`'s if that device exists, so no device can take another's session;
 *   - null: nobody (a device may never use it), also for any id over MAX_CLIENT_ID characters.
 */
export function clientIdOwner(clientId: string, o: { serverClientId: string; isDevice: (id: string) => boolean }): Identity | null {
  if (clientId === o.serverClientId) return { kind: 'server' };
  // MQTT 3.1.1 §3.1.3.1 obliges a server to take 23 characters and lets it refuse more; 128 is plenty.
  if (clientId.length > MAX_CLIENT_ID) return null;
  if (clientId.startsWith(SIMULATOR_CLIENT_PREFIX)) return { kind: 'simulator' };
  for (let end = clientId.length; end > 0; end = clientId.lastIndexOf('-', end - 1)) {
    const id = clientId.slice(0, end);
    if (DEVICE_ID_RE.test(id) && o.isDevice(id)) return { kind: 'device', id };
  }
  return null;
}

export interface BrokerAuth {
  hooks: Pick<AedesOptions, 'authenticate' | 'authorizePublish' | 'authorizeSubscribe'>;
  server: Credentials;
  simulator: Credentials;
}

export function brokerAuth(opts: {
  registry: DeviceRegistry;
  server?: Partial<Credentials>;
  /** The demo simulators' password (SIM_MQTT_PASSWORD); random, so no one's, when unset. */
  simulatorPassword?: string;
  /** The client id of the server's own session: reserved for the server's credentials. */
  serverClientId: string;
  log: Logger;
  metrics: Metrics;
}): BrokerAuth {
  const server: Credentials = { username: opts.server?.username ?? 'ioc-server', password: opts.server?.password ?? randomToken() };
  const simulator: Credentials = { username: 'ioc-simulator', password: opts.simulatorPassword ?? randomToken() };
  const identities = new WeakMap<Client, Authenticated>();
  const owner = { serverClientId: opts.serverClientId, isDevice: (id: string) => opts.registry.get(id) !== undefined };
  const refused = new client.Counter({
    name: 'ioc_broker_refused_total',
    help: 'Embedded broker refusals: bad credentials or a client id not theirs at connect, a publish outside the device own topics, a subscription',
    labelNames: ['reason'] as const,
    registers: [opts.metrics.registry],
  });
  for (const r of ['bad_credentials', 'client_id', 'foreign_topic', 'subscribe'] as const) refused.inc({ reason: r }, 0);
  const refuse = (reason: RefusalReason, ctx: Record<string, unknown>) => {
    refused.inc({ reason });
    opts.log.warn({ reason, ...ctx }, 'MQTT client refused');
  };

  return {
    server,
    simulator,
    hooks: {
      authenticate(c, username, password, done) {
        const pw = password?.toString('utf8') ?? '';
        const user = username ?? '';
        let who: Authenticated | null = null;
        if (user === server.username && safeEqual(pw, server.password)) who = { kind: 'server' };
        else if (user === simulator.username && safeEqual(pw, simulator.password)) who = { kind: 'simulator' };
        else if (DEVICE_ID_RE.test(user)) {
          const d = opts.registry.verify(user, pw);
          if (d) who = { kind: 'device', id: d.id, device: d.kind };
        }
        if (!who) {
          refuse('bad_credentials', { deviceId: user.slice(0, 64), clientId: c.id.slice(0, 64) });
          const err = Object.assign(new Error('bad username or password'), { returnCode: 4 as const });
          return done(err, false);
        }
        // Checked here, before aedes registers the client: a refused CONNECT leaves the
        // session of the client id's owner (and the connection holding it) as it was.
        const own = clientIdOwner(c.id, owner);
        if (own?.kind !== who.kind || (own.kind === 'device' && who.kind === 'device' && own.id !== who.id)) {
          refuse('client_id', { deviceId: who.kind === 'device' ? who.id : who.kind, clientId: c.id.slice(0, 64) });
          const err = Object.assign(new Error('client id not allowed for these credentials'), { returnCode: 2 as const });
          return done(err, false);
        }
        identities.set(c, who);
        done(null, true);
      },
      authorizePublish(c, packet, done) {
        // null: the broker itself ($SYS, a will re-published after a restart).
        if (!c) return done(null);
        const who = identities.get(c);
        const ok = who?.kind === 'simulator' ? packet.topic.startsWith('ioc/v1/') : who?.kind === 'device' ? mayPublish(who.device, who.id, packet.topic) : false;
        if (ok) return done(null);
        refuse('foreign_topic', { deviceId: who && who.kind === 'device' ? who.id : who?.kind, topic: packet.topic.slice(0, 200) });
        done(new Error('publish not allowed'));
      },
      authorizeSubscribe(c, sub, done) {
        if (identities.get(c)?.kind === 'server') return done(null, sub);
        const who = identities.get(c);
        refuse('subscribe', { deviceId: who?.kind === 'device' ? who.id : who?.kind, topic: sub.topic.slice(0, 200) });
        // null = SUBACK failure (0x80) for this topic; the client stays connected.
        done(null, null);
      },
    },
  };
}
