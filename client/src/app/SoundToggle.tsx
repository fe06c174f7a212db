/**
 * The officer's switch for the critical-alert sound: on by default (issue #27.7).
 * Three states, each unmistakable: on (speaker with waves); muted by the officer
 * (red, crossed out, says so in words); and not yet allowed by the browser
 * (amber, crossed out, "click to hear alerts") until the page's first click or key.
 */
import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { beep, unlockSound } from './attention.js';
import { setSound, useAudio, useSound } from './ui.js';
import './tools.css';

export type SoundState = 'on' | 'muted' | 'blocked';

export const soundState = (sound: boolean, audio: 'locked' | 'ready' | 'none'): SoundState => (!sound ? 'muted' : audio === 'ready' ? 'on' : 'blocked');

export function SoundToggle() {
  const { t } = useTranslation();
  const state = soundState(useSound(), useAudio());
  // What the officer saw when pressing: the page-wide unlock may turn "blocked" into "on" before the click lands.
  const pressedIn = useRef<SoundState | null>(null);
  const label = t(`tools.sound.${state}`);
  return (
    <button
      type="button"
      className={`sound sound--${state}`}
      aria-pressed={state === 'on'}
      title={t(`tools.sound.${state}Hint`)}
      data-testid="sound-toggle"
      data-state={state}
      onPointerDown={() => (pressedIn.current = state)}
      onKeyDown={() => (pressedIn.current = state)}
      onClick={() => {
        const was = pressedIn.current ?? state;
        pressedIn.current = null;
        if (was === 'on') return setSound(false);
        // Muted or blocked: the press turns the sound on, and lets the officer hear what it will sound like.
        unlockSound();
        setSound(true);
        beep();
      }}
    >
      <svg viewBox="0 0 16 16" aria-hidden="true">
        <path d="M2 6h3l4-3v10l-4-3H2z" fill="currentColor" />
        {state === 'on' ? <path d="M11 5.5a3.5 3.5 0 0 1 0 5M12.5 3.5a6 6 0 0 1 0 9" fill="none" stroke="currentColor" strokeWidth="1.4" /> : <path d="M11 6l4 4M15 6l-4 4" stroke="currentColor" strokeWidth="1.6" />}
      </svg>
      {state === 'on' ? <span className="sr-only">{label}</span> : <span className="sound__label">{label}</span>}
    </button>
  );
}
