/** The officer's switch for the critical-alert sound (off by default). */
import { useTranslation } from 'react-i18next';
import { beep, unlockAudio } from './attention.js';
import { setSound, useSound } from './ui.js';

export function SoundToggle() {
  const { t } = useTranslation();
  const on = useSound();
  return (
    <button
      type="button"
      className={`sound${on ? ' sound--on' : ''}`}
      aria-pressed={on}
      title={on ? t('ops.sound.disable') : t('ops.sound.enable')}
      data-testid="sound-toggle"
      onClick={() => {
        if (!on) {
          unlockAudio();
          beep(); // so the officer hears what it will sound like
        }
        setSound(!on);
      }}
    >
      <svg viewBox="0 0 16 16" aria-hidden="true">
        <path d="M2 6h3l4-3v10l-4-3H2z" fill="currentColor" />
        {on ? <path d="M11 5.5a3.5 3.5 0 0 1 0 5M12.5 3.5a6 6 0 0 1 0 9" fill="none" stroke="currentColor" strokeWidth="1.4" /> : <path d="M11 6l4 4M15 6l-4 4" stroke="currentColor" strokeWidth="1.4" />}
      </svg>
      <span className="sr-only">{on ? t('ops.sound.on') : t('ops.sound.off')}</span>
    </button>
  );
}
