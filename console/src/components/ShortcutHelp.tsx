export const LIST_KEYS: [string, string][] = [
  ["j / k", "next / previous alert"],
  ["x", "select or unselect the focused alert"],
  ["a", "acknowledge the selected alerts"],
  ["r", "resolve the selected alerts"],
  ["/", "search"],
  ["?", "show or hide this help"],
];

/** The list's keyboard shortcuts (`?` opens it, Escape or `?` closes it). */
export function ShortcutHelp({ onClose }: { onClose: () => void }) {
  return (
    <div
      role="dialog"
      aria-label="Keyboard shortcuts"
      className="fixed inset-x-4 top-16 z-20 mx-auto max-w-sm rounded border border-slate-400 bg-white p-4 shadow-lg dark:border-slate-600 dark:bg-slate-900"
    >
      <h2 className="mb-2 font-semibold">Keyboard shortcuts</h2>
      <dl className="grid grid-cols-[max-content_1fr] gap-x-3 gap-y-1 text-sm">
        {LIST_KEYS.map(([key, what]) => (
          <div key={key} className="contents">
            <dt>
              <kbd className="rounded border border-slate-400 px-1 font-mono">{key}</kbd>
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
      <button type="button" onClick={onClose} className="mt-3 rounded border border-slate-400 px-2 py-1 text-sm">
        Close
      </button>
    </div>
  );
}
