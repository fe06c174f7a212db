/** The outcome of a command, said plainly next to the buttons that sent it. */
import { useTranslation } from 'react-i18next';
import type { CommandState } from './useCommand.js';

export function CommandStatus({ state, onDismiss }: { state: CommandState; onDismiss?: () => void }) {
  const { t, i18n } = useTranslation();
  if (state.phase === 'idle') return null;
  if (state.phase === 'sending')
    return (
      <p className={`cmd-status${state.queued ? ' cmd-status--queued' : ''}`} role="status" data-testid="command-status" data-phase={state.queued ? 'queued' : 'sending'}>
        {state.queued ? t('ops.action.queued') : t('ops.action.sending')}
      </p>
    );
  return (
    <p
      className="cmd-status cmd-status--error"
      role="alert"
      data-testid="command-error"
      data-code={state.code}
      // The server speaks English: on a Vietnamese screen its words stay out of the way
      // (on hover, for IT); the line above already says what happened and what to do.
      title={i18n.language === 'en' ? undefined : state.message}
    >
      <strong>{t(`ops.action.error.${state.code}`)}</strong>
      {/* The server's own words (its messages are written for operators, never internals). */}
      {i18n.language === 'en' && <span className="cmd-status__detail">{state.message}</span>}
      {onDismiss && (
        <button type="button" className="cmd-status__x" onClick={onDismiss} aria-label={t('ops.detail.close')}>
          ×
        </button>
      )}
    </p>
  );
}
