/**
 * The held clears (clearUndo.ts) as toasts at the foot of the map: what was cleared,
 * the seconds left, and "Hoàn tác" (Undo; the `u` key undoes the latest). A clear the
 * server refused stays, with the reason, until dismissed; the alert is back in the queue.
 */
import { useTranslation } from 'react-i18next';
import { dismissClear, HOLD_MS, undoClear, usePendingClears } from './clearUndo.js';
import { useNow } from './useNow.js';
import { useShortcuts } from './useShortcuts.js';

export function UndoToasts() {
  const { t } = useTranslation();
  const items = usePendingClears();
  const now = useNow(1000);
  useShortcuts({ u: () => undoClear() });
  if (items.length === 0) return null;
  return (
    <div className="toasts" role="status" aria-live="polite" data-testid="undo-toasts">
      {items.map((x) => (
        <div key={x.alertId} className={`toast${x.phase === 'failed' ? ' toast--error' : ''}`} data-testid="undo-toast" data-alert-id={x.alertId} data-phase={x.phase}>
          {x.phase === 'failed' ? (
            <>
              <span className="toast__text">
                {t('desk.undo.failed', { title: x.title })} · {t(`ops.action.error.${x.error ?? 'internal'}`)}
              </span>
              <button type="button" className="btn btn--sm btn--ghost" onClick={() => dismissClear(x.alertId)}>
                {t('desk.undo.dismiss')}
              </button>
            </>
          ) : (
            <>
              <span className="toast__text">
                {t('desk.undo.cleared', { title: x.title })}
                <span className="toast__time"> · {t('desk.undo.inSeconds', { s: secondsLeft(x.sendAt, now) })}</span>
              </span>
              <button type="button" className="btn btn--sm btn--primary" data-testid="undo-clear" disabled={x.phase !== 'held'} onClick={() => undoClear(x.alertId)}>
                {t('desk.undo.undoKey')}
              </button>
            </>
          )}
        </div>
      ))}
    </div>
  );
}

/** Whole seconds until the clear is sent; the shared 1 s clock may lag by up to a tick, so never more than the hold. */
const secondsLeft = (sendAt: number, now: number) => Math.min(HOLD_MS / 1000, Math.max(0, Math.ceil((sendAt - now) / 1000)));
