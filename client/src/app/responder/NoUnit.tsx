/**
 * /responder for an account bound to no unit: the phone's own bar and theme, what
 * is wrong and who puts it right (for a responder, a supervisor assigns the account a
 * unit on the Admin page), and the ways out: sign out, and for the roles that use the
 * console, the console and the screen of any unit (/responder?unit=<id>, see session.ts).
 */
import { useTranslation } from 'react-i18next';
import type { Role } from '../../../../contract/auth.js';
import type { CityPack } from '../../../../contract/citypack.js';
import { useSession } from '../../auth/hooks.js';
import { signOutAndLeave } from '../../auth/session.js';

/** Roles with `city:view` in server/auth/permissions.ts: the console is theirs. */
const CONSOLE_ROLES: readonly Role[] = ['admin', 'supervisor', 'duty_officer'];

export function NoUnit({ pack }: { pack: CityPack }) {
  const { t } = useTranslation();
  const user = useSession()?.user;
  const officer = user !== undefined && CONSOLE_ROLES.includes(user.role);
  return (
    <div className="responder" data-testid="responder-no-unit" data-role={user?.role}>
      <header className="rtop">
        <strong>{t('responder.title')}</strong>
      </header>
      <main className="rnounit">
        <h1>{t('responder.noUnit.title')}</h1>
        <p>{t('responder.noUnit.what', { name: user ? `${user.displayName} (${user.username})` : '' })}</p>
        <p className="rnounit__fix">{t(officer ? 'responder.noUnit.officerFix' : 'responder.noUnit.fix')}</p>
        <div className="rnounit__actions">
          {officer && (
            <a className="rbtn rbtn--go rbtn--link" href="/" data-testid="responder-console">
              {t('responder.noUnit.console')}
            </a>
          )}
          <button type="button" className="rbtn" data-testid="logout" onClick={signOutAndLeave}>
            {t('auth.logout')}
          </button>
        </div>
        {officer && pack.sites.units.length > 0 && (
          <nav className="rnounit__units" aria-label={t('responder.noUnit.watch')}>
            <h2>{t('responder.noUnit.watch')}</h2>
            <ul>
              {pack.sites.units.map((u) => (
                <li key={u.id}>
                  <a href={`/responder?unit=${encodeURIComponent(u.id)}`} data-unit-id={u.id}>
                    {u.name}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        )}
      </main>
    </div>
  );
}
