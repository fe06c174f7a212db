/**
 * The live socket and the session: the socket connects once there is an
 * access token (none before login or before the start-up refresh answered:
 * no handshake that could only be refused); a refreshed token reconnects it at
 * once (the server would cut the old one at its expiry anyway); a refusal for
 * an expired token refreshes; a refusal for a revoked session logs out.
 */
import type { Socket } from 'socket.io-client';
import { accessToken, refresh, setTokenChangeHandler } from './session.js';

type Refusal = Error & { data?: { code?: string; reason?: string } };

export function bindSocketToSession(socket: Pick<Socket, 'on' | 'connect' | 'disconnect' | 'connected' | 'active'>): void {
  const follow = (): void => {
    if (socket.connected || socket.active) socket.disconnect();
    if (accessToken()) socket.connect();
  };
  setTokenChangeHandler(follow);
  // The token may have come before this binding (the start-up refresh races React's first effects).
  if (accessToken() && !socket.connected && !socket.active) socket.connect();
  socket.on('connect_error', (err: Refusal) => {
    if (err.message !== 'unauthorized' || !accessToken()) return;
    // Expired: a fresh token and connect again. Revoked: refresh fails and the login page shows.
    void refresh();
  });
}
