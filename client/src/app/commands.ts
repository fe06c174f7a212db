/**
 * Operator commands over the live Socket.IO connection, with the server's ack.
 * While the link is down socket.io buffers the emit and sends it on reconnect
 * (CONVENTIONS 6); the caller is told so (`queued`) and the officer sees it. A
 * command that gets no answer in time resolves as `timeout`: it may or may not
 * have run, and the screen says exactly that.
 */
import type { ClientToServerEvents, CommandName, ErrorCode, Result } from '../../../contract/socket.js';
import { liveSocket } from '../live/socket.js';
import { liveStore } from '../live/store.js';

type Payload<N extends CommandName> = Parameters<ClientToServerEvents[N]>[0];
type Data<N extends CommandName> = Parameters<Parameters<ClientToServerEvents[N]>[1]>[0] extends Result<infer T> ? T : never;

export type CommandErrorCode = ErrorCode | 'timeout';
export type CommandResult<T> = { ok: true; data: T } | { ok: false; error: { code: CommandErrorCode; message: string } };

const TIMEOUT_MS = 10_000;
/** Buffered while offline: give the reconnect time before calling it lost. */
const OFFLINE_TIMEOUT_MS = 120_000;

export function sendCommand<N extends CommandName>(
  name: N,
  payload: Payload<N>,
  onQueued?: () => void,
): Promise<CommandResult<Data<N>>> {
  const socket = liveSocket();
  if (!socket) return Promise.resolve({ ok: false, error: { code: 'unavailable', message: 'not connected' } });
  const offline = liveStore.getState().connection.state !== 'live';
  if (offline) onQueued?.();
  return new Promise((resolve) => {
    // socket.timeout(ms) calls the ack with an Error first when no answer came in time.
    const timed = socket.timeout(offline ? OFFLINE_TIMEOUT_MS : TIMEOUT_MS) as unknown as {
      emit(event: N, payload: Payload<N>, ack: (err: Error | null, result: Result<Data<N>>) => void): void;
    };
    timed.emit(name, payload, (err, result) => {
      if (err) resolve({ ok: false, error: { code: 'timeout', message: err.message } });
      else resolve(result);
    });
  });
}
