/**
 * The peer: what a city would build instead — a Node-RED flow
 *   mqtt in (QoS1, parsed JSON) → function (fields/tags, own timestamp) →
 *   join (5,000 messages or 0.2 s) → influxdb batch.
 * Installed from npm into bench/.work/node-red (gitignored) on first use and
 * started headless (no editor) with a flows file written here.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../tests/harness/ports.js';
import { withParentDeathSignal } from '../../tests/harness/proc.js';
import { WORK } from './paths.js';

const NR_DIR = path.join(WORK, 'node-red');
const RED_JS = path.join(NR_DIR, 'node_modules', 'node-red', 'red.js');

export function ensureNodeRed(log: (s: string) => void): { nodeRed: string; influxNode: string } {
  const ok = () => fs.existsSync(RED_JS) && fs.existsSync(path.join(NR_DIR, 'node_modules', 'node-red-contrib-influxdb', 'package.json'));
  if (!ok()) {
    log('installing node-red and node-red-contrib-influxdb into bench/.work/node-red …');
    fs.mkdirSync(NR_DIR, { recursive: true });
    execFileSync('npm', ['install', '--prefix', NR_DIR, '--no-audit', '--no-fund', 'node-red', 'node-red-contrib-influxdb'], { stdio: 'inherit' });
  }
  const v = (p: string) => (JSON.parse(fs.readFileSync(path.join(NR_DIR, 'node_modules', p, 'package.json'), 'utf8')) as { version: string }).version;
  return { nodeRed: v('node-red'), influxNode: v('node-red-contrib-influxdb') };
}

/** Same point shapes and timestamps (ms + seq in the ns digits) as the server, so counts compare one to one. */
const SHAPE = `
const t = msg.topic.split('/');
const p = msg.payload;
if (!p || typeof p !== 'object') return null;
const ts = String(Math.trunc(p.ts)) + String(p.seq % 1000000).padStart(6, '0');
if (t[2] === 'camera' && t[4] === 'detection') {
  msg.payload = { measurement: 'detection', tags: { camera: t[3], kind: p.kind }, fields: { confidence: p.confidence, lat: p.lat, lon: p.lon, seq: p.seq }, timestamp: ts };
} else if (t[2] === 'camera' && t[4] === 'status') {
  msg.payload = { measurement: 'camera_status', tags: { camera: t[3] }, fields: { state: p.state, fps: p.fps, bitrate_kbps: p.bitrateKbps, uptime_s: p.uptimeS, seq: p.seq }, timestamp: ts };
} else if (t[3] === 'station') {
  msg.payload = { measurement: 'station_status', tags: { station: t[4] }, fields: { state: p.state, power: p.power, backhaul: p.backhaul, load_pct: p.loadPct, rsrp_dbm: p.rsrpDbm, sinr_db: p.sinrDb, active_users: p.activeUsers, seq: p.seq }, timestamp: ts };
} else return null;
return msg;`;

export function flows(o: { mqttPort: number; influxPort: number; database: string }): unknown[] {
  return [
    { id: 'tab', type: 'tab', label: 'ioc bench' },
    { id: 'broker', type: 'mqtt-broker', name: 'mosquitto', broker: '127.0.0.1', port: String(o.mqttPort), clientid: `nodered-${o.database}`, autoConnect: true, usetls: false, protocolVersion: '4', keepalive: '60', cleansession: true },
    { id: 'influx', type: 'influxdb', hostname: '127.0.0.1', port: String(o.influxPort), protocol: 'http', database: o.database, name: '', usetls: false, tls: '', influxdbVersion: '1.x' },
    { id: 'in', z: 'tab', type: 'mqtt in', name: '', topic: 'ioc/v1/#', qos: '1', datatype: 'json', broker: 'broker', nl: false, rap: true, rh: 0, inputs: 0, x: 100, y: 100, wires: [['shape']] },
    { id: 'shape', z: 'tab', type: 'function', name: 'shape', func: SHAPE, outputs: 1, x: 250, y: 100, wires: [['join']] },
    { id: 'join', z: 'tab', type: 'join', name: '', mode: 'custom', build: 'array', property: 'payload', propertyType: 'msg', key: 'topic', joiner: '\\n', joinerType: 'str', accumulate: false, timeout: '0.2', count: '5000', reduceRight: false, x: 400, y: 100, wires: [['batch']] },
    { id: 'batch', z: 'tab', type: 'influxdb batch', name: '', influxdb: 'influx', precision: 'n', retentionPolicy: '', x: 550, y: 100, wires: [] },
  ];
}

export async function startNodeRed(o: { mqttUrl: string; influxUrl: string; database: string }): Promise<{ pid: number; stop(): Promise<void> }> {
  const userDir = path.join(WORK, `nr-user-${o.database}-${Date.now().toString(36)}`);
  fs.mkdirSync(userDir, { recursive: true });
  // The database must exist before the flow writes (the server creates its own; Node-RED does not).
  await fetch(new URL(`/query?q=${encodeURIComponent(`CREATE DATABASE "${o.database}"`)}`, o.influxUrl), { method: 'POST' });
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows({ mqttPort: Number(new URL(o.mqttUrl).port), influxPort: Number(new URL(o.influxUrl).port), database: o.database })));
  const port = await freePort();
  fs.writeFileSync(
    path.join(userDir, 'settings.cjs'),
    `module.exports = { uiPort: ${port}, uiHost: '127.0.0.1', flowFile: 'flows.json', httpAdminRoot: false, httpNodeRoot: false, credentialSecret: false, logging: { console: { level: 'info' } }, editorTheme: { tours: false } };\n`,
  );
  const [cmd, args] = withParentDeathSignal(process.execPath, [RED_JS, '--settings', path.join(userDir, 'settings.cjs'), '--userDir', userDir]);
  const child = spawn(cmd, args, { cwd: userDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const onData = (s: Buffer) => (log = (log + s.toString()).slice(-8000));
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // Ready when its MQTT client has subscribed: Mosquitto lists the client; simplest is to wait for the log line.
  const deadline = Date.now() + 60_000;
  while (!/Connected to broker/.test(log)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`Node-RED did not connect to the broker:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 500)); // the subscription follows the connect
  return {
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}
