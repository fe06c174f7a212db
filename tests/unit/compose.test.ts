/**
 * The production deployment files hang together:
 *   - docker-compose.yml: `docker compose config -q` when the compose plugin exists; structural
 *     checks (no YAML parser is installed) always: services, images/builds, mounted files,
 *     required secrets, healthchecks, the server's environment parsed by loadConfig.
 *   - the `cluster` profile: two server instances, redis, and nginx (docker/nginx/cluster.conf).
 *   - docker/mosquitto/mosquitto.conf + acl: loaded by a real Mosquitto (paths rewritten
 *     to a temp folder), then the ACL is exercised with real clients.
 *   - Dockerfile: the stages and runtime contract the compose file relies on.
 * Nothing here is skipped: a missing mosquitto fails with an install hint.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_ENV, SERVER_NODE_FLAGS } from '../../scripts/build-server.mjs';
import { configSchema, loadConfig } from '../../server/config.js';
import { publicRoute } from '../../server/http/paths.js';
import { freePort } from '../harness/ports.js';
import { withParentDeathSignal } from '../harness/proc.js';
import { findBinary } from '../../scripts/ensure-deps.mjs';
import { requireService } from '../harness/services.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
const COMPOSE = readFileSync(COMPOSE_FILE, 'utf8');
const MOSQ_DIR = path.join(ROOT, 'docker', 'mosquitto');
const MOSQ_CONF = readFileSync(path.join(MOSQ_DIR, 'mosquitto.conf'), 'utf8');
const ACL = readFileSync(path.join(MOSQ_DIR, 'acl'), 'utf8');
const DOCKERFILE = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const NGINX_CONF_PATH = './docker/nginx/cluster.conf';
const NGINX_CONF = readFileSync(path.join(ROOT, NGINX_CONF_PATH), 'utf8');
const ALL_SERVICES = ['influxdb', 'mediamtx', 'mosquitto', 'postgres', 'proxy', 'redis', 'server', 'server-a', 'server-b', 'simulators'];
const CLUSTER_SERVERS = ['server-a', 'server-b'] as const;

/** The env a deployer puts in .env: the compose file's required variables. */
const COMPOSE_ENV = { INFLUX_PASSWORD: 'test-influx-pw', MQTT_PASSWORD: 'test-mqtt-pw', PG_PASSWORD: 'test-pg-pw', SIM_MQTT_PASSWORD: 'test-sim-pw', AUTH_SECRET: 'test-auth-secret-0123456789abcdef-0123' };

// ---------------------------------------------------------------- a tiny structural YAML reader

/** Lines without comments (a `#` after a space or at line start); keeps indentation. */
function yamlLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/(^|\s)#.*$/, '').replace(/\s+$/, ''))
    .filter((l) => l.trim() !== '');
}

/** Child blocks of a mapping key at `indent`: name → its lines (deeper-indented). */
function blocks(lines: string[], indent: number): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | null = null;
  const keyRe = new RegExp(`^ {${indent}}([A-Za-z0-9_.-]+):\\s*(.*)$`);
  for (const line of lines) {
    const lead = line.length - line.trimStart().length;
    const m = keyRe.exec(line);
    if (m && lead === indent) {
      current = m[2] ? [`${' '.repeat(indent + 2)}${m[2]}`] : [];
      out.set(m[1]!, current);
    } else if (lead > indent && current) {
      current.push(line);
    } else if (lead <= indent) {
      current = null;
    }
  }
  return out;
}

const top = blocks(yamlLines(COMPOSE), 0);
const services = blocks(top.get('services') ?? [], 2);
const service = (name: string): string => (services.get(name) ?? []).join('\n');

/** `KEY: value` pairs of a service's environment mapping, with ${VAR:-default} resolved from `env`. */
function serviceEnv(name: string, env: Record<string, string>): Record<string, string> {
  const block = blocks(services.get(name) ?? [], 4).get('environment') ?? [];
  const out: Record<string, string> = {};
  for (const line of block) {
    const m = /^\s+([A-Z][A-Z0-9_]*):\s*(.*)$/.exec(line);
    if (!m) continue;
    out[m[1]!] = interpolate(m[2]!.replace(/^"(.*)"$/, '$1'), env);
  }
  return out;
}

/** Compose interpolation: ${VAR}, ${VAR:-default}, ${VAR:?message}; throws like compose on a missing required one. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?:(:-|:\?)([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (op === ':?') throw new Error(`required variable ${name} is missing a value: ${arg}`);
    return op === ':-' ? (arg ?? '') : '';
  });
}

/** Host paths of a service's bind mounts (`./x:/y[:ro]`). */
function bindMounts(name: string): { host: string; container: string }[] {
  return [...service(name).matchAll(/^\s+-\s+"?(\.\/[^:\s"]+):([^:\s"]+)/gm)].map((m) => ({ host: m[1]!, container: m[2]! }));
}

// ---------------------------------------------------------------- docker compose itself, when present

function composeAvailable(): boolean {
  if (!findBinary('docker')) return false;
  const r = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0;
}

describe('docker-compose.yml', () => {
  it('is accepted by `docker compose config -q` (or, without the compose plugin, passes the structural checks)', () => {
    if (composeAvailable()) {
      const r = spawnSync('docker', ['compose', '-f', COMPOSE_FILE, '--profile', 'simulators', '--profile', 'cluster', 'config', '-q'], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, ...COMPOSE_ENV },
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      // ...and it refuses to start without the secrets.
      const bare = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in COMPOSE_ENV)));
      const r2 = spawnSync('docker', ['compose', '-f', COMPOSE_FILE, 'config', '-q'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: bare });
      expect(r2.status).not.toBe(0);
      expect(r2.stderr).toMatch(/INFLUX_PASSWORD|MQTT_PASSWORD/);
    } else {
      // This machine has the docker client but no compose plugin (or no docker at all):
      // the same file must still be well-formed enough for compose.
      expect(COMPOSE).not.toMatch(/\t/); // YAML forbids tabs for indentation
      expect([...services.keys()].sort()).toEqual(ALL_SERVICES);
      for (const [name, lines] of services) {
        expect(lines.length, name).toBeGreaterThan(0);
        expect(service(name), `${name} needs image or build`).toMatch(/^ {4}(image|build):\s*\S/m);
      }
      expect(() => interpolate(COMPOSE, COMPOSE_ENV)).not.toThrow();
      expect(() => interpolate(COMPOSE, {})).toThrow(/INFLUX_PASSWORD|MQTT_PASSWORD/);
    }
  });

  it('has the services with the right images', () => {
    expect([...services.keys()].sort()).toEqual(ALL_SERVICES);
    expect(service('mosquitto')).toMatch(/^ {4}image: eclipse-mosquitto:2$/m);
    expect(service('influxdb')).toMatch(/^ {4}image: influxdb:1\.8$/m);
    expect(service('server')).toMatch(/^ {4}build: \.$/m);
    expect(service('simulators')).toMatch(/^ {4}(build: \.|image: ioc-console:latest)$/m);
    expect(service('simulators')).toMatch(/^ {4}profiles: \[simulators\]$/m);
    expect(service('postgres')).toMatch(/^ {4}image: postgres:16$/m);
    // No profile: `docker compose up -d` is the single-server stack.
    for (const name of ['mosquitto', 'influxdb', 'postgres', 'server']) expect(service(name), name).not.toMatch(/profiles:/);
    for (const name of ['server-a', 'server-b', 'redis', 'proxy']) expect(service(name), name).toMatch(/^ {4}profiles: \[cluster\]$/m);
  });

  it('runs MediaMTX (profile video) with its config, whose auth hook is the server’s public stream-token route', () => {
    expect(service('mediamtx')).toMatch(/^ {4}image: bluenviron\/mediamtx:1$/m);
    expect(service('mediamtx')).toMatch(/^ {4}profiles: \[video\]$/m);
    const mounts = bindMounts('mediamtx');
    expect(mounts).toEqual([{ host: './docker/mediamtx/mediamtx.yml', container: '/mediamtx.yml' }]);
    const conf = readFileSync(path.join(ROOT, 'docker', 'mediamtx', 'mediamtx.yml'), 'utf8');
    expect(conf).toMatch(/^authMethod: http$/m);
    const hook = new URL(/^authHTTPAddress: (\S+)$/m.exec(conf)![1]!);
    expect(hook.host).toBe('server:8080');
    expect(publicRoute('POST', hook.pathname)).toMatchObject({ reason: 'stream-token' });
    // The server takes VIDEO_HLS_URL from .env, and an empty one means none.
    expect(loadConfig(serviceEnv('server', { ...COMPOSE_ENV, VIDEO_HLS_URL: 'http://media.ioc.local:8888/{path}/index.m3u8' })).VIDEO_HLS_URL).toBe('http://media.ioc.local:8888/{path}/index.m3u8');
    expect(loadConfig(serviceEnv('server', COMPOSE_ENV)).VIDEO_HLS_URL).toBeUndefined();
  });

  it('runs PostgreSQL 16 with a volume, a pg_isready health check, and gives the server its DATABASE_URL', () => {
    const pgEnv = serviceEnv('postgres', COMPOSE_ENV);
    expect(pgEnv.POSTGRES_PASSWORD).toBe(COMPOSE_ENV.PG_PASSWORD);
    expect(service('postgres')).toMatch(/POSTGRES_PASSWORD: \$\{PG_PASSWORD:\?[^}]+\}/);
    expect(service('postgres')).toContain('postgres-data:/var/lib/postgresql/data');
    expect(top.get('volumes')?.join('\n')).toMatch(/postgres-data:/);
    expect(service('postgres')).toMatch(/healthcheck:\s*\n\s+test: \["CMD", "pg_isready"[^\]]*"-U", "ioc", "-d", "ioc"\]/);
    expect(service('server')).toMatch(/postgres:\s*\n\s+condition: service_healthy/);
    const config = loadConfig(serviceEnv('server', COMPOSE_ENV));
    const url = new URL(config.DATABASE_URL!);
    expect([url.protocol, url.hostname, url.port, url.pathname]).toEqual(['postgres:', 'postgres', '5432', `/${pgEnv.POSTGRES_DB}`]);
    expect([url.username, url.password]).toEqual([pgEnv.POSTGRES_USER, COMPOSE_ENV.PG_PASSWORD]);
  });

  it('mounts files that exist, and the password file the docs say to create', () => {
    const mounts = bindMounts('mosquitto');
    const byTarget = Object.fromEntries(mounts.map((m) => [m.container, m.host]));
    expect(byTarget['/mosquitto/config/mosquitto.conf']).toBe('./docker/mosquitto/mosquitto.conf');
    expect(byTarget['/mosquitto/config/acl']).toBe('./docker/mosquitto/acl');
    expect(byTarget['/mosquitto/config/passwd']).toBe('./docker/mosquitto/passwd');
    for (const m of mounts) {
      if (m.host.endsWith('/passwd')) continue; // created by the operator (README), never committed
      expect(existsSync(path.join(ROOT, m.host)), m.host).toBe(true);
    }
    // The passwd the compose file mounts is explained, exemplified and git-ignored.
    expect(readFileSync(path.join(MOSQ_DIR, 'README.md'), 'utf8')).toMatch(/mosquitto_passwd/);
    expect(existsSync(path.join(MOSQ_DIR, 'passwd.example'))).toBe(true);
    expect(readFileSync(path.join(MOSQ_DIR, '.gitignore'), 'utf8').split('\n')).toContain('passwd');
    // Every path mosquitto.conf names is where the compose file puts it.
    for (const m of MOSQ_CONF.matchAll(/^(password_file|acl_file)\s+(\S+)$/gm)) expect(Object.keys(byTarget)).toContain(m[2]);
    const dataDir = /^persistence_location\s+(\S+)$/m.exec(MOSQ_CONF)?.[1];
    expect(service('mosquitto')).toContain(`mosquitto-data:${dataDir!.replace(/\/$/, '')}`);
    expect(top.get('volumes')?.join('\n')).toMatch(/mosquitto-data:[\s\S]*influxdb-data:/);
  });

  it('requires the secrets with ${VAR:?...} and never hard-codes one', () => {
    expect(service('influxdb')).toMatch(/INFLUXDB_ADMIN_PASSWORD: \$\{INFLUX_PASSWORD:\?[^}]+\}/);
    expect(service('server')).toMatch(/INFLUX_PASSWORD: \$\{INFLUX_PASSWORD:\?[^}]+\}/);
    expect(service('server')).toMatch(/MQTT_PASSWORD: \$\{MQTT_PASSWORD:\?[^}]+\}/);
    // Every *PASSWORD key's value (the URL's password is checked with DATABASE_URL above).
    for (const m of COMPOSE.matchAll(/^\s+[A-Z_]*PASSWORD:\s*(.*)$/gm)) expect(m[1], m[0]).toMatch(/^\$\{/);
    expect(service('server')).toMatch(/DATABASE_URL: postgres:\/\/ioc:\$\{PG_PASSWORD:\?[^}]+\}@/);
    // A profile's variable must not be required: compose interpolates inactive profiles too.
    expect(service('simulators')).not.toMatch(/:\?/);
  });

  it('configures InfluxDB 1.8 with the database and HTTP auth', () => {
    const env = serviceEnv('influxdb', COMPOSE_ENV);
    expect(env.INFLUXDB_DB).toBe('ioc');
    expect(env.INFLUXDB_HTTP_AUTH_ENABLED).toBe('true');
    expect(env.INFLUXDB_ADMIN_USER).toBe('admin');
    expect(env.INFLUXDB_ADMIN_PASSWORD).toBe(COMPOSE_ENV.INFLUX_PASSWORD);
    expect(service('influxdb')).toMatch(/influxdb-data:\/var\/lib\/influxdb/);
  });

  it("gives the server an environment that server/config.ts accepts, pointing at the other services", () => {
    const env = serviceEnv('server', COMPOSE_ENV);
    const config = loadConfig(env);
    expect(config.MQTT_URL).toBe('mqtt://mosquitto:1883');
    expect(config.MQTT_USERNAME).toBe('ioc-server');
    expect(config.MQTT_PASSWORD).toBe(COMPOSE_ENV.MQTT_PASSWORD);
    expect(config.INFLUX_URL).toBe('http://influxdb:8086');
    expect(config.INFLUX_DATABASE).toBe(serviceEnv('influxdb', COMPOSE_ENV).INFLUXDB_DB);
    expect(config.INFLUX_USERNAME).toBe(serviceEnv('influxdb', COMPOSE_ENV).INFLUXDB_ADMIN_USER);
    expect(config.INFLUX_PASSWORD).toBe(COMPOSE_ENV.INFLUX_PASSWORD);
    expect(config.SIMULATORS).toBe(false);
    expect(config.PORT).toBe(8080);
    expect(config.MAP_STYLE_URL).toBeUndefined(); // ${MAP_STYLE_URL:-} = "" = unset
    // Every variable the compose file sets is one the server knows (a typo would be silently ignored).
    expect(Object.keys(env).filter((k) => !(k in configSchema.shape))).toEqual([]);
  });

  it('starts the server after healthy dependencies, publishes 8080 and restarts it', () => {
    const s = service('server');
    expect(s).toMatch(/mosquitto:\s*\n\s+condition: service_healthy/);
    expect(s).toMatch(/influxdb:\s*\n\s+condition: service_healthy/);
    expect(s).toMatch(/- "8080:8080"/);
    expect(s).toMatch(/restart: unless-stopped/);
    expect(service('mosquitto')).toMatch(/- "1883:1883"/);
    for (const name of ['mosquitto', 'influxdb']) expect(service(name), name).toMatch(/healthcheck:\s*\n\s+test:/);
  });

  it('runs the simulators CLI against the broker, as a user the ACL lets write', () => {
    const s = service('simulators');
    expect(s).toMatch(/"node", "--import", "tsx", "simulators\/cli\.ts", "--url", "mqtt:\/\/mosquitto:1883"/);
    expect(existsSync(path.join(ROOT, 'simulators', 'cli.ts'))).toBe(true);
    const user = serviceEnv('simulators', COMPOSE_ENV).MQTT_USERNAME!;
    expect(ACL).toMatch(new RegExp(`^user ${user}\\n(?:topic .*\\n)*topic (?:read)?write ioc/v1/#$`, 'm'));
  });
});

// ---------------------------------------------------------------- the cluster profile

describe('docker-compose.yml, profile cluster', () => {
  /** Names a service's depends_on lists, with the condition of each. */
  const dependsOn = (name: string): Record<string, string> => {
    const deps = blocks(blocks(services.get(name) ?? [], 4).get('depends_on') ?? [], 6);
    return Object.fromEntries([...deps].map(([dep, lines]) => [dep, /condition:\s*(\S+)/.exec(lines.join('\n'))?.[1] ?? '']));
  };
  const variables = (name: string) => (services.get(name) ?? []).filter((l) => /^ {6}[A-Z][A-Z0-9_]*:/.test(l)).map((l) => l.trim().split(':')[0]!);

  it('runs two server instances of the same image, in cluster mode, with distinct INSTANCE_IDs', () => {
    const [a, b] = CLUSTER_SERVERS.map((name) => serviceEnv(name, COMPOSE_ENV));
    for (const name of CLUSTER_SERVERS) {
      expect(service(name), name).toMatch(/^ {4}image: ioc-console:latest$/m);
      expect(service(name), name).toMatch(/^ {4}build: \.$/m);
      expect(service(name), name).toMatch(/restart: unless-stopped/);
      // Only the proxy is published.
      expect(service(name), name).not.toMatch(/^ {4}ports:/m);
    }
    expect(service('server')).toMatch(/^ {4}image: ioc-console:latest$/m);
    expect([a!.CLUSTER, b!.CLUSTER]).toEqual(['true', 'true']);
    expect(a!.INSTANCE_ID).toBeTruthy();
    expect(b!.INSTANCE_ID).toBeTruthy();
    expect(a!.INSTANCE_ID).not.toBe(b!.INSTANCE_ID);
    // The same settings but for the instance's own name and spool (a drift between the two is a bug).
    const own = ['INSTANCE_ID', 'SPOOL_DIR'];
    const common = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).filter(([k]) => !own.includes(k)));
    expect(common(b!)).toEqual(common(a!));
    expect(a!.SPOOL_DIR).not.toBe(b!.SPOOL_DIR);
    // The same variables, in the same order, in both files' blocks.
    expect(variables('server-b')).toEqual(variables('server-a'));
  });

  it('points each instance at the stores the single server uses, and at redis', () => {
    const single = serviceEnv('server', COMPOSE_ENV);
    for (const name of CLUSTER_SERVERS) {
      const env = serviceEnv(name, COMPOSE_ENV);
      // Cluster mode requires all four (the server refuses to start without them).
      for (const k of ['DATABASE_URL', 'MQTT_URL', 'INFLUX_URL', 'REDIS_URL', 'AUTH_SECRET']) expect(env[k], `${name} ${k}`).toBeTruthy();
      // Without it in .env the instance refuses to start and says so (server/config.ts).
      expect(() => loadConfig({ ...env, AUTH_SECRET: '' })).toThrow(/AUTH_SECRET/);
      expect(new URL(env.REDIS_URL!).host).toBe('redis:6379');
      for (const k of ['DATABASE_URL', 'MQTT_URL', 'MQTT_USERNAME', 'MQTT_PASSWORD', 'INFLUX_URL', 'INFLUX_DATABASE', 'INFLUX_USERNAME', 'INFLUX_PASSWORD', 'PORT']) {
        expect(env[k], `${name} ${k}`).toBe(single[k]);
      }
      // Never the single server's persistent session: the leader's is MQTT_CLUSTER_CLIENT_ID.
      expect(env.MQTT_CLIENT_ID).not.toBe(single.MQTT_CLIENT_ID);
      expect(env.MQTT_CLUSTER_CLIENT_ID ?? 'ioc-console-leader').not.toBe(single.MQTT_CLIENT_ID);
      // The settings server/config.ts knows today parse (the cluster's own are added beside them).
      const config = loadConfig(env);
      expect(config.MQTT_URL).toBe('mqtt://mosquitto:1883');
      expect(config.TRUST_PROXY).toBeDefined();
      const clusterOnly = ['CLUSTER', 'INSTANCE_ID', 'REDIS_URL', 'LEADER_LEASE_MS', 'LEADER_RENEW_MS', 'MQTT_CLUSTER_CLIENT_ID'];
      expect(Object.keys(env).filter((k) => !(k in configSchema.shape) && !clusterOnly.includes(k)), name).toEqual([]);
      // Secrets come from .env, required like the single server's.
      expect(service(name)).toMatch(/MQTT_PASSWORD: \$\{MQTT_PASSWORD:\?[^}]+\}/);
      expect(service(name)).toMatch(/INFLUX_PASSWORD: \$\{INFLUX_PASSWORD:\?[^}]+\}/);
      expect(service(name)).toMatch(/DATABASE_URL: postgres:\/\/ioc:\$\{PG_PASSWORD:\?[^}]+\}@/);
    }
  });

  it('acknowledges in batches that fit the broker\'s in-flight window', () => {
    const window = Number(/^max_inflight_messages\s+(\d+)\s*$/m.exec(MOSQ_CONF)?.[1]);
    expect(window).toBeGreaterThanOrEqual(1000);
    for (const name of ['server', ...CLUSTER_SERVERS]) {
      const config = loadConfig(serviceEnv(name, COMPOSE_ENV));
      expect(config.MQTT_ACK_BATCH, name).toBeLessThan(window);
    }
    // The leader waits for InfluxDB and PostgreSQL: half the window at most, so the next batch can arrive meanwhile.
    for (const name of CLUSTER_SERVERS) expect(loadConfig(serviceEnv(name, COMPOSE_ENV)).MQTT_ACK_BATCH * 2, name).toBeLessThanOrEqual(window);
  });

  it('shares one data volume (the signing key) and starts server-b after server-a is healthy', () => {
    for (const name of CLUSTER_SERVERS) {
      expect(service(name), name).toMatch(/- cluster-data:\/app\/data$/m);
      const deps = dependsOn(name);
      for (const store of ['mosquitto', 'influxdb', 'postgres', 'redis']) expect(deps[store], `${name} → ${store}`).toBe('service_healthy');
    }
    expect(top.get('volumes')?.join('\n')).toMatch(/cluster-data:/);
    expect(dependsOn('server-b')['server-a']).toBe('service_healthy');
  });

  it('runs redis 7 without persistence, with a redis-cli ping health check', () => {
    const r = service('redis');
    expect(r).toMatch(/^ {4}image: redis:7$/m);
    expect(r).toMatch(/healthcheck:\s*\n\s+test: \["CMD", "redis-cli", "ping"\]/);
    expect(r).not.toMatch(/^ {4}volumes:/m);
    expect(r).toMatch(/"--save", ""/);
  });

  it('publishes nginx on 8080 in front of both instances, with the config file mounted', () => {
    const p = service('proxy');
    expect(p).toMatch(/^ {4}image: nginx:1\.27-alpine$/m);
    expect(p).toMatch(/- "8080:8080"/);
    expect(Object.keys(dependsOn('proxy')).sort()).toEqual([...CLUSTER_SERVERS]);
    expect(bindMounts('proxy')).toEqual([{ host: NGINX_CONF_PATH, container: '/etc/nginx/conf.d/default.conf' }]);
    // Naming proxy starts the cluster: nothing in it depends on the single server.
    for (const name of ['server-a', 'server-b', 'redis', 'proxy']) expect(Object.keys(dependsOn(name)), name).not.toContain('server');
  });

  describe('docker/nginx/cluster.conf', () => {
    /** Directives without comments, one a line. */
    const conf = NGINX_CONF.split('\n')
      .map((l) => l.replace(/#.*$/, '').trim())
      .filter(Boolean)
      .join('\n');
    const upstream = /upstream\s+(\S+)\s*\{([^}]*)\}/.exec(conf);
    const location = (prefix: string) => new RegExp(`location ${prefix.replaceAll('/', '\\/')} \\{([^}]*)\\}`).exec(conf)?.[1] ?? '';

    it('balances over both instances, skipping a dead one', () => {
      expect(upstream).not.toBeNull();
      const servers = [...upstream![2]!.matchAll(/^server\s+([^\s;]+)([^;]*);$/gm)];
      expect(servers.map((m) => m[1])).toEqual(CLUSTER_SERVERS.map((n) => `${n}:${serviceEnv(n, COMPOSE_ENV).PORT}`));
      for (const m of servers) {
        expect(m[2], m[1]).toMatch(/\bmax_fails=\d+/);
        expect(m[2], m[1]).toMatch(/\bfail_timeout=\d+s/);
        // Re-resolved, so a restarted container is found at its new address.
        expect(m[2], m[1]).toMatch(/\bresolve\b/);
      }
      expect(upstream![2]).toMatch(/^zone \S+ \d+k;$/m);
      expect(conf).toMatch(/^resolver 127\.0\.0\.11\b/m);
      expect(conf).toMatch(/^listen 8080;$/m);
      expect(conf).toMatch(/^proxy_next_upstream error timeout/m);
    });

    it('upgrades /socket.io/ to WebSocket and keeps it open', () => {
      const io = location('/socket.io/');
      expect(io).toMatch(new RegExp(`^proxy_pass http://${upstream![1]};$`, 'm'));
      expect(conf).toMatch(/^proxy_http_version 1\.1;$/m); // inherited by every location
      expect(io).toMatch(/^proxy_set_header Upgrade \$http_upgrade;$/m);
      expect(io).toMatch(/^proxy_set_header Connection \$connection_upgrade;$/m);
      expect(conf).toMatch(/map \$http_upgrade \$connection_upgrade \{\s*default upgrade;\s*'' +close;\s*\}/);
      const read = /^proxy_read_timeout (\d+)s;$/m.exec(io)?.[1];
      // Longer than Socket.IO's heartbeat (a ping every 25 s, 20 s to answer).
      expect(Number(read)).toBeGreaterThanOrEqual(60);
      // A location with its own proxy_set_header inherits none: the forwarding headers are repeated.
      expect(io).toMatch(/^proxy_set_header X-Forwarded-For \$remote_addr;$/m);
      expect(io).toMatch(/^proxy_set_header Host \$host;$/m);
    });

    it('passes the client address to the instances, which trust one hop', () => {
      expect(conf).toMatch(/^proxy_set_header X-Forwarded-For \$remote_addr;$/m);
      expect(conf).toMatch(/^proxy_set_header X-Forwarded-Proto \$scheme;$/m);
      for (const name of CLUSTER_SERVERS) expect(serviceEnv(name, COMPOSE_ENV).TRUST_PROXY, name).toBe('1');
      // Every location but the WebSocket one sets no header, so it inherits the server's.
      for (const prefix of ['/', '/api/ingest/']) expect(location(prefix), prefix).not.toMatch(/proxy_set_header/);
    });

    it('lets a station list of STATION_IMPORT_MAX_BYTES through to /api/ingest/', () => {
      const max = /^client_max_body_size (\d+)m;$/m.exec(location('/api/ingest/'))?.[1];
      expect(Number(max) * 1024 * 1024).toBeGreaterThanOrEqual(configSchema.shape.STATION_IMPORT_MAX_BYTES.parse(undefined) as number);
    });
  });
});

// ---------------------------------------------------------------- mosquitto.conf and acl

describe('docker/mosquitto/mosquitto.conf', () => {
  const directive = (name: string) => new RegExp(`^${name}\\s+(\\S+)\\s*$`, 'm').exec(MOSQ_CONF)?.[1];

  it('raises max_queued_messages far above the default 1000 and bounds the bytes', () => {
    expect(Number(directive('max_queued_messages'))).toBeGreaterThanOrEqual(100_000);
    const bytes = Number(directive('max_queued_bytes'));
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(1024 ** 3);
  });

  it('authenticates everyone, persists, and logs to stdout', () => {
    expect(MOSQ_CONF).toMatch(/^listener 1883\b/m);
    expect(directive('allow_anonymous')).toBe('false');
    expect(directive('password_file')).toBe('/mosquitto/config/passwd');
    expect(directive('acl_file')).toBe('/mosquitto/config/acl');
    expect(directive('persistence')).toBe('true');
    expect(directive('log_dest')).toBe('stdout');
  });
});

describe('Mosquitto with the shipped mosquitto.conf and acl', () => {
  let dir: string;
  let broker: ChildProcess | null = null;
  let url = '';
  let brokerLog = '';
  const PW = { 'ioc-server': 's3rver', 'cam-001': 'cam1', 'bs-vtl-01': 'bs1', frigate: 'frig', 'ioc-simulator': 'sim' } as const;

  beforeAll(async () => {
    const bin = requireService('mosquitto', () => findBinary('mosquitto'));
    const passwdBin = requireService('mosquitto', () => findBinary('mosquitto_passwd'));
    dir = mkdtempSync(path.join(os.tmpdir(), 'ioc-compose-mosquitto-'));
    const passwd = path.join(dir, 'passwd');
    writeFileSync(passwd, '');
    for (const [user, pw] of Object.entries(PW)) execFileSync(passwdBin, ['-b', passwd, user, pw]);
    writeFileSync(path.join(dir, 'acl'), ACL);
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      // Same file, container paths moved into the temp folder, loopback listener on a free port.
      const conf =
        MOSQ_CONF.replace(/^listener 1883 .*$/m, `listener ${port} 127.0.0.1`)
          .replaceAll('/mosquitto/config/', `${dir}/`)
          .replaceAll('/mosquitto/data/', `${dir}/`) +
        // As root, mosquitto drops to user "mosquitto", which cannot read our 0700 temp folder.
        (process.getuid?.() === 0 ? '\nuser root\n' : '\n');
      expect(conf.split('\n').filter((l) => !l.startsWith('#') && l.includes('/mosquitto/'))).toEqual([]);
      writeFileSync(path.join(dir, 'mosquitto.conf'), conf);
      const [cmd, args] = withParentDeathSignal(bin, ['-c', path.join(dir, 'mosquitto.conf')]);
      const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      brokerLog = '';
      child.stdout!.on('data', (b: Buffer) => (brokerLog += b.toString()));
      child.stderr!.on('data', (b: Buffer) => (brokerLog += b.toString()));
      url = `mqtt://127.0.0.1:${port}`;
      const up = await waitUntilListening(port, child);
      if (up) {
        broker = child;
        break;
      }
      child.kill('SIGKILL');
      if (attempt >= 3 || !/address already in use/i.test(brokerLog)) throw new Error(`mosquitto did not start with the shipped config:\n${brokerLog}`);
    }
  }, 30_000);

  afterAll(async () => {
    if (broker && broker.exitCode === null) {
      const gone = new Promise((r) => broker!.once('exit', r));
      broker.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
      if (broker.exitCode === null) broker.kill('SIGKILL');
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function client(user: keyof typeof PW | null, password?: string): Promise<mqtt.MqttClient> {
    return mqtt.connectAsync(url, {
      ...(user ? { username: user, password: password ?? PW[user] } : {}),
      reconnectPeriod: 0,
      connectTimeout: 5000,
      protocolVersion: 4,
    });
  }

  it('loads the config without errors', () => {
    expect(broker?.exitCode).toBe(null);
    expect(brokerLog).not.toMatch(/error|unknown configuration|invalid/i);
  });

  it('refuses anonymous clients and wrong passwords', async () => {
    await expect(client(null)).rejects.toThrow(/authori[sz]ed|refused|bad user/i);
    await expect(client('cam-001', 'wrong')).rejects.toThrow(/authori[sz]ed|refused|bad user/i);
  });

  it('delivers to ioc-server what devices publish under their own id, and nothing forged', async () => {
    const server = await client('ioc-server');
    const got: string[] = [];
    server.on('message', (topic, payload) => got.push(`${topic} ${payload.toString()}`));
    await server.subscribeAsync(['ioc/v1/#', 'frigate/#'], { qos: 1 });
    const cam = await client('cam-001');
    const bs = await client('bs-vtl-01');
    const frigate = await client('frigate');
    const sim = await client('ioc-simulator');
    // Allowed: own id, every topic kind; frigate's own tree; the simulator anywhere in ioc/v1.
    await cam.publishAsync('ioc/v1/camera/cam-001/status', 'own-status', { qos: 1 });
    await cam.publishAsync('ioc/v1/camera/cam-001/detection', 'own-detection', { qos: 1 });
    await bs.publishAsync('ioc/v1/telecom/station/bs-vtl-01/status', 'own-station', { qos: 1 });
    await frigate.publishAsync('frigate/events', 'frigate-event', { qos: 1 });
    await sim.publishAsync('ioc/v1/camera/cam-009/status', 'sim-camera', { qos: 1 });
    await sim.publishAsync('ioc/v1/incident/hotline-115/report', 'sim-incident', { qos: 1 });
    // Denied (Mosquitto still PUBACKs and silently drops): another id, another kind, another tree.
    await cam.publishAsync('ioc/v1/camera/cam-002/status', 'forged-camera', { qos: 1 });
    await cam.publishAsync('ioc/v1/incident/hotline-115/report', 'forged-incident', { qos: 1 });
    await cam.publishAsync('frigate/events', 'forged-frigate', { qos: 1 });
    await bs.publishAsync('ioc/v1/camera/bs-vtl-01x/status', 'forged-prefix', { qos: 1 });
    await server.publishAsync('ioc/v1/camera/cam-001/status', 'server-write', { qos: 1 });
    // A marker published last: once it arrives, everything before it has been routed.
    await sim.publishAsync('ioc/v1/marker', 'end', { qos: 1 });
    const deadline = Date.now() + 5000;
    while (!got.includes('ioc/v1/marker end') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // (Known limit of the %u scheme, see README: the ACL does not know a device's kind, so
    // cam-001 could publish ioc/v1/telecom/station/cam-001/status; ids are unique across a city pack.)
    expect(got.sort()).toEqual(
      [
        'frigate/events frigate-event',
        'ioc/v1/camera/cam-001/detection own-detection',
        'ioc/v1/camera/cam-001/status own-status',
        'ioc/v1/camera/cam-009/status sim-camera',
        'ioc/v1/incident/hotline-115/report sim-incident',
        'ioc/v1/marker end',
        'ioc/v1/telecom/station/bs-vtl-01/status own-station',
      ].sort(),
    );
    await Promise.all([server, cam, bs, frigate, sim].map((c) => c.endAsync()));
  });

  it('lets ioc-server read $SYS (the compose healthcheck) but not devices read the feeds', async () => {
    const server = await client('ioc-server');
    const sys = new Promise<string>((resolve) => server.on('message', (topic, p) => resolve(`${topic}=${p.toString()}`)));
    await server.subscribeAsync('$SYS/broker/version', { qos: 0 });
    expect(await sys).toMatch(/^\$SYS\/broker\/version=mosquitto version/);

    const cam = await client('cam-001');
    const seen: string[] = [];
    cam.on('message', (t) => seen.push(t));
    await cam.subscribeAsync('ioc/v1/#', { qos: 1 });
    const sim = await client('ioc-simulator');
    await sim.publishAsync('ioc/v1/camera/cam-002/status', 'x', { qos: 1 });
    // ioc-server sees it, so it was routed; the camera must not.
    const routed = await client('ioc-server');
    const retained = new Promise<void>((resolve) => routed.on('message', () => resolve()));
    await sim.publishAsync('ioc/v1/camera/cam-003/status', 'r', { qos: 1, retain: true });
    await routed.subscribeAsync('ioc/v1/camera/cam-003/status', { qos: 1 });
    await retained;
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual([]);
    await Promise.all([server, cam, sim, routed].map((c) => c.endAsync()));
  });
});

async function waitUntilListening(port: number, child: ChildProcess): Promise<boolean> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ port, host: '127.0.0.1' });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => (s.destroy(), resolve(false)));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 30));
  }
  return false;
}

// ---------------------------------------------------------------- Dockerfile

describe('Dockerfile', () => {
  it('is multi-stage on node:20-bookworm-slim, builds the client with npm ci + npm run build', () => {
    expect(DOCKERFILE).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    expect((DOCKERFILE.match(/^FROM \$\{NODE_IMAGE\} AS \w+$/gm) ?? []).length).toBeGreaterThanOrEqual(2);
    expect(DOCKERFILE).toMatch(/RUN npm ci --no-audit --no-fund\n/);
    expect(DOCKERFILE).toMatch(/RUN npm run build && npm run build:server$/m);
    expect(DOCKERFILE).toMatch(/^COPY scripts\/build-server\.mjs \.\/scripts\/$/m);
    expect(DOCKERFILE).toMatch(/npm ci --omit=dev/);
  });

  it('runs as non-root, exposes 8080, checks /api/health with node, and starts the server bundle', () => {
    const runtime = DOCKERFILE.slice(DOCKERFILE.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^EXPOSE 8080$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\\\n\s+CMD \["node", "-e", ".*\/api\/health/m);
    // The same V8 flags and environment as npm start and the benchmarks (scripts/build-server.mjs).
    expect(runtime).toContain(`\nCMD ${JSON.stringify(['node', ...SERVER_NODE_FLAGS, 'dist/server/index.mjs'])}\n`.replaceAll(',', ', '));
    const env = runtime.slice(runtime.indexOf('\nENV '), runtime.indexOf('\nWORKDIR'));
    for (const [k, v] of Object.entries(SERVER_ENV)) expect(env).toMatch(new RegExp(`\\s${k}=${v}(\\s|$)`));
    // …and the command the README gives for running the bundle under another supervisor.
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const envText = Object.entries(SERVER_ENV).map(([k, v]) => `${k}=${v}`).join(' ');
    expect(readme).toContain(`\`${envText} node ${SERVER_NODE_FLAGS.join(' ')} dist/server/index.mjs\``);
    for (const dir of ['server', 'contract', 'simulators', 'citypacks']) {
      expect(runtime, dir).toMatch(new RegExp(`^COPY ${dir} \\./${dir}$`, 'm'));
      expect(existsSync(path.join(ROOT, dir)), dir).toBe(true);
    }
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    // tsx must be a production dependency: the simulators service runs from TypeScript.
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies.tsx).toBeDefined();
  });

  it('keeps secrets and local state out of the build context', () => {
    const ignore = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', 'dist', 'data', '.env', '.git', 'docker/mosquitto/passwd']) expect(ignore, entry).toContain(entry);
  });
});
