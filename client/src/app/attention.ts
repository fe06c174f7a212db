/**
 * Getting a tired officer's attention for critical alerts: a short beep per new
 * critical alert (WebAudio, on by default, issue #27.7) and a flashing tab title
 * while any critical alert is unacknowledged, so a console in a background tab
 * still calls for help. Browsers refuse audio until the page gets a click or a
 * key (autoplay policy): the first one anywhere unlocks it, and until then the
 * sound switch shows the console as muted.
 */
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { Alert } from '../../../contract/alerts.js';
import { useAlerts } from '../live/hooks.js';
import type { ById } from '../live/store.js';
import { audioState, runningAudio, unlockAudio, type AudioState } from './audio.js';
import { setAudio, uiStore, useSound } from './ui.js';

/** A press under way: the switch's new look waits for its release (below). */
let pressing = false;
let pending: AudioState | null = null;

/**
 * The sound switch changes width when audio unlocks; done during a press, it
 * moves the header under the pointer and the click lands elsewhere. So the
 * new state is shown once the press is over.
 */
function showAudio(state: AudioState): void {
  if (pressing) pending = state;
  else setAudio(state);
}
function pressEnded(): void {
  pressing = false;
  const p = pending;
  pending = null;
  // After the click that follows the release.
  if (p) setTimeout(() => setAudio(p), 0);
}

/** Unlock audio from a click or a key, and show what the browser then allows (without a device, the title still flashes). */
export function unlockSound(): void {
  void unlockAudio().then(showAudio);
}

/**
 * Unlocks audio on the page's first click or key, wherever it lands (capture:
 * before any handler stops it). A browser that already allows this page sound
 * (a console used every day earns it, or a kiosk policy) is ready at once.
 */
function useAudioUnlock(): void {
  useEffect(() => {
    const already = audioState();
    if (already !== 'locked') setAudio(already);
    const events = ['pointerdown', 'keydown'] as const;
    const off = () => {
      for (const e of events) window.removeEventListener(e, onGesture, true);
    };
    const onGesture = (e: Event) => {
      if (e.type === 'pointerdown') pressing = true;
      unlockSound();
      if (uiStore.getState().audio !== 'locked') off();
    };
    for (const e of events) window.addEventListener(e, onGesture, true);
    window.addEventListener('pointerup', pressEnded, true);
    window.addEventListener('pointercancel', pressEnded, true);
    const unsubscribe = uiStore.subscribe((s) => s.audio !== 'locked' && off());
    return () => {
      off();
      window.removeEventListener('pointerup', pressEnded, true);
      window.removeEventListener('pointercancel', pressEnded, true);
      unsubscribe();
    };
  }, []);
}

/** Two short tones (880 Hz then 660 Hz): distinct from a phone or chat ping. */
export function beep(): void {
  const ctx = runningAudio();
  if (!ctx) return;
  const t0 = ctx.currentTime;
  for (const [i, freq] of [880, 660].entries()) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'square';
    osc.frequency.value = freq;
    const at = t0 + i * 0.22;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.15, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.18);
    osc.connect(gain).connect(ctx.destination);
    osc.start(at);
    osc.stop(at + 0.2);
  }
}

/** Critical alerts nobody has acknowledged. Pure: unit-tested. */
export const unackedCritical = (alerts: ById<Alert>): Alert[] => Object.values(alerts).filter((a) => a.severity === 'critical' && a.state === 'active');

/** Ids in `now` not in `seen` (new critical alerts since the last look). */
export function newIds(now: readonly Alert[], seen: ReadonlySet<string>): string[] {
  return now.map((a) => a.id).filter((id) => !seen.has(id));
}

export function useAttention(): void {
  const { t } = useTranslation();
  const alerts = useAlerts();
  const sound = useSound();
  const seen = useRef<Set<string> | null>(null);
  useAudioUnlock();
  const critical = unackedCritical(alerts);
  const count = critical.length;

  // Beep for critical alerts that appear after the page first saw the picture.
  useEffect(() => {
    const ids = critical.map((a) => a.id);
    if (seen.current === null) {
      seen.current = new Set(ids);
      return;
    }
    const fresh = newIds(critical, seen.current);
    for (const id of fresh) seen.current.add(id);
    if (fresh.length > 0 && sound) beep();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed on the alerts collection
  }, [alerts, sound]);

  // Flash the tab title until every critical alert is acknowledged.
  useEffect(() => {
    const base = document.title.replace(/^\(!\).*? — /, '');
    if (count === 0) {
      document.title = base;
      return;
    }
    const flash = `${t('ops.titleFlash', { count })} — ${base}`;
    let on = true;
    document.title = flash;
    const timer = setInterval(() => {
      on = !on;
      document.title = on ? flash : base;
    }, 1000);
    return () => {
      clearInterval(timer);
      document.title = base;
    };
  }, [count, t]);
}
