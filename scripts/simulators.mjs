// The demo simulators under `npm start`: a process of their own beside the server
// (`node --import tsx simulators/cli.ts`), connecting to its broker like real devices.
// The server says when it is up, where a local client reaches its broker and what to run
// (its `ready` message, server/index.ts ServerReady); this turns that into the command line.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/**
 * The password of MQTT user ioc-simulator on the embedded broker, for both processes:
 * SIM_MQTT_PASSWORD from the environment or .env when set, else a new one for this run.
 */
export function simulatorPassword(env, envFile) {
  if (env.SIM_MQTT_PASSWORD) return env.SIM_MQTT_PASSWORD;
  const fromFile = envFile && existsSync(envFile) ? parseEnv(readFileSync(envFile, 'utf8')).SIM_MQTT_PASSWORD : undefined;
  return fromFile || randomBytes(24).toString('base64url');
}

/**
 * The simulators' arguments and environment from the server's `ready.simulators`.
 * The broker credentials go in the environment (cli.ts reads MQTT_USERNAME/MQTT_PASSWORD),
 * not on the command line, where any local user could read them. Without a login (an
 * external broker, or no device authentication) they connect anonymously, as before.
 */
export function simulatorsCommand(sim, env, password, now = Date.now) {
  const args = [
    '--import', 'tsx', 'simulators/cli.ts',
    '--url', sim.mqttUrl,
    '--pack', sim.pack,
    '--scenario', sim.scenario,
    // SIM_SEED unset: a different run each start (startSimulation's own default).
    '--seed', String(sim.seed ?? now() % 1_000_000),
    '--speed', String(sim.speed),
    // They stop before the server (scripts/start.mjs), which must not see its devices sign off.
    '--keep-online',
  ];
  const childEnv = { ...env };
  delete childEnv.MQTT_USERNAME;
  delete childEnv.MQTT_PASSWORD;
  if (sim.username) Object.assign(childEnv, { MQTT_USERNAME: sim.username, MQTT_PASSWORD: password });
  return { args, env: childEnv };
}
