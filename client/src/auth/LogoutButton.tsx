/** Header button: who is logged in, and log out (the page reloads to drop everything it held). */
import './auth.css';
import { useTranslation } from 'react-i18next';
import { useSession } from './hooks.js';
import { signOutAndLeave } from './session.js';

export function LogoutButton() {
  const { t } = useTranslation();
  const session = useSession();
  if (!session) return null;
  return (
    <div className="who" data-testid="who" data-role={session.user.role}>
      {/* The full name is in the tooltip: a narrow header shortens it (issue #27.5). */}
      <span className="who__name" title={`${session.user.displayName} · ${t(`auth.role.${session.user.role}`)}`}>
        {session.user.displayName}
      </span>
      {(session.user.role === 'admin' || session.user.role === 'supervisor') && (
        <a className="who__admin" href="/admin" data-testid="admin-link">
          {t('auth.admin')}
        </a>
      )}
      <button
        type="button"
        className="who__logout"
        data-testid="logout"
        onClick={signOutAndLeave}
      >
        {t('auth.logout')}
      </button>
    </div>
  );
}
