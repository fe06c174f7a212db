/**
 * A distinct shape per severity (octagon, triangle, diamond, circle) so severity
 * never depends on colour alone (colour-blind officers, greyed offline map).
 * Marks are paths, not <text>, so they add nothing to the row's text content.
 */
import type { Severity } from '../../../contract/domain.js';

const SHAPE: Record<Severity, string> = {
  critical: 'M5 1h6l4 4v6l-4 4H5l-4-4V5z',
  major: 'M8 1.5l7 13H1z',
  minor: 'M8 1l7 7-7 7-7-7z',
  info: 'M8 1.5a6.5 6.5 0 1 0 0 13a6.5 6.5 0 1 0 0-13z',
};
/** "!" for critical/major, "i" for info, none for minor (the diamond is enough). */
const MARK: Record<Severity, string> = {
  critical: 'M7 4h2v5H7zM7 10.5h2v2H7z',
  major: 'M7 6h2v4H7zM7 11h2v2H7z',
  minor: '',
  info: 'M7 4h2v2H7zM7 7h2v5H7z',
};

export function SeverityIcon({ severity }: { severity: Severity }) {
  return (
    <svg className={`sev-icon sev-icon--${severity}`} viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path d={SHAPE[severity]} />
      {MARK[severity] && <path className="sev-icon__mark" d={MARK[severity]} />}
    </svg>
  );
}
