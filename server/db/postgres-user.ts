/**
 * Who runs the local PostgreSQL, and where its data dir may live.
 *
 * PostgreSQL refuses to run as root. As root, initdb and postgres run as the `postgres`
 * system user the Debian package creates (setpriv drops to its uid and gid), and the data
 * dir must be reachable by that user: a PG_DATA_DIR under a private home (/root, mode 700)
 * is not, so the cluster then lives in /var/lib/ioc-console/postgres-<hash> (logged).
 * Not root: everything runs as the current user in PG_DATA_DIR.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import type { Logger } from 'pino';
import { PostgresStartError } from './errors.js';
import { findOnPath, isExecutableFile } from '../local-service.js';

/** Where a root-run cluster goes when PG_DATA_DIR is out of the postgres user's reach. */
export const ROOT_FALLBACK_BASE = '/var/lib/ioc-console';


export interface RunAs {
  uid: number;
  gid: number;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** uid and gid of the `postgres` system user, or null. */
export function postgresUser(): RunAs | null {
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return null;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function setprivPath(): string | null {
  return process.platform === 'linux' ? findOnPath('setpriv') ?? (isExecutableFile('/usr/bin/setpriv') ? '/usr/bin/setpriv' : null) : null;
}

/** [command, args] running `bin args` as `as` (when given), with the parent-death signal when possible. */
export function command(bin: string, args: string[], as: RunAs | null, pdeathsig: boolean): [string, string[]] {
  const setpriv = setprivPath();
  const prefix: string[] = [];
  if (as) prefix.push(`--reuid=${as.uid}`, `--regid=${as.gid}`, '--clear-groups');
  // Set after the uid change by setpriv, so the kernel keeps it (prctl(2) clears it on credential changes).
  if (pdeathsig && isMainThread && setpriv) prefix.push('--pdeathsig', 'KILL');
  if (prefix.length === 0) return [bin, args];
  if (!setpriv) throw new PostgresStartError('setpriv (util-linux) is needed to run PostgreSQL as the postgres user, and it is not installed');
  return [setpriv, [...prefix, '--', bin, ...args]];
}

/** The caller's environment minus PG* variables, which initdb and postgres would otherwise read. */
export function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PG')) env[k] = v;
  env.LC_ALL = 'C';
  return env;
}

/** The nearest folder at or above p that exists. */
function nearestExisting(p: string): string {
  let dir = p;
  while (!existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/** Whether `as` can search (x) `dir`, and so reach everything below it it owns: asked of the kernel, ACLs included. */
function canReach(dir: string, as: RunAs): boolean {
  const [cmd, args] = command('/usr/bin/test', ['-x', dir], as, false);
  return spawnSync(cmd, args, { cwd: '/' }).status === 0;
}

/** The stand-in data dir of a root-run cluster whose PG_DATA_DIR the postgres user cannot reach. */
export function rootFallbackDir(configured: string): string {
  const hash = createHash('sha256').update(path.resolve(configured)).digest('hex').slice(0, 10);
  return path.join(ROOT_FALLBACK_BASE, `postgres-${hash}`);
}

/**
 * Makes the data dir exist and belong to whoever runs PostgreSQL; returns the folder to use.
 * As root: PG_DATA_DIR if the postgres user can reach it (it is created, or chowned when
 * empty), else rootFallbackDir(PG_DATA_DIR).
 */
export function prepareDataDir(configured: string, as: RunAs | null, log: Logger): string {
  const wanted = path.resolve(configured);
  if (!as) {
    mkdirSync(wanted, { recursive: true, mode: 0o700 });
    chmodSync(wanted, 0o700);
    return wanted;
  }
  const owned = (dir: string): string => {
    const st = statSync(dir);
    if (st.uid !== as.uid) {
      if (readdirSync(dir).length > 0) {
        throw new PostgresStartError(
          `PG_DATA_DIR ${dir} is owned by uid ${st.uid}, not by the postgres user (uid ${as.uid}) that runs PostgreSQL: chown -R postgres:postgres ${dir}, or choose another PG_DATA_DIR`,
        );
      }
      chownSync(dir, as.uid, as.gid);
    }
    chmodSync(dir, 0o700);
    return dir;
  };
  const parentReachable = canReach(nearestExisting(path.dirname(wanted)), as);
  if (parentReachable) {
    if (!existsSync(wanted)) {
      // Parents readable by all (only the cluster folder itself is private), so postgres gets through them.
      mkdirSync(path.dirname(wanted), { recursive: true, mode: 0o755 });
      mkdirSync(wanted, { mode: 0o700 });
    }
    return owned(wanted);
  }
  const fallback = rootFallbackDir(wanted);
  mkdirSync(ROOT_FALLBACK_BASE, { recursive: true, mode: 0o755 });
  if (!existsSync(fallback)) mkdirSync(fallback, { mode: 0o700 });
  log.info(
    { configured: wanted, dataDir: fallback },
    'PG_DATA_DIR is not reachable by the postgres system user (PostgreSQL refuses to run as root): the cluster lives in the folder shown instead',
  );
  return owned(fallback);
}
