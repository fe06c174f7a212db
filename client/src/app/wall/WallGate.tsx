/**
 * In front of the wall (/wall): it opens only with a display token the server
 * accepts (token.ts). Without one, or with one that is unknown, revoked or
 * expired, it says so plainly and stays put: no socket, no retries. A
 * signed-in admin (who may manage displays) is offered the admin page's
 * display-token section to issue one.
 */
import '../../auth/auth.css';
import './wall.css';
import { useEffect, useSyncExternalStore, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useSessionState } from '../../auth/hooks.js';
import { resume } from '../../auth/session.js';
import { checkWallToken, subscribeWallToken, wallTokenState } from './token.js';

export function WallGate({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const state = useSyncExternalStore(subscribeWallToken, wallTokenState);
  useEffect(() => {
    if (wallTokenState() === 'unchecked') void checkWallToken();
  }, []);
  if (state === 'none' || state === 'refused') return <WallTokenProblem problem={state === 'none' ? 'needed' : 'refused'} />;
  if (state === 'unchecked') {
    return (
      <div className="splash" role="status" data-testid="splash">
        <span className="splash__title">{t('app.title')}</span>
        <span>{t('app.loading')}</span>
      </div>
    );
  }
  return children;
}

function WallTokenProblem({ problem }: { problem: 'needed' | 'refused' }) {
  const { t } = useTranslation();
  const { session } = useSessionState();
  // Who is signed in on this browser (by the refresh cookie), to offer an admin the way to a token.
  useEffect(() => void resume(), []);
  const isAdmin = session?.user.role === 'admin';
  return (
    <main className="login wallgate" data-testid="wall-token-problem" data-problem={problem}>
      <div className="login__card" role="alert">
        <h1 className="login__title">{t(`auth.wallToken.${problem}Title`)}</h1>
        <p className="login__subtitle">{t(`auth.wallToken.${problem}`)}</p>
        {isAdmin ? (
          <a className="login__submit wallgate__action" href="/admin#displays" data-testid="wall-issue-token">
            {t('auth.wallToken.issue')}
          </a>
        ) : (
          <p className="login__subtitle">{t('auth.wallToken.askAdmin')}</p>
        )}
      </div>
    </main>
  );
}
