/** A new assignment: vibrate and beep where the phone allows it (audio needs an earlier tap on the page: ../audio.ts). */
import { runningAudio } from '../audio.js';

export function alarm(): { vibrated: boolean; beeped: boolean } {
  let vibrated = false;
  let beeped = false;
  try {
    vibrated = typeof navigator.vibrate === 'function' && navigator.vibrate([300, 150, 300, 150, 600]);
  } catch {
    /* not allowed */
  }
  try {
    const ctx = runningAudio();
    if (ctx) {
      for (const [i, f] of [880, 660, 880].entries()) {
        const o = ctx.createOscillator();
        const g = ctx.createGain();
        o.frequency.value = f;
        g.gain.value = 0.2;
        o.connect(g).connect(ctx.destination);
        o.start(ctx.currentTime + i * 0.25);
        o.stop(ctx.currentTime + i * 0.25 + 0.2);
      }
      beeped = true;
    }
  } catch {
    /* no audio */
  }
  return { vibrated, beeped };
}
