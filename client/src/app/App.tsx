/** Waits for the city pack and client config, then shows the console. */
import { useTranslation } from 'react-i18next';
import { useBootstrap } from './bootstrap.js';
import { ConsolePage } from './ConsolePage.js';
import { ReplayPage } from './replay/ReplayPage.js';
import { ResponderPage } from './responder/ResponderPage.js';
import { liveSocket, setHandshakeToken } from '../live/socket.js';
import { useEffect } from 'react';
import { accessToken, resume } from '../auth/session.js';
import { useSessionState } from '../auth/hooks.js';
import { bindSocketToSession } from '../auth/live.js';
import { AdminPage } from './AdminPage.js';
import { AuditPage } from './AuditPage.js';
import { LoginPage } from './LoginPage.js';
import { bindSocketToWallToken, captureWallToken, wallToken } from './wall/token.js';
import { WallGate } from './wall/WallGate.js';
import { WallPage } from './wall/WallPage.js';

/** Screens by path (issue 8): the wall display, the responder's phone, replay, admin and audit (issue #27.7); the console otherwise. */
const ROUTE = window.location.pathname.replace(/\/+$/, '');
// Runs before main.tsx opens the live connection (imports are evaluated first).
if (ROUTE === '/wall') {
  // A wall is its display token, never a person's session (WallGate says so when it has none).
  captureWallToken();
  setHandshakeToken(wallToken);
} else {
  // console, responder, replay, admin: the session (client/src/auth), taken up by the refresh cookie.
  setHandshakeToken(accessToken);
  void resume();
}

/** Everything but the wall needs a session: the login page until there is one. */
export function App() {
  const { status } = useSessionState();
  useEffect(() => {
    const socket = liveSocket();
    if (socket && ROUTE === '/wall') bindSocketToWallToken(socket);
    else if (socket) bindSocketToSession(socket);
  }, []);
  if (ROUTE === '/wall') {
    return (
      <WallGate>
        <Screens />
      </WallGate>
    );
  }
  if (status === 'starting') return <Splash />;
  if (status === 'signed-out') return <LoginPage />;
  if (ROUTE === '/admin') return <AdminPage />;
  if (ROUTE === '/audit') return <AuditPage />;
  return <Screens />;
}

function Splash() {
  const { t } = useTranslation();
  return (
    <div className="splash" role="status" data-testid="splash">
      <span className="splash__title">{t('app.title')}</span>
      <span>{t('app.loading')}</span>
    </div>
  );
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
