/**
 * The page's one WebAudio context, shared by the console's critical-alert beep
 * (attention.ts) and the responder's assignment alarm (responder/alarm.ts).
 * Browsers let a page make sound only after a click, a tap or a key (autoplay
 * policy): `unlockAudio` is called from one.
 */
export type AudioState = 'locked' | 'ready' | 'none';

let ctx: AudioContext | null = null;

/** The context, made on first use; null without an audio device (the page then stays silent). */
function context(): AudioContext | null {
  try {
    ctx ??= new AudioContext();
  } catch {
    ctx = null;
  }
  return ctx;
}

/** What the page may do before any gesture: a browser that already allows this page sound is ready at once. */
export function audioState(): AudioState {
  const c = context();
  return !c ? 'none' : c.state === 'running' ? 'ready' : 'locked';
}

/** Make or resume the context; call from a click, a tap or a key. Resolves to what the page may do then. */
export function unlockAudio(): Promise<AudioState> {
  const c = context();
  if (!c) return Promise.resolve('none');
  return c.resume().then(
    () => (c.state === 'running' ? 'ready' : 'locked'),
    () => 'locked',
  );
}

/** The context while it plays; null while the browser holds audio back (a suspended context would play late, all at once). */
export function runningAudio(): AudioContext | null {
  return ctx?.state === 'running' ? ctx : null;
}
