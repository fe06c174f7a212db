/** React access to the session (client/src/auth/session.ts). */
import { useSyncExternalStore } from 'react';
import type { Session } from '../../../contract/auth.js';
import { getSession, subscribe } from './session.js';

export function useSession(): Session | null {
  return useSyncExternalStore(subscribe, getSession);
}
