// `npm start`: install what is missing, build the client if stale, run the server.
//
//   1. node_modules (npm ci / npm install when missing or stale)
//   2. influxd, unless INFLUX_URL points at an existing InfluxDB (the server starts and stops influxd itself);
//      PostgreSQL (Debian `postgresql`, for the local cluster of server/db/postgres.ts), unless DATABASE_URL is set
//   3. npm run build when dist/client/index.html is missing or older than client/ (skipped while client/ does not exist)
//   4. node dist/server/index.mjs (bundled from server/ when stale), stdio inherited; SIGINT/SIGTERM/SIGHUP forwarded once; exits with its code
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDebianPackages, ensureNodeModules, findBinary, newestMtime, REPO_ROOT, run } from './ensure-deps.mjs';

const say = (msg) => process.stderr.write(`[start] ${msg}\n`);

// 1. node_modules
if (!ensureNodeModules()) process.exit(1);

// 2. influxd
if (process.env.INFLUX_URL) {
  say(`INFLUX_URL is set (${process.env.INFLUX_URL}): not checking for a local influxd`);
} else if (
  !ensureDebianPackages(['influxd'], {
    required: true,
    hint: 'or set INFLUX_URL / MQTT_URL, or use docker compose up',
  })
) {
  process.exit(1);
}
if (process.env.DATABASE_URL) {
  say('DATABASE_URL is set: not checking for a local PostgreSQL');
} else if (
  !ensureDebianPackages(['postgres'], {
    required: true,
    hint: 'or set DATABASE_URL to an existing PostgreSQL, or use docker compose up',
  })
) {
  process.exit(1);
}

// 3. client build

const clientDir = path.join(REPO_ROOT, 'client');
if (!existsSync(clientDir)) {
  say('warning: client/ does not exist yet: not building the client');
} else {
  const builtIndex = path.join(REPO_ROOT, 'dist', 'client', 'index.html');
  const sources = Math.max(newestMtime(clientDir), newestMtime(path.join(REPO_ROOT, 'vite.config.ts')));
  const built = existsSync(builtIndex) ? statSync(builtIndex).mtimeMs : 0;
  if (built === 0 || built < sources) {
    say(built === 0 ? 'dist/client/index.html is missing: npm run build' : 'client/ changed since the last build: npm run build');
    const code = run('npm', ['run', 'build']);
    if (code !== 0) {
      say(`client build failed (exit ${code})`);
      process.exit(code);
    }
  }
}

// 4. the server: bundled to dist/server/index.mjs when missing or older than its sources
const source = path.join(REPO_ROOT, 'server', 'index.ts');
if (!existsSync(source)) {
  say(`error: ${path.relative(REPO_ROOT, source)} does not exist yet`);
  process.exit(1);
}
const { buildServer, serverBundleStale, SERVER_BUNDLE, SERVER_NODE_FLAGS, SERVER_ENV } = await import('./build-server.mjs');
if (serverBundleStale()) {
  say('server/ changed since the last build: npm run build:server');
  try {
    await buildServer();
  } catch (err) {
    say(`server build failed: ${err.message}`);
    process.exit(1);
  }
}
const entry = SERVER_BUNDLE;

// On Linux the server gets its own process group, so a Ctrl+C reaches it once (forwarded by us)
// rather than twice (from the terminal and from us); `setpriv --pdeathsig TERM` makes it stop
// if this process dies without forwarding (e.g. SIGKILL). Elsewhere: same group, signals forwarded.
// A .env beside package.json is read (Node 20's --env-file): the variables of .env.example.
const envFile = path.join(REPO_ROOT, '.env');
const nodeArgs = [...(existsSync(envFile) ? [`--env-file=${envFile}`] : []), ...SERVER_NODE_FLAGS, entry];
const setpriv = process.platform === 'linux' ? findBinary('setpriv') : null;
const [command, args] = setpriv
  ? [setpriv, ['--pdeathsig', 'TERM', '--', process.execPath, ...nodeArgs]]
  : [process.execPath, nodeArgs];
const child = spawn(command, args, { cwd: REPO_ROOT, stdio: 'inherit', detached: Boolean(setpriv), env: { ...SERVER_ENV, ...process.env } });

const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const forward = (signal) => {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
for (const signal of forwarded) process.on(signal, forward);
process.on('exit', () => {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
});

child.on('error', (err) => {
  say(`could not start the server: ${err.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  for (const s of forwarded) process.removeListener(s, forward);
  if (signal) {
    process.exit(128 + (os.constants.signals[signal] ?? 0));
  }
  process.exit(code ?? 1);
});
