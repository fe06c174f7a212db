/**
 * Closing an incident, asked in place of its buttons: what closing means, and the closing
 * note the server requires (issue #27), focused at once. Enter (or the button) closes once a
 * note is written, Shift+Enter is a new line, Esc or "Huỷ" goes back to the buttons.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

export function CloseConfirm({ busy, onClose, onCancel }: { busy: boolean; onClose: (note: string) => unknown; onCancel: () => void }) {
  const { t } = useTranslation();
  const [note, setNote] = useState('');
  const submit = () => {
    if (note.trim() !== '' && !busy) onClose(note.trim());
  };
  return (
    <form
      className="closeform"
      data-testid="close-confirm"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
      onKeyDown={(e) => {
        if (e.key !== 'Escape') return;
        e.preventDefault();
        onCancel();
      }}
    >
      <p className="closeform__warn">{t('desk.confirm.closeWarn')}</p>
      <label className="closeform__label">
        {t('desk.confirm.closeNote')}
        {/* Focused: the officer asked to close; what is asked is this note. */}
        <textarea
          className="note__input"
          rows={2}
          autoFocus
          required
          maxLength={2000}
          value={note}
          placeholder={t('desk.confirm.closePlaceholder')}
          data-testid="closing-note-input"
          onChange={(e) => setNote(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              submit();
            }
          }}
        />
      </label>
      <span className="closeform__buttons">
        <button type="submit" className="btn btn--primary" disabled={busy || note.trim() === ''} data-testid="close-confirm-yes">
          {t('desk.confirm.closeYes')}
        </button>
        <button type="button" className="btn" data-testid="close-confirm-no" onClick={onCancel}>
          {t('desk.confirm.cancel')}
        </button>
      </span>
    </form>
  );
}
