/**
 * A modal dialog: focus moves into it on open and is held there (Tab and Shift+Tab
 * cycle through its controls), Esc closes it, and focus goes back to what had it
 * before. The page's single-key shortcuts wait while it is open (useShortcuts).
 * WAI-ARIA Authoring Practices, "Dialog (Modal)".
 */
import { useEffect, useId, useRef, type ReactNode, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';

const FOCUSABLE = 'button:not(:disabled), [href], input:not(:disabled), select:not(:disabled), textarea:not(:disabled), [tabindex]:not([tabindex="-1"])';

export function Modal(props: { title: string; testId: string; onClose: () => void; initialFocus?: RefObject<HTMLElement | null>; className?: string; children: ReactNode }) {
  const { t } = useTranslation();
  const box = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const { onClose, initialFocus } = props;

  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    (initialFocus?.current ?? box.current?.querySelector<HTMLElement>(FOCUSABLE) ?? box.current)?.focus();
    // Back to where the officer was, if it is still there (a row may have left the queue).
    return () => {
      if (opener && opener !== document.body && opener.isConnected) opener.focus();
    };
  }, [initialFocus]);

  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onClose();
      return;
    }
    if (e.key !== 'Tab' || !box.current) return;
    const items = [...box.current.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.offsetParent !== null);
    if (items.length === 0) {
      e.preventDefault();
      return;
    }
    const first = items[0]!;
    const last = items[items.length - 1]!;
    const at = document.activeElement;
    if (e.shiftKey && (at === first || !box.current.contains(at))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (at === last || !box.current.contains(at))) {
      e.preventDefault();
      first.focus();
    }
  };

  return (
    <div className="modal" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div ref={box} className={`modal__box${props.className ? ` ${props.className}` : ''}`} role="dialog" aria-modal="true" aria-labelledby={titleId} data-testid={props.testId} tabIndex={-1} onKeyDown={onKeyDown}>
        <header className="modal__head">
          <h2 className="modal__title" id={titleId}>
            {props.title}
          </h2>
          <button type="button" className="modal__x" aria-label={t('desk.keys.close')} title={t('desk.keys.close')} data-testid={`${props.testId}-close`} onClick={onClose}>
            ×
          </button>
        </header>
        {props.children}
      </div>
    </div>
  );
}
