/**
 * Getting a tired officer's attention for critical alerts: a short beep per new
 * critical alert (WebAudio, off until the officer turns it on: browsers only allow
 * audio after a gesture anyway) and a flashing tab title while any critical alert
 * is unacknowledged, so a console in a background tab still calls for help.
 */
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { Alert } from '../../../contract/domain.js';
import { useAlerts } from '../live/hooks.js';
import type { ById } from '../live/store.js';
import { useSound } from './ui.js';

let ctx: AudioContext | null = null;

/** Create/resume the audio context; call from the click that enables sound. */
export function unlockAudio(): void {
  try {
    ctx ??= new AudioContext();
    void ctx.resume();
  } catch {
    ctx = null; // no audio device: the title still flashes
  }
}

/** Two short tones (880 Hz then 660 Hz): distinct from a phone or chat ping. */
export function beep(): void {
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
