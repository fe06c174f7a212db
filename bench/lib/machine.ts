/** Where and with what a run was measured: goes in every result. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from './paths.js';

const first = (cmd: string, args: string[]) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0]!.trim();
  } catch (err) {
    // `mosquitto -h` prints its version but exits non-zero.
    const out = String((err as { stdout?: unknown }).stdout ?? '').split('\n')[0]!.trim();
    return out || 'unknown';
  }
};
const pkgVersion = (name: string) => {
  try {
    return (JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
};

export function machineInfo() {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    loadAvgAtStart: os.loadavg().map((v) => Math.round(v * 100) / 100),
    versions: {
      node: process.version,
      mosquitto: first('/usr/sbin/mosquitto', ['-h']).replace(/^mosquitto version /, ''),
      influxd: first('influxd', ['version']),
      chromium: first('chromium', ['--version']),
      mqtt: pkgVersion('mqtt'),
      'socket.io': pkgVersion('socket.io'),
      'maplibre-gl': pkgVersion('maplibre-gl'),
      app: (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version,
      commit: first('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD']),
    },
  };
}
