// Keyboard shortcuts: one key each, never while typing in a field or with a modifier held.
import { useEffect, useRef } from "react";

export type Shortcuts = Partial<Record<string, () => void>>;

const NOT_TYPED = new Set(["checkbox", "radio", "button", "submit", "reset"]);

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target instanceof HTMLInputElement) return !NOT_TYPED.has(target.type); // a ticked checkbox keeps keys
  return target.isContentEditable || ["TEXTAREA", "SELECT"].includes(target.tagName);
}

/** Call `shortcuts[key]` on a key press outside fields (the latest handlers, without re-subscribing). */
export function useShortcuts(shortcuts: Shortcuts): void {
  const current = useRef(shortcuts);
  useEffect(() => {
    current.current = shortcuts;
  });
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
      const handler = current.current[event.key];
      if (handler) {
        event.preventDefault();
        handler();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}

/** Move focus to the next (+1) or previous (-1) alert link of the list, wrapping at neither end. */
export function focusRow(step: 1 | -1): void {
  const links = Array.from(document.querySelectorAll<HTMLAnchorElement>('ul[aria-label="Alerts"] li a'));
  if (!links.length) return;
  const at = links.findIndex((link) => link === document.activeElement);
  const next = at < 0 ? 0 : Math.min(links.length - 1, Math.max(0, at + step));
  links[next]?.focus();
}

/** The id of the alert whose row holds the focus, if any. */
export function focusedAlertId(): string | null {
  const row = document.activeElement?.closest<HTMLElement>("li[data-alert-id]");
  return row?.dataset.alertId ?? null;
}
