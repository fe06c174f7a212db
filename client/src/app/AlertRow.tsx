/**
 * One line of the queue: a group of related alerts (led by its most urgent one)
 * or, under an expanded group, one member. Two short lines: what, then where;
 * severity is the icon, the colour edge and a screen-reader word.
 */
import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import { formatAge, formatTime } from '../i18n/format.js';
import type { AlertLabel } from './alertText.js';
import { CommandStatus } from './CommandStatus.js';
import type { QueueLine } from './queue.js';
import { SeverityIcon } from './SeverityIcon.js';
import type { CommandState } from './useCommand.js';

export interface RowProps {
  line: QueueLine;
  label: AlertLabel;
  now: number;
  /** Offline: show the clock time instead of an age that would keep growing from old data. */
  stale: boolean;
  timeZone: string;
  selected: boolean;
  expanded: boolean;
  command: CommandState;
  onPick: (line: QueueLine) => void;
  onToggle: (groupId: string) => void;
  onAck: (line: QueueLine) => void;
  /** Keyboard focus anywhere in the row makes it the queue's cursor: Tab and j/k move one and the same thing. */
  onFocusLine: (line: QueueLine) => void;
  onDismiss: (line: QueueLine) => void;
}

export const AlertRow = memo(function AlertRow(p: RowProps) {
  const { t, i18n } = useTranslation();
  const { line, label } = p;
  const a = line.member ?? line.group.lead;
  const isGroup = line.member === null && line.group.members.length > 1;
  const members = line.member ? [a] : line.group.members;
  const active = line.member ? (a.state === 'active' ? [a] : []) : line.group.active;
  const acked = active.length === 0;
  const escalated = line.member ? a.escalated : line.group.escalated;
  const when = p.stale
    ? formatTime(a.lastSeen, i18n.language, p.timeZone)
    : p.now - a.lastSeen < 10_000
      ? t('ops.time.justNow')
      : formatAge(a.lastSeen, p.now, i18n.language);
  const where = [label.subject, label.ward].filter(Boolean).join(' · ');
  const busy = p.command.phase === 'sending';
  return (
    <li
      className={`alert-row alert-row--${a.severity}${acked ? ' alert-row--ack' : ''}${p.selected ? ' alert-row--selected' : ''}${line.member ? ' alert-row--member' : ''}`}
      data-testid="alert-row"
      data-alert-id={a.id}
      data-severity={a.severity}
      data-state={acked ? 'acknowledged' : 'active'}
      data-member-ids={members.map((m) => m.id).join(' ')}
      data-group-size={members.length}
      data-line={line.key}
      // Keyboard focus only (:focus-visible): a mouse click on "Tiếp nhận" acknowledges without moving the cursor.
      onFocus={(e) => (e.target as HTMLElement).matches(':focus-visible') && p.onFocusLine(line)}
    >
      <button
        type="button"
        className="alert-row__btn"
        onClick={() => p.onPick(line)}
        aria-label={t('alerts.showOnMap', { title: label.full })}
        aria-current={p.selected || undefined}
        title={label.full}
      >
        <span className="alert-row__what">
          <SeverityIcon severity={a.severity} />
          <span className="sr-only">{t(`severity.${a.severity}`)}: </span>
          <span className="alert-row__title" data-testid="alert-title">
            {label.what}
          </span>
        </span>
        <span className="alert-row__where">
          <span className="alert-row__place" data-testid="alert-place">{where || t('alerts.unknownPlace')}</span>
          <span className="alert-row__age">{when}</span>
        </span>
      </button>
      <div className="alert-row__side">
        {isGroup && (
          <button
            type="button"
            className="tag tag--btn"
            aria-expanded={p.expanded}
            aria-label={`${p.expanded ? t('ops.queue.collapse') : t('ops.queue.expand')} (${t('ops.queue.related', { count: members.length - 1 })})`}
            data-testid="group-toggle"
            onClick={() => p.onToggle(line.group.id)}
          >
            {t('ops.queue.related', { count: members.length - 1 })} {p.expanded ? '▴' : '▾'}
          </button>
        )}
        {/* The state badges stand in the side column (where "Tiếp nhận" was), so neither the title nor the
            address gives them its width (issue #27.5). */}
        {acked && <span className="tag tag--ok">{t('alerts.acknowledged')}</span>}
        {escalated && <span className="tag tag--warn">{t('alerts.escalated')}</span>}
        {a.count > 1 && line.member !== null && <span className="tag">{t('alerts.repeats', { count: a.count })}</span>}
        {!acked && (
          <button
            type="button"
            className="btn btn--sm btn--ack"
            disabled={busy}
            data-testid="ack"
            title={active.length > 1 ? t('ops.queue.acknowledgeAll', { count: active.length }) : t('ops.queue.acknowledge')}
            onClick={() => p.onAck(line)}
          >
            ✓ {t('ops.queue.acknowledge')}
          </button>
        )}
        {/* No "Xoá" (clear) here, right under "Tiếp nhận": clearing is in the detail panel, away from it, with undo (issue #27). */}
      </div>
      <CommandStatus state={p.command} onDismiss={() => p.onDismiss(line)} />
    </li>
  );
});
