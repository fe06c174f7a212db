/**
 * Which unit this phone acts for: the one place the responder screen learns it.
 * A responder's session names its unit (contract/auth.ts UserInfo.unitId; the
 * server gives the socket that unit's audience itself). Anyone else opening
 * /responder (a supervisor trying the screen) names the unit in the address:
 * /responder?unit=<id>. The session is the auth client's (client/src/auth),
 * held in memory only: nothing of it is read from storage here.
 */
import { currentUser } from '../../auth/session.js';

export function responderUnitId(): string | null {
  const user = currentUser();
  if (user?.role === 'responder') return user.unitId;
  return new URL(window.location.href).searchParams.get('unit');
}
