/**
 * A step that cannot be taken back, asked once in place of its button: what will happen,
 * then "yes" (the step) or "no" (back to the button). Used where a click moves a crew
 * (releasing a unit, taking one from another incident) or ends an incident's work
 * (resolving one no unit worked). "Yes" takes the focus, so a keyboard officer reads the
 * question and answers with Enter, or Esc for "no".
 */
import { useTranslation } from 'react-i18next';

export function InlineConfirm(props: { message: string; testId: string; busy: boolean; onYes: () => void; onNo: () => void; yesLabel?: string }) {
  const { t } = useTranslation();
  return (
    <span
      className="units__confirm"
      role="alert"
      data-testid={props.testId}
      onKeyDown={(e) => {
        if (e.key !== 'Escape') return;
        // Handled here: the page's Esc (close the panel) waits for the next one.
        e.preventDefault();
        props.onNo();
      }}
    >
      <span>{props.message}</span>
      {/* Focused: the question was just asked, its answer is where the officer is. */}
      <button type="button" className="btn btn--sm btn--primary" autoFocus disabled={props.busy} data-testid={`${props.testId}-yes`} onClick={props.onYes}>
        {props.yesLabel ?? t('ops.incident.yes')}
      </button>
      <button type="button" className="btn btn--sm" data-testid={`${props.testId}-no`} onClick={props.onNo}>
        {t('ops.incident.no')}
      </button>
    </span>
  );
}
