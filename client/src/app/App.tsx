/** Waits for the city pack and client config, then shows the console. */
import { useTranslation } from 'react-i18next';
import { useBootstrap } from './bootstrap.js';
import { ConsolePage } from './ConsolePage.js';

export function App() {
  const { t } = useTranslation();
  const boot = useBootstrap();
  if (boot.status === 'ready') return <ConsolePage pack={boot.pack} config={boot.config} />;
  return (
    <div className="splash" role="status" data-testid="splash">
      <span className="splash__title">{t('app.title')}</span>
      <span>{boot.attempt === 0 ? t('app.loading') : t('app.retrying', { attempt: boot.attempt })}</span>
    </div>
  );
}
