/** Top bar: city, unacknowledged alert counts, KPIs, connection, clock, sound and language. */
import { LogoutButton } from '../auth/LogoutButton.js';
import { useTranslation } from 'react-i18next';
import { SEVERITIES } from '../../../contract/domain.js';
import type { CityMeta } from '../../../contract/citypack.js';
import { formatDate, formatTime } from '../i18n/format.js';
import { setLanguage, LANGUAGES } from '../i18n/index.js';
import { useConnection } from '../live/hooks.js';
import { KpiBar } from './KpiBar.js';
import { SeverityIcon } from './SeverityIcon.js';
import { SoundToggle } from './SoundToggle.js';
import { ToolsMenu } from './ToolsMenu.js';
import { useWardActiveAlertCounts } from './ward.js';
import { useNow } from './useNow.js';

export function Header({ meta }: { meta: CityMeta }) {
  const { t, i18n } = useTranslation();
  return (
    <header className="header">
      <div className="header__city">
        <span className="header__product">{t('app.title')}</span>
        <h1 className="header__name">{i18n.language === 'en' ? meta.nameEn : meta.name}</h1>
      </div>
      <SeverityCounts />
      <KpiBar />
      <div className="header__right">
        <ConnectionIndicator />
        <Clock timeZone={meta.timezone} />
        <ToolsMenu />
        <SoundToggle />
        <LangSwitch />
        <LogoutButton />
      </div>
    </header>
  );
}

function Clock({ timeZone }: { timeZone: string }) {
  const { t, i18n } = useTranslation();
  const now = useNow(1000);
  return (
    <div className="clock" aria-label={t('header.clock')}>
      <time className="clock__time" dateTime={new Date(now).toISOString()}>
        {formatTime(now, i18n.language, timeZone, true)}
      </time>
      <span className="clock__date">{formatDate(now, i18n.language, timeZone)}</span>
    </div>
  );
}

function SeverityCounts() {
  const { t } = useTranslation();
  // Narrowed to the screen's ward filter, like the map and the incidents (issue #27.7).
  const counts = useWardActiveAlertCounts();
  return (
    <ul className="sev-counts" aria-label={t('header.activeAlerts')} data-testid="severity-counts">
      {SEVERITIES.map((s) => (
        <li
          key={s}
          className={`sev-count sev-count--${s}${counts[s] === 0 ? ' sev-count--zero' : ''}`}
          data-severity={s}
          data-count={counts[s]}
          title={t(`severity.${s}`)}
        >
          <SeverityIcon severity={s} />
          <span className="sev-count__n">{counts[s]}</span>
          <span className="sev-count__label">{t(`severity.${s}`)}</span>
        </li>
      ))}
    </ul>
  );
}

function ConnectionIndicator() {
  const { t } = useTranslation();
  const { state } = useConnection();
  return (
    <div className={`conn conn--${state}`} data-testid="connection-state" data-state={state} role="status">
      <span className="conn__dot" aria-hidden="true" />
      <span className="conn__label">{t(`connection.${state}`)}</span>
    </div>
  );
}

function LangSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <div className="lang" role="group" aria-label={t('lang.label')} data-testid="lang-switch">
      {LANGUAGES.map((lng) => (
        <button
          key={lng}
          type="button"
          className="lang__btn"
          aria-pressed={i18n.language === lng}
          title={t(`lang.${lng}Name`)}
          lang={lng}
          data-lang={lng}
          onClick={() => setLanguage(lng)}
        >
          {t(`lang.${lng}`)}
        </button>
      ))}
    </div>
  );
}
