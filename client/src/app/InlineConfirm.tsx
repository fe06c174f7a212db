/**
 * A step that cannot be taken back, asked once in place of its button: what will happen,
 * then "yes" (the step) or "no" (back to the button). Used where a click moves a crew
 * (releasing a unit, taking one from another incident).
 */
import { useTranslation } from 'react-i18next';

export function InlineConfirm(props: { message: string; testId: string; busy: boolean; onYes: () => void; onNo: () => void }) {
  const { t } = useTranslation();
  return (
    <span className="units__confirm" role="alert" data-testid={props.testId}>
      <span>{props.message}</span>
      <button type="button" className="btn btn--sm btn--primary" disabled={props.busy} data-testid={`${props.testId}-yes`} onClick={props.onYes}>
        {t('ops.incident.yes')}
      </button>
      <button type="button" className="btn btn--sm" onClick={props.onNo}>
        {t('ops.incident.no')}
      </button>
    </span>
  );
}
