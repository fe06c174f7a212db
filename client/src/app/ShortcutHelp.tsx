/**
 * The console's keyboard, in one place: the app-wide keys (`?` this help, `l` the
 * closed incidents of today) and the help overlay that lists every shortcut, in the
 * officer's language. The queue's keys live in AlertQueue, the alert's and incident's
 * in the detail panel, undo in UndoToasts; this list names them all.
 */
import { Fragment, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { openClosedList } from './ClosedIncidents.js';
import { Modal } from './Modal.js';
import { useShortcuts } from './useShortcuts.js';

/** Key groups as shown: each line is the keys (any of them) and what they do. */
const GROUPS: { group: 'queue' | 'incident' | 'general'; lines: { keys: string[]; what: string }[] }[] = [
  {
    group: 'queue',
    lines: [
      { keys: ['j', 'k'], what: 'move' },
      { keys: ['Enter'], what: 'open' },
      { keys: ['a'], what: 'acknowledge' },
      { keys: ['i'], what: 'openIncident' },
    ],
  },
  {
    group: 'incident',
    lines: [
      { keys: ['d'], what: 'dispatch' },
      { keys: ['n'], what: 'note' },
      { keys: ['r'], what: 'resolve' },
      { keys: ['c'], what: 'closeIncident' },
    ],
  },
  {
    group: 'general',
    lines: [
      { keys: ['Esc'], what: 'back' },
      { keys: ['u'], what: 'undo' },
      { keys: ['l'], what: 'closedList' },
      { keys: ['?'], what: 'help' },
    ],
  },
];

export function DeskKeys() {
  const [help, setHelp] = useState(false);
  useShortcuts({ '?': () => setHelp(true), l: openClosedList });
  return help ? <ShortcutHelp onClose={() => setHelp(false)} /> : null;
}

export function ShortcutHelp({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal title={t('desk.keys.title')} testId="shortcut-help" onClose={onClose} className="keys">
      <div className="keys__groups">
        {GROUPS.map((g) => (
          <section key={g.group} className="keys__group">
            <h3 className="keys__h3">{t(`desk.keys.groups.${g.group}`)}</h3>
            <dl className="keys__list">
              {g.lines.map((l) => (
                <div key={l.what} className="keys__row" data-testid="shortcut" data-keys={l.keys.join(' ')}>
                  <dt>
                    {l.keys.map((k, n) => (
                      <Fragment key={k}>
                        {n > 0 && <span className="keys__or"> / </span>}
                        <kbd className="kbd">{k}</kbd>
                      </Fragment>
                    ))}
                  </dt>
                  <dd>{t(`desk.keys.${l.what}`)}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
      <p className="keys__note">{t('desk.keys.typing')}</p>
    </Modal>
  );
}
