/**
 * Single-key shortcuts for the console (the full list: ShortcutHelp.tsx). Ignored
 * while typing in a field, with a modifier held, while a dialog is open (it has its
 * own keys), when a component already handled the key (defaultPrevented), and for
 * Enter when a button has focus (Enter there keeps its own meaning: the focused row,
 * the focused action). Letters are matched in lower case, so Caps Lock does not
 * silence them.
 */
import { useEffect, useRef } from 'react';

export type Shortcuts = Partial<Record<string, () => unknown>>;

export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

/** A modal dialog (help, closed incidents) is open: the page's keys wait. */
export const dialogOpen = (): boolean => document.querySelector('[aria-modal="true"]') !== null;

export function useShortcuts(map: Shortcuts): void {
  const ref = useRef(map);
  ref.current = map;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target) || dialogOpen()) return;
      if (e.key === 'Enter' && (e.target as HTMLElement | null)?.tagName === 'BUTTON') return;
      const key = e.key.length === 1 && !e.shiftKey ? e.key.toLowerCase() : e.key;
      const fn = ref.current[key];
      if (!fn) return;
      e.preventDefault();
      fn();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
