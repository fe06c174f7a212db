// `npm start`: install what is missing, build the client if stale, run the server and the demo simulators.
//
//   1. node_modules (npm ci / npm install when missing or stale)
//   2. influxd, unless INFLUX_URL points at an existing InfluxDB (the server starts and stops influxd itself);
//      PostgreSQL (Debian `postgresql`, for the local cluster of server/db/postgres.ts), unless DATABASE_URL is set
//   3. npm run build when dist/client/index.html is missing or older than client/ (skipped while client/ does not exist)
//   4. node dist/server/index.mjs (bundled from server/ when stale), stdio inherited; SIGINT/SIGTERM/SIGHUP forwarded once; exits with its code
//   5. once the server says it is up, with SIMULATORS on: the demo simulators as a process of their own
//      (scripts/simulators.mjs). A signal stops them first, without their devices signing off (the console
//      must not record an outage that never happened), then the server; whichever stops by itself, the other follows
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDebianPackages, ensureNodeModules, findBinary, newestMtime, REPO_ROOT, run } from './ensure-deps.mjs';
import { simulatorPassword, simulatorsCommand } from './simulators.mjs';

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

// The simulated cameras' video: without ffmpeg the console runs, and says a camera has no video.
ensureDebianPackages(['ffmpeg'], { required: false, hint: 'the simulated cameras then have no live video' });

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

// On Linux each child gets its own process group, so a Ctrl+C reaches each once, forwarded by us in
// our order, rather than from the terminal too; `setpriv
// --pdeathsig TERM` makes a child stop if this process dies without forwarding (e.g. SIGKILL).
// Elsewhere: same group, signals forwarded. A .env beside package.json is read by the server
// (Node 20's --env-file): the variables of .env.example.
const envFile = path.join(REPO_ROOT, '.env');
const setpriv = process.platform === 'linux' ? findBinary('setpriv') : null;
/** Spawn `node …args` as described above; an IPC channel when asked (the server's `ready`). */
const spawnNode = (nodeArgs, env, ipc = false) => {
  const [command, args] = setpriv ? [setpriv, ['--pdeathsig', 'TERM', '--', process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  return spawn(command, args, { cwd: REPO_ROOT, stdio: ipc ? ['inherit', 'inherit', 'inherit', 'ipc'] : 'inherit', detached: Boolean(setpriv), env });
};
const alive = (c) => c !== null && c.exitCode === null && c.signalCode === null;

// The simulators log in to the embedded broker with this password; the server is told the same one.
const simPassword = simulatorPassword(process.env, envFile);
const serverArgs = [...(existsSync(envFile) ? [`--env-file=${envFile}`] : []), ...SERVER_NODE_FLAGS, entry];
const child = spawnNode(serverArgs, { ...SERVER_ENV, ...process.env, SIM_MQTT_PASSWORD: simPassword }, true);
/** The simulators' process, once started; and their exit code when they stopped by themselves. */
let sims = null;
let simsFailed = null;

child.on('message', (msg) => {
  if (msg?.type !== 'ready' || !msg.simulators || sims !== null || signalled || !alive(child)) return;
  const { args, env } = simulatorsCommand(msg.simulators, process.env, simPassword);
  say(`starting the demo simulators (scenario ${msg.simulators.scenario}); SIMULATORS=off turns them off`);
  sims = spawnNode(args, env);
  sims.on('error', (err) => say(`could not start the simulators: ${err.message}`));
  sims.on('exit', (code, signal) => {
    if (signalled || !alive(child)) return;
    simsFailed = code ?? 1;
    say(`the simulators stopped (${signal ?? `exit ${code}`}): stopping the server`);
    child.kill('SIGTERM');
  });
});

/** The simulators stop: asked to (SIGTERM), then told to (SIGKILL) after 10 s. */
const stopSimulators = () =>
  new Promise((resolve) => {
    if (!alive(sims)) return resolve();
    const timer = setTimeout(() => sims.kill('SIGKILL'), 10_000);
    sims.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    sims.kill('SIGTERM');
  });

const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let signalled = false;
const forward = (signal) => {
  if (signalled) return;
  signalled = true;
  void stopSimulators().then(() => {
    if (alive(child)) child.kill(signal);
  });
};
for (const signal of forwarded) process.on(signal, forward);
process.on('exit', () => {
  if (alive(child)) child.kill('SIGTERM');
  if (alive(sims)) sims.kill('SIGTERM');
});

child.on('error', (err) => {
  say(`could not start the server: ${err.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  for (const s of forwarded) process.removeListener(s, forward);
  void stopSimulators().then(() => {
    if (simsFailed !== null) process.exit(simsFailed || 1);
    if (signal) process.exit(128 + (os.constants.signals[signal] ?? 0));
    process.exit(code ?? 1);
  });
});
