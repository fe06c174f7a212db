/**
 * Socket.IO and sessions: the handshake must carry a valid token
 * (`auth: { token }`), or the connection is refused with a connect_error whose
 * message is `unauthorized` (or `forbidden`) and whose `data` says why. The
 * audience comes from the session: a responder gets its unit, everyone else
 * the city or the wards they ask for. A socket whose token expires, whose
 * session is revoked or whose user is disabled or changed is disconnected:
 * checked on every incoming event and every second, and at once on revocation.
 * (The client then reconnects with a fresh token, catching up from its seq.)
 * Every event a client sends must be in SOCKET_EVENT_PERMISSIONS for its role
 * (and a resync within its rate): else it is answered with an error and never
 * reaches a handler.
 */
import type { Audience, ErrorCode, HandshakeAuth, Result } from '../../contract/socket.js';
import type { Logger } from '../log.js';
import type { Actor } from '../push/commands.js';
import type { IoServer, IoSocket } from '../push/hub.js';
import { FAILURE_MESSAGES } from './guard.js';
import { can, socketEventPermission, unitScoped } from './permissions.js';
import { RateLimiter } from './rate.js';
import type { AuthService, Principal } from './service.js';

/** What a refused handshake's connect_error carries in `err.data`. */
export interface ConnectRefusal {
  code: Extract<ErrorCode, 'unauthorized' | 'forbidden'>;
  reason: string;
  message: string;
}

export class SocketGate {
  private readonly principals = new WeakMap<IoSocket, Principal>();
  private io: IoServer | null = null;
  private timer: NodeJS.Timeout | null = null;

  private readonly resyncs: RateLimiter;

  constructor(
    private readonly auth: AuthService,
    private readonly wardIds: ReadonlySet<string>,
    private readonly log: Logger,
    now: () => number = Date.now,
  ) {
    auth.onRevoke(() => this.sweep());
    this.resyncs = new RateLimiter(2, now);
  }

  /** io.use(): runs before 'connection', so a refused socket never gets a snapshot. */
  readonly middleware = (socket: IoSocket, next: (err?: Error) => void): void => {
    const a = this.auth.authenticate((socket.handshake.auth as HandshakeAuth | undefined)?.token);
    if (!a.ok) return next(refusal('unauthorized', a.reason, FAILURE_MESSAGES[a.reason]));
    if (!can(a.principal.role, 'live:view')) return next(refusal('forbidden', 'role', 'this account may not watch the live picture'));
    if (unitScoped(a.principal.role) && !a.principal.unitId) return next(refusal('forbidden', 'unit', 'no unit bound to this account'));
    const p = a.principal;
    this.principals.set(socket, p);
    socket.data.userId = p.id;
    // Every later event passes here first: the session still holds, the event is in the
    // permission table for this role, and the user is within their rate. Else refused.
    socket.use((packet, go) => {
      const ack = packet[packet.length - 1];
      const answer = (code: ErrorCode, message: string) => {
        if (typeof ack === 'function') (ack as (r: Result<never>) => void)({ ok: false, error: { code, message } });
      };
      if (!this.auth.stillValid(p)) {
        answer('unauthorized', 'session expired: reconnect with a fresh token');
        socket.disconnect(true);
        return;
      }
      const event = typeof packet[0] === 'string' ? packet[0] : '';
      const need = socketEventPermission(event);
      if (need === null || !can(p.role, need)) {
        this.log.info({ event: event.slice(0, 64), user: p.username, role: p.role }, 'socket event refused by permissions');
        return answer('forbidden', need === null ? 'no such event' : `${p.role} may not ${event}`);
      }
      // A snapshot is the costliest thing to ask for: a few a second per user at most. Commands
      // have their own rate per user, over sockets and REST alike (push/commands.ts).
      if (event === 'state:resync' && !this.resyncs.take(p.id)) return answer('unavailable', 'too many resyncs: slow down');
      go();
    });
    next();
  };

  audienceOf(socket: IoSocket): Audience {
    const p = this.principals.get(socket);
    if (p && unitScoped(p.role) && p.unitId) return { kind: 'unit', unitId: p.unitId };
    if (p?.role === 'wall') return { kind: 'wall' };
    // A district screen names its wards: unknown ids and repeats are dropped, so a ward
    // list maps to one audience whatever its order or length (push/hub.ts caps how many).
    const wards = (socket.handshake.auth as HandshakeAuth).wards;
    const known = Array.isArray(wards) ? [...new Set(wards.filter((w): w is string => typeof w === 'string' && this.wardIds.has(w)))].sort() : [];
    return known.length && known.length < this.wardIds.size ? { kind: 'wards', wardIds: known } : { kind: 'city' };
  }

  actorOf(socket: IoSocket): Actor {
    const p = this.principals.get(socket);
    // Cannot happen (the middleware admitted it); an unknown actor may do nothing.
    if (!p) return { user: '?', role: 'none', unitId: null };
    return { user: p.username, role: p.role, unitId: p.unitId, address: socket.handshake.address };
  }

  start(io: IoServer, intervalMs = 1000): void {
    this.io = io;
    this.timer = setInterval(() => this.sweep(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.io = null;
  }

  /** Disconnect every socket whose principal no longer holds. */
  sweep(): void {
    if (!this.io) return;
    for (const socket of this.io.sockets.sockets.values()) {
      const p = this.principals.get(socket);
      if (p && this.auth.stillValid(p)) continue;
      this.log.info({ user: p?.username, role: p?.role }, 'socket cut: session expired or revoked');
      socket.disconnect(true);
    }
  }
}

function refusal(code: ConnectRefusal['code'], reason: string, message: string): Error {
  const err = new Error(code) as Error & { data: ConnectRefusal };
  err.data = { code, reason, message };
  return err;
}
