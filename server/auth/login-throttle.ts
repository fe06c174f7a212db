/**
 * What stands between a password guesser and the hash check (issue #19):
 *
 *   - An attempt is counted as a failure *before* its hash is checked, and
 *     taken back if the password was right. Sixty guesses sent at once are
 *     therefore stopped at the limit, not all checked before the lock engages.
 *   - Attempts in flight are capped per username and per client address: more
 *     are refused at once (no queue an attacker could fill).
 *   - The pair (username, address) is locked after `maxFailures` failures
 *     (30 s, doubling up to 15 min). The account itself is never locked, so one
 *     wrong try every 15 minutes from somewhere cannot keep an officer out.
 *   - The username is slowed down everywhere instead: past `maxFailures`
 *     failures from any address, each attempt waits before its check, doubling
 *     from 250 ms up to MAX_DELAY_MS. With two in flight per username that
 *     leaves a distributed guesser about a dozen tries a minute, and a real
 *     officer a few seconds' wait.
 */
import { Lockout } from './lockout.js';

const BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 10_000;

export type ThrottleRefusal = { reason: 'locked' | 'busy'; retryAfterMs: number };

export interface LoginTicket {
  /** Wait this long before checking the password. */
  delayMs: number;
  /** Call once, with the outcome of the check. */
  done(ok: boolean): void;
}

export class LoginThrottle {
  private readonly pairs: Lockout;
  private readonly users: Lockout;
  private readonly inflightUser = new Map<string, number>();
  private readonly inflightAddress = new Map<string, number>();

  constructor(
    private readonly opts: { maxFailures: number; maxPerUser: number; maxPerAddress: number; now?: () => number },
  ) {
    this.pairs = new Lockout(opts.maxFailures, opts.now);
    // Its lock is never read: only its count, for the slowdown.
    this.users = new Lockout(opts.maxFailures, opts.now);
  }

  begin(username: string, address: string): { ok: true; ticket: LoginTicket } | { ok: false; refusal: ThrottleRefusal } {
    const pair = `${username}\u0000${address}`;
    const locked = this.pairs.retryAfterMs(pair);
    if (locked > 0) return { ok: false, refusal: { reason: 'locked', retryAfterMs: locked } };
    if ((this.inflightUser.get(username) ?? 0) >= this.opts.maxPerUser || (this.inflightAddress.get(address) ?? 0) >= this.opts.maxPerAddress) {
      return { ok: false, refusal: { reason: 'busy', retryAfterMs: 1000 } };
    }
    bump(this.inflightUser, username, 1);
    bump(this.inflightAddress, address, 1);
    const before = this.users.failures(username);
    // Counted now, taken back on success: the lock engages before the hash, not after.
    this.pairs.fail(pair);
    this.users.fail(username);
    let open = true;
    return {
      ok: true,
      ticket: {
        delayMs: slowdownMs(before, this.opts.maxFailures),
        done: (ok) => {
          if (!open) return;
          open = false;
          bump(this.inflightUser, username, -1);
          bump(this.inflightAddress, address, -1);
          if (ok) {
            this.pairs.clear(pair);
            this.users.undo(username);
          }
        },
      },
    };
  }
}

/** The wait before a check, given the username's failures so far. */
export function slowdownMs(failures: number, maxFailures: number): number {
  if (failures < maxFailures) return 0;
  return Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.min(16, failures - maxFailures));
}

function bump(m: Map<string, number>, key: string, by: number): void {
  const n = (m.get(key) ?? 0) + by;
  if (n <= 0) m.delete(key);
  else m.set(key, n);
}
