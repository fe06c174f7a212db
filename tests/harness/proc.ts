import { isMainThread } from 'node:worker_threads';
import { findBinary } from '../../scripts/ensure-deps.mjs';

/**
 * On Linux, from the main thread, run `command` through `setpriv --pdeathsig KILL`
 * so the kernel kills it when this process dies, even by SIGKILL (e.g. a vitest
 * worker killed on timeout). setpriv execs the command, so the pid is the same.
 */
export function withParentDeathSignal(command: string, args: string[]): [string, string[]] {
  if (process.platform !== 'linux' || !isMainThread) return [command, args];
  const setpriv = findBinary('setpriv');
  return setpriv ? [setpriv, ['--pdeathsig', 'KILL', '--', command, ...args]] : [command, args];
}
