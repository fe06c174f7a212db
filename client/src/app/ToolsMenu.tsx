/**
 * What an officer reaches for beside the live picture (issue #27.7), one
 * button in the header: replay "this moment" (a new tab, so the console stays
 * live), the current shift's incidents as CSV, and the audit trail for the
 * roles that may read it (the server refuses everyone else: permissions.ts).
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Role } from '../../../contract/auth.js';
import { useSession } from '../auth/hooks.js';
import { authFetch } from '../auth/session.js';
import { useClockOffset } from '../live/hooks.js';
import { usePopover } from './usePopover.js';
import './tools.css';

/** Roles with `audit:view` in server/auth/permissions.ts: the link is hidden from the others. */
const AUDIT_ROLES: readonly Role[] = ['admin', 'supervisor'];
/** How much of the past the replay window opens with, before "now". */
const REPLAY_BACK_MS = 15 * 60_000;

/** The replay deep link for `now` (server time): the last quarter hour, positioned at its end. */
export const replayHref = (now: number) => `/replay?from=${now - REPLAY_BACK_MS}&to=${now}&at=${now}`;

/** The file name in a Content-Disposition header, or a fallback. */
export function attachmentName(header: string | null, fallback: string): string {
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(header ?? '');
  return m ? decodeURIComponent(m[1]!) : fallback;
}

export function ToolsMenu() {
  const { t } = useTranslation();
  const role = useSession()?.user.role;
  const offset = useClockOffset();
  const { open, setOpen, ref } = usePopover();
  const [exporting, setExporting] = useState<'idle' | 'busy' | 'failed'>('idle');
  // After the click has followed its link: a link taken out of the page during its click goes nowhere.
  const closeSoon = () => setTimeout(() => setOpen(false), 0);

  const exportShift = async () => {
    setExporting('busy');
    try {
      const res = await authFetch('/api/incidents.csv?shift=current', { headers: { accept: 'text/csv' } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = attachmentName(res.headers.get('content-disposition'), 'incidents-shift.csv');
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setExporting('idle');
      setOpen(false);
    } catch {
      setExporting('failed');
    }
  };

  return (
    <div className="tools" ref={ref}>
      <button type="button" className="tools__btn" aria-expanded={open} aria-haspopup="menu" data-testid="tools-menu" title={t('tools.menu')} onClick={() => setOpen(!open)}>
        <svg viewBox="0 0 16 16" aria-hidden="true">
          <path d="M2 3.5h12M2 8h12M2 12.5h12" stroke="currentColor" strokeWidth="1.6" fill="none" />
        </svg>
        <span className="tools__label">{t('tools.menu')}</span>
      </button>
      {open && (
        <ul className="tools__menu" role="menu" data-testid="tools-list">
          <li role="none">
            <a
              role="menuitem"
              className="tools__item"
              href={replayHref(Date.now() + offset)}
              target="_blank"
              rel="noopener"
              data-testid="tool-replay"
              onClick={(e) => {
                // "This moment" is the click's, not the menu's opening.
                e.currentTarget.href = replayHref(Date.now() + offset);
                closeSoon();
              }}
            >
              <strong>{t('tools.replay')}</strong>
              <span className="tools__hint">{t('tools.replayHint')}</span>
            </a>
          </li>
          <li role="none">
            <button role="menuitem" type="button" className="tools__item" data-testid="tool-export" disabled={exporting === 'busy'} onClick={() => void exportShift()}>
              <strong>{t('tools.export')}</strong>
              <span className="tools__hint">{exporting === 'failed' ? t('tools.exportFailed') : t('tools.exportHint')}</span>
            </button>
          </li>
          {role && AUDIT_ROLES.includes(role) && (
            <li role="none">
              <a role="menuitem" className="tools__item" href="/audit" target="_blank" rel="noopener" data-testid="tool-audit" onClick={closeSoon}>
                <strong>{t('tools.audit')}</strong>
                <span className="tools__hint">{t('tools.auditHint')}</span>
              </a>
            </li>
          )}
        </ul>
      )}
    </div>
  );
}
