/** Waits for the city pack and client config, then shows the console. */
import { useTranslation } from 'react-i18next';
import { useBootstrap } from './bootstrap.js';
import { ConsolePage } from './ConsolePage.js';
import { ReplayPage } from './replay/ReplayPage.js';
import { ResponderPage } from './responder/ResponderPage.js';
import { liveSocket, setHandshakeToken } from '../live/socket.js';
import { useEffect } from 'react';
import { accessToken } from '../auth/session.js';
import { useSession } from '../auth/hooks.js';
import { bindSocketToSession } from '../auth/live.js';
import { AdminPage } from './AdminPage.js';
import { LoginPage } from './LoginPage.js';
import { captureWallToken, wallToken } from './wall/token.js';
import { WallPage } from './wall/WallPage.js';

/** Screens by path (issue 8): the wall display, the responder's phone, replay; the console otherwise. */
const ROUTE = window.location.pathname.replace(/\/+$/, '');
// Runs before main.tsx opens the live connection (imports are evaluated first).
if (ROUTE === '/wall') {
  captureWallToken();
  setHandshakeToken(wallToken);
} else setHandshakeToken(accessToken); // console, responder, replay, admin: the session (client/src/auth)

/** Everything but the wall needs a session: the login page until there is one. */
export function App() {
  const session = useSession();
  useEffect(() => {
    const socket = liveSocket();
    if (socket) bindSocketToSession(socket);
  }, []);
  if (ROUTE !== '/wall' && !session) return <LoginPage />;
  if (ROUTE === '/admin') return <AdminPage />;
  return <Screens />;
}

function Screens() {
  const { t } = useTranslation();
  const boot = useBootstrap();
  if (boot.status === 'ready') {
    if (ROUTE === '/wall') return <WallPage pack={boot.pack} config={boot.config} />;
    if (ROUTE === '/responder') return <ResponderPage pack={boot.pack} />;
    if (ROUTE === '/replay') return <ReplayPage pack={boot.pack} config={boot.config} />;
    return <ConsolePage pack={boot.pack} config={boot.config} />;
  }
  return (
    <div className="splash" role="status" data-testid="splash">
      <span className="splash__title">{t('app.title')}</span>
      <span>{boot.attempt === 0 ? t('app.loading') : t('app.retrying', { attempt: boot.attempt })}</span>
    </div>
  );
}
