/**
 * CLI: npm run sim -- [options]. Scenario mode runs until Ctrl-C (or --duration);
 * load mode (--rate) runs for --duration seconds and prints a JSON summary on stdout.
 * Logs go to stderr through pino so stdout stays machine-readable.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { DEFAULT_CITY_PACK, loadCityPack } from '../contract/citypack-load.js';
import { loadIndicators } from '../contract/indicators-load.js';
import { ROOT } from '../contract/root.js';
import { createEventGenerator } from './generator.js';
import { describeScenario, runLoad, SCENARIO_NAMES, startSimulation } from './index.js';

const HELP = `Usage: npm run sim -- [options]

Scenario mode (default):
  --url URL              MQTT broker (default $MQTT_URL or mqtt://127.0.0.1:1883)
  --pack DIR             city pack folder (default $CITY_PACK or citypacks/phan-rang-thap-cham)
  --scenario NAME        ${SCENARIO_NAMES.join(' | ')} (default normal-day)
  --seed N               random seed: same seed, same event sequence (default 1)
  --speed N              sim-time multiplier (default 1)
  --duration S           stop cleanly after S wall seconds (default: run until Ctrl-C)
  --connections MODE     per-device | shared (default per-device below 200 devices)
  --keep-online          on exit, disconnect without signing the devices off (npm start: the console
                         stops with them and must not record an outage that never happened)
  --indicators FILE      indicator registry to publish a year of demo figures for
                         (default $INDICATORS_FILE or config/indicators.json; "none": no figures)
  --describe             print the scenario's expected effect as JSON and exit
  --dry-run              print the events of the first --duration sim seconds (default 300) as JSON lines, no broker

Load mode:
  --rate N --devices M --duration S
                         N msg/s in total across M synthetic devices for S seconds (QoS 1)
  --window N             max publishes awaiting PUBACK (default 256)
  --shared-connections N connections used in load mode (default 4)

Common:
  --username U --password P   broker credentials (default $MQTT_USERNAME / $MQTT_PASSWORD)
  --mqtt-version 3|4|5        MQTT protocol version (default 4 = 3.1.1; aedes rejects 5)
  --list-scenarios            print scenario names and descriptions
  -h, --help
`;

const { values: a } = parseArgs({
  options: {
    url: { type: 'string' },
    pack: { type: 'string' },
    scenario: { type: 'string', default: 'normal-day' },
    seed: { type: 'string', default: '1' },
    speed: { type: 'string', default: '1' },
    duration: { type: 'string' },
    connections: { type: 'string' },
    'keep-online': { type: 'boolean', default: false },
    describe: { type: 'boolean', default: false },
    indicators: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    rate: { type: 'string' },
    devices: { type: 'string' },
    window: { type: 'string', default: '256' },
    'shared-connections': { type: 'string', default: '4' },
    username: { type: 'string' },
    password: { type: 'string' },
    'mqtt-version': { type: 'string', default: '4' },
    'list-scenarios': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

const logger = pino({ name: 'sim', level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) {
    logger.fatal(`--${name} must be a number (got "${v}")`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  if (a.help) {
    process.stdout.write(HELP);
    return;
  }
  const packDir = a.pack ?? process.env.CITY_PACK ?? DEFAULT_CITY_PACK;
  const pack = await loadCityPack(packDir);
  if (a['list-scenarios']) {
    const { SCENARIOS } = await import('./scenarios.js');
    for (const s of Object.values(SCENARIOS)) process.stdout.write(`${s.name.padEnd(18)}${s.description}\n`);
    return;
  }
  const seed = num('seed', a.seed)!;
  const speed = num('speed', a.speed)!;
  const duration = num('duration', a.duration);
  const mqttVersion = num('mqtt-version', a['mqtt-version']) as 3 | 4 | 5;
  const url = a.url ?? process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
  const username = a.username ?? process.env.MQTT_USERNAME;
  const password = a.password ?? process.env.MQTT_PASSWORD;

  if (a.describe) {
    process.stdout.write(JSON.stringify(describeScenario(pack, a.scenario!, seed), null, 2) + '\n');
    return;
  }
  if (a['dry-run']) {
    const gen = createEventGenerator({ pack, scenario: a.scenario, seed, speed, startTs: Date.now() });
    for (const e of gen.take((duration ?? 300) * 1000)) process.stdout.write(JSON.stringify(e) + '\n');
    return;
  }
  if (a.rate !== undefined) {
    const tty = process.stderr.isTTY;
    const summary = await runLoad({
      mqttUrl: url, username, password, protocolVersion: mqttVersion, logger, center: pack.meta.center, seed,
      rate: num('rate', a.rate)!, devices: num('devices', a.devices) ?? 1000, durationS: duration ?? 30,
      window: num('window', a.window), connections: num('shared-connections', a['shared-connections']),
      onProgress: (p) => {
        // The one sanctioned console line: a live progress meter, rewritten in place on a terminal.
        const line = `[load] ${p.elapsedS}s sent=${p.sent} acked=${p.acked} rate=${p.rate}/s inflight=${p.inflight} errors=${p.errors}`;
        process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
      },
    });
    if (tty) process.stderr.write('\n');
    process.stdout.write(JSON.stringify(summary) + '\n');
    return;
  }

  const connections = a.connections as 'per-device' | 'shared' | undefined;
  if (connections && connections !== 'per-device' && connections !== 'shared') throw new Error('--connections must be per-device or shared');
  const indicatorsFile = a.indicators ?? process.env.INDICATORS_FILE ?? path.join(ROOT, 'config', 'indicators.json');
  const indicators = indicatorsFile === 'none' ? [] : loadIndicators(indicatorsFile);
  // Evidence frames from ffmpeg (docs/video.md): the console's alerts and violations show them.
  const sim = await startSimulation({ mqttUrl: url, pack, scenario: a.scenario, seed, speed, username, password, logger, connections, protocolVersion: mqttVersion, indicators, ffmpeg: process.env.FFMPEG_PATH || 'ffmpeg' });
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (duration !== undefined) setTimeout(done, duration * 1000).unref();
  });
  await sim.stop({ signOff: !a['keep-online'] });
  logger.info(sim.stats, 'bye');
}

main().catch((err: unknown) => {
  logger.fatal(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
