// Installs what the project needs before anything else runs.
// Plain Node ESM, no dependencies: it runs before node_modules exists.
//
//   ensureNodeModules()                      npm ci / npm install when node_modules is missing or stale
//   ensureDebianPackages(['influxd', ...])    apt-get install the Debian packages for missing binaries
//                                            ('postgres' is looked for in /usr/lib/postgresql/<version>/bin)
//
// Both return true when everything is in place, false (after printing what to do) otherwise.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Binary → Debian package that provides it. */
export const BINARY_PACKAGES = {
  influxd: 'influxdb',
  mosquitto: 'mosquitto',
  chromium: 'chromium',
  postgres: 'postgresql',
  'redis-server': 'redis-server',
  // The simulated cameras' live video and evidence frames (docs/video.md); it brings DejaVu fonts through fontconfig.
  ffmpeg: 'ffmpeg',
  // The city-pack import (npm run citypack:import): OpenStreetMap extracts and the city's GIS files.
  osmium: 'osmium-tool',
  ogr2ogr: 'gdal-bin',
};

const EXTRA_BIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** Newest mtime under p (itself included, so deletions and renames count), skipping node_modules and dist; 0 when missing. */
export function newestMtime(p) {
  let st;
  try {
    st = statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(p)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    newest = Math.max(newest, newestMtime(path.join(p, entry)));
  }
  return newest;
}

export function log(msg) {
  process.stderr.write(`[deps] ${msg}\n`);
}

function isExecutableFile(p) {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Absolute path of an executable on PATH (or in the sbin folders a non-root PATH lacks), or null. */
export function findBinary(name) {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...EXTRA_BIN_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

/**
 * The PostgreSQL server binary: Debian keeps it off PATH, in /usr/lib/postgresql/<major>/bin
 * (the newest major here; server/db/postgres.ts picks the same), else on PATH. Null when absent.
 */
export function findPostgresServer(root = '/usr/lib/postgresql') {
  let majors = [];
  try {
    majors = readdirSync(root).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a));
  } catch {
    /* not the Debian layout */
  }
  for (const major of majors) {
    const candidate = path.join(root, major, 'bin', 'postgres');
    if (isExecutableFile(candidate)) return candidate;
  }
  return findBinary('postgres');
}

/** Where a binary of BINARY_PACKAGES is, or null. */
export function locateBinary(name) {
  return name === 'postgres' ? findPostgresServer() : findBinary(name);
}

/** Runs a command with inherited stdio (output streams through); returns its exit status. */
export function run(command, args, opts = {}) {
  const res = spawnSync(command, args, { stdio: 'inherit', cwd: REPO_ROOT, ...opts });
  if (res.error) {
    log(`could not run ${command}: ${res.error.message}`);
    return 127;
  }
  if (res.signal) return 128 + (os.constants.signals[res.signal] ?? 0);
  return res.status ?? 1;
}

function mtimeMs(p) {
  return statSync(p).mtimeMs;
}

/**
 * Runs `npm ci` (when package-lock.json exists) or `npm install`, with --no-audit --no-fund,
 * when node_modules is missing or package-lock.json is newer than node_modules/.package-lock.json.
 */
export function ensureNodeModules({ cwd = REPO_ROOT } = {}) {
  const nodeModules = path.join(cwd, 'node_modules');
  const marker = path.join(nodeModules, '.package-lock.json');
  const lock = path.join(cwd, 'package-lock.json');
  const hasLock = existsSync(lock);

  let reason = null;
  if (!existsSync(nodeModules)) reason = 'node_modules is missing';
  else if (hasLock && !existsSync(marker)) reason = 'node_modules/.package-lock.json is missing';
  else if (hasLock && mtimeMs(lock) > mtimeMs(marker)) reason = 'package-lock.json is newer than node_modules';
  if (!reason) return true;

  const args = [hasLock ? 'ci' : 'install', '--no-audit', '--no-fund'];
  log(`${reason}: running npm ${args.join(' ')}`);
  const status = run('npm', args, { cwd });
  if (status !== 0) {
    log(`npm ${args[0]} failed (exit ${status}). Fix the error above, then run it again.`);
    return false;
  }
  return true;
}

let aptUpdated = false;

/**
 * Makes sure each binary in `list` (keys of BINARY_PACKAGES) is installed.
 * Missing ones are installed with apt-get when we are root on a system with apt-get
 * (`apt-get update` once per process, then `apt-get install -y PKGS`, output streamed).
 * Otherwise prints exactly what to install (plus `hint`) and returns false.
 *
 * @param {string[]} list binaries, e.g. ['influxd', 'mosquitto', 'chromium', 'postgres']
 * @param {{ required?: boolean, hint?: string }} [opts] required: say "error" rather than "warning"
 * @returns {boolean} true when every binary is present afterwards
 */
export function ensureDebianPackages(list, { required = true, hint } = {}) {
  const missing = list.filter((bin) => !locateBinary(bin));
  if (missing.length === 0) return true;

  const packages = [...new Set(missing.map((bin) => BINARY_PACKAGES[bin] ?? bin))];
  const what = missing.map((bin) => `${bin} (Debian package "${BINARY_PACKAGES[bin] ?? bin}")`).join(', ');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const aptGet = process.platform === 'linux' ? findBinary('apt-get') : null;

  if (isRoot && aptGet) {
    log(`missing ${what}: installing with apt-get`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    // Wait for another apt/dpkg run to finish rather than failing on its lock.
    const lockWait = ['-o', 'DPkg::Lock::Timeout=300'];
    if (!aptUpdated) {
      const status = run(aptGet, [...lockWait, 'update'], { env });
      if (status !== 0) log(`apt-get update failed (exit ${status}); trying the install anyway`);
      else aptUpdated = true;
    }
    const status = run(aptGet, [...lockWait, 'install', '-y', ...packages], { env });
    if (status !== 0) log(`apt-get install ${packages.join(' ')} failed (exit ${status})`);
    const still = list.filter((bin) => !locateBinary(bin));
    if (still.length === 0) {
      log(`installed: ${packages.join(' ')}`);
      return true;
    }
    log(`${required ? 'error' : 'warning'}: still missing after apt-get: ${still.join(', ')}`);
    if (hint) log(hint);
    return false;
  }

  const level = required ? 'error' : 'warning';
  log(`${level}: missing ${what}.`);
  if (aptGet) {
    log(`Install with: sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}   (or run this as root)`);
  } else {
    log(`Install with your system's package manager: ${packages.join(' ')} (Debian/Ubuntu: apt-get install -y ${packages.join(' ')})`);
  }
  if (hint) log(hint);
  return false;
}
