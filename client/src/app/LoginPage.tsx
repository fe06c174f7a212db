/** Login: username and password, in the operator's language. Nothing else of the console loads before it. */
import '../auth/auth.css';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { LANGUAGES, setLanguage } from '../i18n/index.js';
import { login, type LoginOutcome } from '../auth/session.js';

export function LoginPage() {
  const { t, i18n } = useTranslation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Exclude<LoginOutcome, { ok: true }>['reason'] | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (busy || !username || !password) return;
    setBusy(true);
    setError(null);
    void login(username.trim(), password).then((r) => {
      setBusy(false);
      if (!r.ok) {
        setError(r.reason);
        setPassword('');
      }
    });
  };

  return (
    <main className="login" data-testid="login-page">
      <form className="login__card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title" className="login__title">
          {t('app.title')}
        </h1>
        <p className="login__subtitle">{t('auth.subtitle')}</p>
        <label className="login__field">
          <span>{t('auth.username')}</span>
          <input name="username" autoComplete="username" autoFocus required maxLength={64} value={username} onChange={(e) => setUsername(e.target.value)} data-testid="login-username" />
        </label>
        <label className="login__field">
          <span>{t('auth.password')}</span>
          <input name="password" type="password" autoComplete="current-password" required maxLength={256} value={password} onChange={(e) => setPassword(e.target.value)} data-testid="login-password" />
        </label>
        {error && (
          <p className="login__error" role="alert" data-testid="login-error" data-reason={error}>
            {t(`auth.error.${error}`)}
          </p>
        )}
        <button type="submit" className="login__submit" disabled={busy} data-testid="login-submit">
          {busy ? t('auth.signingIn') : t('auth.signIn')}
        </button>
        <div className="login__lang" role="group" aria-label={t('lang.label')}>
          {LANGUAGES.map((lng) => (
            <button key={lng} type="button" className="lang__btn" aria-pressed={i18n.language === lng} onClick={() => setLanguage(lng)}>
              {t(`lang.${lng}`)}
            </button>
          ))}
        </div>
      </form>
    </main>
  );
}
