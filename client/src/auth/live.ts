/**
 * The live socket and the session: a refreshed token reconnects the socket at
 * once (the server would cut the old one at its expiry anyway); a refusal for
 * an expired token refreshes; a refusal for a revoked session logs out.
 */
import type { Socket } from 'socket.io-client';
import { refresh, setTokenChangeHandler } from './session.js';

type Refusal = Error & { data?: { code?: string; reason?: string } };

export function bindSocketToSession(socket: Pick<Socket, 'on' | 'connect' | 'disconnect' | 'connected'>): void {
  setTokenChangeHandler(() => {
    if (socket.connected) socket.disconnect();
    socket.connect();
  });
  socket.on('connect_error', (err: Refusal) => {
    if (err.message !== 'unauthorized') return;
    // Expired: a fresh token and connect again. Revoked or missing: refresh fails and the login page shows.
    void refresh();
  });
}
