/** Small shared pieces of the detail bodies. */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

export function Fact({ label, value }: { label: string; value: ReactNode }) {
  return (
    <div className="facts__row">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

/** The selected thing left the picture (cleared, closed, removed). */
export function Gone() {
  const { t } = useTranslation();
  return <p className="muted">{t('ops.action.error.not_found')}</p>;
}
