import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog } from './common';

/** Single-key shortcuts, ignored while typing in a field or while a dialog is open. */
export function useShortcuts(handlers: Record<string, () => void>): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
      const el = e.target as HTMLElement | null;
      const isTyping = el && (el.isContentEditable || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || (el instanceof HTMLInputElement && !['checkbox', 'radio'].includes(el.type)));
      if (isTyping) return;
      // Enter on a button, link or checkbox is that control's own.
      if (e.key === 'Enter' && el && el !== document.body && el.closest('button, a, input, summary')) return;
      if (document.querySelector('dialog[open]')) return;
      const handler = handlers[e.key];
      if (!handler) return;
      e.preventDefault();
      handler();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [handlers]);
}

export const TRIAGE_KEYS = ['j', 'k', 'x', 'e', 'a', 'r', 'o', '?'] as const;

export function ShortcutHelp({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Dialog title={t('shortcuts.title')} open={open} onClose={onClose}>
      <table className="shortcuts">
        <tbody>
          {TRIAGE_KEYS.map((k) => (
            <tr key={k}>
              <th scope="row">
                <kbd>{k}</kbd>
              </th>
              <td>{t(`shortcuts.${k === '?' ? 'help' : k}`)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="dialog-actions">
        <button type="button" className="primary" onClick={onClose} autoFocus>
          {t('common.close')}
        </button>
      </div>
    </Dialog>
  );
}
