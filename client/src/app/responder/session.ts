/**
 * Which unit this phone acts for: the one place the responder screen learns it.
 * With login (security issue #6) the session's user.unitId (contract/auth.ts)
 * is the answer, and the server gives the socket the unit audience itself.
 * Until the auth client lands, a stored Session under `ioc.session` is read if
 * present, else `/responder?unit=<id>` (kept in localStorage) names the unit.
 */
import type { Session } from '../../../../contract/auth.js';

const UNIT_KEY = 'ioc.responder.unit';

function storedSession(): Session | null {
  try {
    const s = JSON.parse(localStorage.getItem('ioc.session') ?? 'null') as Session | null;
    return s && typeof s === 'object' && s.user ? s : null;
  } catch {
    return null;
  }
}

export function responderUnitId(): string | null {
  const session = storedSession();
  if (session?.user.role === 'responder' && session.user.unitId) return session.user.unitId;
  const fromUrl = new URL(window.location.href).searchParams.get('unit');
  try {
    if (fromUrl) localStorage.setItem(UNIT_KEY, fromUrl);
    return fromUrl ?? localStorage.getItem(UNIT_KEY);
  } catch {
    return fromUrl;
  }
}

/** The stored session's access token (responder, replay) for the handshake and REST (refresh is the auth client's job once it lands). */
export function sessionToken(): string | null {
  return storedSession()?.accessToken ?? null;
}
