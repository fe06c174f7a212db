/** React access to the session (client/src/auth/session.ts). */
import { useSyncExternalStore } from 'react';
import type { Session } from '../../../contract/auth.js';
import { getSession, getSessionState, subscribe, type SessionState } from './session.js';

export function useSession(): Session | null {
  return useSyncExternalStore(subscribe, getSession);
}

/** The session and whether the start-up refresh has answered yet. */
export function useSessionState(): SessionState {
  return useSyncExternalStore(subscribe, getSessionState);
}
